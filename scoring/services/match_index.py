"""A town's matcher index, built once when its passages or its rubric change, not per page view.

``build_index`` reads every passage of a town (character pairs, lengths) and the first
ranking of each item counts its words in them; a reviewer's page, the search and the
coverage views all need that. So it is built when an extraction finishes (the job calls
``town_index``), every scored item of the assessment's rubric matched against it, and kept: in this
worker's memory and, with a folder configured (``configure``: the instance's
``matcher-index``, set by the web app and the job), as a file the other workers and the
next process read, with the passages themselves (a page then reads none of them from the
database). The key is the database, assessment, town, the rubric version, the town's files
with their text states and ``match.MATCHER_VERSION``: a new upload (or its extraction
finishing), another rubric or a new matcher gives a new key, and the index is built again
on first use (lazily, once).
The folder holds pickles, so it must be the instance's own (never a shared temporary folder).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from scoring.evidence.match import MATCHER_VERSION, ItemMatch, PassageIndex, build_index, match_item
from scoring.services import pickled
from scoring.store import queries
from scoring.store.views import EvidenceView, PassageView

_FORMAT = "index-3"  # change when what is pickled changes shape
SUGGESTED = 3  # passages kept per item: what the reviewer's page proposes
_KEEP = 32  # indexes kept per worker
_FILES_KEPT = 512

_memory: OrderedDict[str, TownPassages] = OrderedDict()
_lock = threading.Lock()
_folder: Path | None = None
builds = 0  # indexes built by this process (the benchmark and tests read it)


def configure(folder: Path | None) -> None:
    """Keep indexes in ``folder`` too, for the other processes (None: in this process only)."""
    global _folder
    _folder = Path(folder) if folder is not None else None


def clear() -> None:
    """Forget the indexes held in this process (tests; the folder's files stay valid)."""
    with _lock:
        _memory.clear()


@dataclass(frozen=True)
class TownPassages:
    """A town's stored passages (all its files, in upload order) and their matcher index."""

    passages: list[PassageView]
    index: PassageIndex
    matches: dict[str, ItemMatch]  # scored item id -> its ranked passages and flag, for this rubric
    key: str = ""  # what they were kept under: the same key, the same passages (pages may cache by it)


def town_passages(session: Session, assessment_id: int, town_id: int, files: list[EvidenceView] | None = None,
                  rubric=None) -> TownPassages:
    """The town's passages and matcher index, read and built only when none is kept for the same
    files (and their text states), rubric version and matcher: a file's passages are stored
    once, with its final state, so the files say when they change. ``files`` and ``rubric``:
    when the caller has read them already."""
    if files is None:
        files = queries.evidence_files(session, assessment_id, town_id)
    version = queries.assessment(session, assessment_id).rubric_version_id
    key = _key(session, assessment_id, town_id, version, files)
    found = _lookup(key)
    if found is None:
        rubric = rubric if rubric is not None else queries.assessment_rubric(session, assessment_id)
        passages = queries.passages(session, [f.id for f in files])
        found = replace(_build(passages, rubric), key=key)
        _write(key, found)
        _remember(key, found)
    return found


def town_index(session: Session, assessment_id: int, town_id: int) -> PassageIndex:
    """The matcher index of the town's passages (``town_passages``)."""
    return town_passages(session, assessment_id, town_id).index


def _build(passages: list[PassageView], rubric) -> TownPassages:
    """Index the passages (under their evidence id: two uploads may share a name) and match every
    scored item now (what the pages suggest and flag), so a page view only looks them up."""
    global builds
    index = build_index(p.to_passage(str(p.evidence_id)) for p in passages)
    matches = {item.id: match_item(index, item, top=SUGGESTED) for _, item in rubric.all_items()}
    with _lock:
        builds += 1
    return TownPassages(passages, index, matches)


def _key(session: Session, assessment_id: int, town_id: int, rubric_version: int, files: list[EvidenceView]) -> str:
    url = session.get_bind().url.render_as_string(hide_password=True)
    evidence = ";".join(f"{f.id},{f.text_state},{f.text_updated_at}" for f in files)
    return hashlib.sha256(f"{_FORMAT}|{MATCHER_VERSION}|{url}|{assessment_id}|{town_id}|{rubric_version}|{evidence}"
                          .encode()).hexdigest()


def _lookup(key: str) -> TownPassages | None:
    with _lock:
        found = _memory.get(key)
        if found is not None:
            _memory.move_to_end(key)
            return found
    found = _read(key)
    if found is not None:
        _remember(key, found)
    return found


def _remember(key: str, found: TownPassages) -> None:
    with _lock:
        _memory[key] = found
        while len(_memory) > _KEEP:
            _memory.popitem(last=False)


def _read(key: str) -> TownPassages | None:
    return pickled.read(_folder / f"{key}.pickle", TownPassages) if _folder is not None else None


def _write(key: str, found: TownPassages) -> None:
    if _folder is not None:
        pickled.write(_folder, key, found, keep=_FILES_KEPT)  # unwritten: only built again
