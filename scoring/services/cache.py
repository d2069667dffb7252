"""The assessment's outcome, kept up to date per change of the data and shared between workers.

An outcome is labelled with the data version it was computed at (``queries.data_version``,
the newest audit id: every write audits itself, so nothing an outcome depends on changes
without it changing). A page at a newer version brings the newest outcome it knows up to
date instead of computing the district again: it reads the audit events since, and if
they are only marks (appeals, resolutions) of some towns, or writes no outcome depends on (sign-ins,
evidence, deadlines ...), it computes those towns again from their marks
(``outcome.with_towns``); any other event (an assignment, a rubric, a rename ...) or a long
gap computes the whole assessment again. Each worker keeps the last few outcomes in memory;
with a folder configured (``configure``, the instance's ``outcome-cache``: the web app sets
it) a full computation is written there, so another worker or a restart starts from it and
catches up the same way. The folder holds pickles, so it must be the instance's own.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from scoring.outcome import Outcome, compute_outcome, with_towns
from scoring.resolutions import apply_resolutions
from scoring.rubric import Rubric
from scoring.services import pickled
from scoring.store import queries
from scoring.store.lean import Change
from scoring.store.mark_frames import counting_marks, entries, table_of
from scoring.store.resolutions import resolved_marks

_FORMAT = "outcome-3"  # change when CachedOutcome's shape changes, so old files are never read
_KEEP = 8  # outcomes kept per worker (a few assessments, the newest versions of each)
_FILES_KEPT = 64
_CATCH_UP_EVENTS = 5000  # more events than this since the newest outcome: compute it again
_CATCH_UP_SHARE = 0.25  # more towns changed than this share (and than 16): compute it again
_WRITE_EVERY = 500  # events after which a caught-up outcome is written for the other workers
# Writes that change no outcome; a mark's, an appeal's or a resolution's only changes its own town's.
NEUTRAL = frozenset({"login", "user.logout", "user.password", "user.password_reset", "user.create",
                     "district.create", "town.create", "evidence.add", "assessment.deadlines", "ranking.snapshot",
                     "assessment.document"})
TOWN_EVENTS = ("mark.", "appeal.", "disagreement.")  # a resolution replaces its own town × item's marks


@dataclass(frozen=True)
class CachedOutcome:
    outcome: Outcome
    unusable: list[queries.UnusableMark]  # stored complete marks that are not valid: they do not count
    version: int = 0  # the data version it was computed at


_memory: OrderedDict[tuple[str, int], CachedOutcome] = OrderedDict()
_written: dict[str, int] = {}
_lock = threading.Lock()
_folder: Path | None = None


def configure(folder: Path | None) -> None:
    """Share outcomes between processes through ``folder`` (None: in this process only)."""
    global _folder
    _folder = Path(folder) if folder is not None else None


def clear() -> None:
    """Forget the outcomes held in this process (tests; the folder's files stay valid)."""
    with _lock:
        _memory.clear()
        _written.clear()
        _derived.clear()
        _through_marks.clear()


def assessment_outcome(session: Session, assessment_id: int) -> tuple[Rubric, CachedOutcome]:
    """The rubric and the outcome of every town of the assessment at the current data version."""
    version = queries.data_version(session)  # read first: the marks read after are at least as new
    rubric = queries.assessment_rubric(session, assessment_id)
    name = _name(session, assessment_id)
    with _lock:
        found = _memory.get((name, version))
    if found is None:
        base = _newest(name, version)
        if base is not None:
            found = base if base.version == version else _caught_up(session, assessment_id, rubric, base, version)
        if found is None:
            marks = counting_marks(session, assessment_id)
            towns = list(queries.assessment_towns(session, assessment_id).values())
            table = apply_resolutions(marks.table, resolved_marks(session, assessment_id))  # resolved: one mark
            found = CachedOutcome(compute_outcome(rubric, table, towns), marks.unusable, version)
            _write(name, found)
        elif version - _written.get(name, version - _WRITE_EVERY) >= _WRITE_EVERY:
            _write(name, found)
        _remember(name, found)
    return rubric, found


def _caught_up(session: Session, assessment_id: int, rubric: Rubric, base: CachedOutcome,
               version: int) -> CachedOutcome | None:
    """``base`` brought to ``version`` by computing the towns changed since; None if that is not cheaper."""
    changes = queries.changes(session, base.version, version, _CATCH_UP_EVENTS)
    dirty = _changed_towns(changes, assessment_id) if changes is not None else None
    if dirty is None:
        return None
    towns = queries.assessment_towns(session, assessment_id)
    if len(dirty) > max(16, _CATCH_UP_SHARE * len(towns)) or any(t not in towns for t in dirty):
        return None
    if list(base.outcome.results["town"]) != sorted(towns.values()):  # a town added or renamed
        return None
    checked = [e for town_id in sorted(dirty) for e in entries(session, assessment_id, town_id)]
    marks = table_of(checked)
    names = {towns[t] for t in dirty}
    resolved = [m for m in resolved_marks(session, assessment_id) if m.town in names]
    unusable = [u for u in base.unusable if u.town not in names] + marks.unusable
    table = apply_resolutions(marks.table, resolved)
    return CachedOutcome(with_towns(rubric, base.outcome, table, sorted(names)), unusable, version)


def _changed_towns(changes: list[Change], assessment_id: int) -> set[int] | None:
    """Town ids whose marks changed in these events; None if one could change anything else."""
    dirty: set[int] = set()
    for change in changes:
        if change.action in NEUTRAL:
            continue
        if not change.action.startswith(TOWN_EVENTS) or change.assessment_id is None:
            return None
        if change.assessment_id == assessment_id:
            if change.town_id is None:
                return None
            dirty.add(change.town_id)
    return dirty


def _name(session: Session, assessment_id: int) -> str:
    url = session.get_bind().url.render_as_string(hide_password=True)
    return hashlib.sha256(f"{_FORMAT}|{url}|{assessment_id}".encode()).hexdigest()


def _newest(name: str, version: int) -> CachedOutcome | None:
    """The newest outcome of the assessment older than ``version``: this worker's, or the folder's."""
    with _lock:
        known = [found for (key, v), found in _memory.items() if key == name and v < version]
    mine = max(known, key=lambda found: found.version, default=None)
    filed = _read(name, version, mine.version if mine is not None else -1)
    return filed if filed is not None else mine


def _remember(name: str, found: CachedOutcome) -> None:
    with _lock:
        _memory[(name, found.version)] = found
        _memory.move_to_end((name, found.version))
        while len(_memory) > _KEEP:
            _memory.popitem(last=False)


def _read(name: str, version: int, newer_than: int) -> CachedOutcome | None:
    """The folder's newest outcome of ``name`` at a version in (newer_than, version]."""
    if _folder is None:
        return None
    versions = []
    for path in _folder.glob(f"{name}-*.pickle"):
        try:
            versions.append(int(path.stem.rsplit("-", 1)[1]))
        except ValueError:
            continue
    usable = [v for v in versions if newer_than < v <= version]
    if not usable:
        return None
    found = pickled.read(_folder / f"{name}-{max(usable)}.pickle", CachedOutcome)
    if found is None:
        return None
    _written[name] = max(_written.get(name, found.version), found.version)
    return found


def _write(name: str, found: CachedOutcome) -> None:
    _written[name] = found.version
    if _folder is None:
        return
    pickled.write(_folder, f"{name}-{found.version}", found, keep=_FILES_KEPT)  # unwritten: recomputed


_derived: OrderedDict[str, object] = OrderedDict()


def derived(session: Session, assessment_id: int, name: str, compute):
    """``compute()`` once per data version, in this process: figures read off the outcome
    that cost several computations (the ranking's sensitivity), not redone on every page."""
    key = f"{_name(session, assessment_id)}|{queries.data_version(session)}|{name}"
    with _lock:
        if key in _derived:
            _derived.move_to_end(key)
            return _derived[key]
    value = compute()
    with _lock:
        _derived[key] = value
        while len(_derived) > _KEEP:
            _derived.popitem(last=False)
    return value


_through_marks: OrderedDict[str, tuple[int, object]] = OrderedDict()


def through_marks(session: Session, assessment_id: int, name: str, compute, update=None):
    """A figure of the assessment at the current data version that a mark changes in its own town
    only, or not at all: the value last computed (in this process) is brought up to date instead of
    computed again, as the outcome is. If only marks, appeals and resolutions (and writes nothing depends on,
    ``NEUTRAL``) came since, ``update(value, town_ids)`` gives the value with the towns whose marks
    changed computed again (without ``update``: the value does not depend on marks, and stays;
    ``update`` returning None: compute it again); any other write, or a long gap, ``compute()`` again."""
    key = f"{_name(session, assessment_id)}|{name}"
    version = queries.data_version(session)  # read first: what is read after is at least as new
    with _lock:
        known = _through_marks.get(key)
    value = None
    if known is not None and known[0] == version:
        value = known[1]
    elif known is not None and known[0] < version:
        changes = queries.changes(session, known[0], version, _CATCH_UP_EVENTS)
        dirty = _changed_towns(changes, assessment_id) if changes is not None else None
        if dirty is not None:
            value = known[1] if not dirty or update is None else update(known[1], dirty)
    if value is None:
        value = compute()
    with _lock:
        _through_marks[key] = (version, value)
        _through_marks.move_to_end(key)
        while len(_through_marks) > 4 * _KEEP:
            _through_marks.popitem(last=False)
    return value
