"""The assessment's outcome, computed once per change of the data and shared between workers.

The key is the data version (``queries.data_version``, the newest audit id: every write
audits itself, so nothing an outcome depends on changes without it changing), the
assessment and the database. Every page of one version shares one computation; after a
save the next page computes it again, once. A worker keeps the last few in memory; with a
folder configured (``configure``, the instance's ``outcome-cache``: the web app sets it)
the other workers read the same computation from there instead of redoing it. The folder
holds pickles, so it must be the instance's own (never a shared temporary folder).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from scoring.outcome import Outcome, compute_outcome
from scoring.resolutions import apply_resolutions
from scoring.rubric import Rubric
from scoring.store import queries
from scoring.store.mark_frames import counting_marks
from scoring.store.resolutions import resolved_marks

_FORMAT = "outcome-2"  # change when Outcome's shape changes, so old files are never read
_KEEP = 8  # outcomes kept per worker (a few assessments, the current version of each)
_FILES_KEPT = 64


@dataclass(frozen=True)
class CachedOutcome:
    outcome: Outcome
    unusable: list[queries.UnusableMark]  # stored complete marks that are not valid: they do not count


_memory: OrderedDict[str, CachedOutcome] = OrderedDict()
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
        _derived.clear()


def cached(session: Session, assessment_id: int) -> CachedOutcome | None:
    """The outcome at the current data version if some process already computed it, else None."""
    return _lookup(_key(session, assessment_id, queries.data_version(session)))


def _lookup(key: str) -> CachedOutcome | None:
    with _lock:
        found = _memory.get(key)
        if found is not None:
            _memory.move_to_end(key)
            return found
    found = _read(key)
    if found is not None:
        _remember(key, found)
    return found


def _remember(key: str, found: CachedOutcome) -> None:
    with _lock:
        _memory[key] = found
        while len(_memory) > _KEEP:
            _memory.popitem(last=False)


def assessment_outcome(session: Session, assessment_id: int) -> tuple[Rubric, CachedOutcome]:
    """The rubric and the outcome of every town of the assessment at the current data version."""
    version = queries.data_version(session)  # read first: the marks read after are at least as new
    rubric = queries.assessment_rubric(session, assessment_id)
    key = _key(session, assessment_id, version)
    found = _lookup(key)
    if found is None:
        marks = counting_marks(session, assessment_id)
        towns = list(queries.assessment_towns(session, assessment_id).values())
        table = apply_resolutions(marks.table, resolved_marks(session, assessment_id))  # resolved items: one mark
        found = CachedOutcome(compute_outcome(rubric, table, towns), marks.unusable)
        _write(key, found)
        _remember(key, found)
    return rubric, found


def _key(session: Session, assessment_id: int, version: int) -> str:
    url = session.get_bind().url.render_as_string(hide_password=True)
    return hashlib.sha256(f"{_FORMAT}|{url}|{assessment_id}|{version}".encode()).hexdigest()


def _read(key: str) -> CachedOutcome | None:
    if _folder is None:
        return None
    try:
        with open(_folder / f"{key}.pickle", "rb") as file:
            found = pickle.load(file)  # noqa: S301 - the instance's own folder, written by _write
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    return found if isinstance(found, CachedOutcome) else None


def _write(key: str, found: CachedOutcome) -> None:
    """Store atomically (temporary file + rename); keep only the newest files."""
    if _folder is None:
        return
    try:
        _folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=_folder, suffix=".tmp", delete=False) as file:
            pickle.dump(found, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, _folder / f"{key}.pickle")
        files = sorted(_folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in files[:-_FILES_KEPT]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs a recomputation


_derived: OrderedDict[str, object] = OrderedDict()


def derived(session: Session, assessment_id: int, name: str, compute):
    """``compute()`` once per data version, in this process: figures read off the outcome
    that cost several computations (the ranking's sensitivity), not redone on every page."""
    key = _key(session, assessment_id, queries.data_version(session)) + name
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
