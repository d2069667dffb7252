"""Which passages of a town's evidence bear on each rubric item, and whether any does.

The matcher (``scoring.evidence.match``) ranks passages for an item's own words; here its
ranking becomes what reviewers and towns see: suggested passages with their file, place and
section, and a coverage flag per item. The flag and its name are the matcher's own
(``ItemMatch.state``, ``EVIDENCE_STATES``: how much of the item's own words the evidence holds,
with the thresholds measured on the labelled set), so a coverage view, the reviewer's sheet
and the CLI never disagree, in substance or in wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.evidence.match import (
    EVIDENCE_STATES,
    ItemMatch,
    PassageIndex,
    Query,
    build_index,
    item_query,
    match_item,
    query_units,
    rubric_vocabulary,
)
from scoring.messages import Message
from scoring.services.match_index import SUGGESTED, town_passages
from scoring.store import queries
from scoring.store.views import EvidenceView, PassageView

FLAGS: dict[str, Message] = EVIDENCE_STATES  # "supported", "weak", "missing" -> its name


@dataclass(frozen=True)
class Suggestion:
    """A passage proposed for an item: where it is, its section, and the item's words in it."""

    file: EvidenceView
    passage: PassageView
    section: str  # the heading the passage sits under ("" when none)
    score: float
    units: tuple[str, ...]  # the item's words found in the passage, for highlighting

    @property
    def cite(self) -> str:
        return f"{self.file.id}|{self.passage.passage_key}"


@dataclass(frozen=True)
class Coverage:
    flag: str  # "supported", "weak" or "missing"
    label: Message
    best: Suggestion | None


def item_terms(item) -> list[str]:
    """What an item is matched on: its title, criteria and the evidence it requires."""
    terms = [item.title, getattr(item, "criteria", "") or ""]
    terms += list(getattr(item, "evidence_required", None) or [])
    return [t for t in terms if t]


def _query(item) -> Query:
    """A scored item's weighted query; a bonus or veto item (no criteria) is matched on its words."""
    return item_query(item) if hasattr(item, "criteria") else Query.of_terms(item_terms(item))


class TownEvidence:
    """A town's evidence for one assessment, indexed once and matched against many items."""

    def __init__(self, files: list[EvidenceView], passages: list[PassageView], rubric=None,
                 index: PassageIndex | None = None, matches: dict[str, ItemMatch] | None = None):
        # The rubric's words, shared or an item's own: what the coverage flag weighs.
        self.vocabulary = rubric_vocabulary(scored_items(rubric)) if rubric is not None else None
        self.files = {f.id: f for f in files}
        self.views = {(p.evidence_id, p.passage_key): p for p in passages}
        # Passage id -> its section (all heading levels), as extraction stored it.
        self.sections = {p.id: " › ".join(h for h in (p.section_path or ()) if h) for p in passages}
        # Indexed under the evidence id (not the file's name, which two uploads may share).
        self.index = index if index is not None else build_index(p.to_passage(str(p.evidence_id)) for p in passages)
        self.matches = matches or {}  # item id -> match_item's result, kept with the index (match_index)

    @classmethod
    def load(cls, session: Session, assessment_id: int, town_id: int, rubric=None) -> TownEvidence:
        """The town's evidence with its kept matcher index (``match_index``: built once, not per view)."""
        files = queries.evidence_files(session, assessment_id, town_id)
        kept = town_passages(session, assessment_id, town_id, files, rubric)
        return cls(files, kept.passages, rubric, kept.index, kept.matches)

    def _suggestions(self, ranked, units: list[str]) -> list[Suggestion]:
        out = []
        for passage, score in ranked:
            view = self.views[(int(passage.file_name), passage.passage_id)]
            text = view.text.casefold()
            out.append(Suggestion(self.files[view.evidence_id], view, self.sections[view.id], score,
                                  tuple(u for u in units if u in text)))
        return out

    def suggest(self, item, top: int = 3) -> list[Suggestion]:
        """The ``top`` passages for an item, best first."""
        kept = self.matches.get(getattr(item, "id", None))
        ranked = kept.ranked[:top] if kept is not None and top <= SUGGESTED else self.index.rank(_query(item), top)
        return self._suggestions(ranked, query_units(item_terms(item)))

    def search(self, query: str, top: int = 20) -> list[Suggestion]:
        """Passages for a reviewer's own words, segmented as the matcher segments an item."""
        if not query.strip():
            return []
        return self._suggestions(self.index.rank(Query.of_terms([query]), top=top), query_units([query]))

    def coverage(self, item, best: list[Suggestion] | None = None) -> Coverage:
        """Supported, weak or missing (材料缺失), as the matcher flags the item."""
        found = self.matches.get(getattr(item, "id", None)) or match_item(self.index, item, top=1,
                                                                          vocabulary=self.vocabulary)
        best = self._suggestions(found.ranked, query_units(item_terms(item))) if best is None else best
        flag = found.state if best else "missing"
        return Coverage(flag, EVIDENCE_STATES[flag], best[0] if best and flag != "missing" else None)


def scored_items(rubric) -> list:
    """The items coverage is about: every scored item (bonus and veto items are claims, not duties)."""
    return [item for _, item in rubric.all_items()]


def town_coverage(session: Session, assessment_id: int, town_id: int) -> list[tuple[object, Coverage]]:
    """(item, coverage) for every scored item of the assessment's rubric, for one town."""
    rubric = queries.assessment_rubric(session, assessment_id)
    evidence = TownEvidence.load(session, assessment_id, town_id, rubric)
    return [(item, evidence.coverage(item)) for item in scored_items(rubric)]


def coverage_counts(rows: list[tuple[object, Coverage]]) -> list[tuple[str, Message, int]]:
    """(flag, its name, how many items) for supported, weak and missing, in that order."""
    counts = dict.fromkeys(EVIDENCE_STATES, 0)
    for _, coverage in rows:
        counts[coverage.flag] += 1
    return [(flag, EVIDENCE_STATES[flag], n) for flag, n in counts.items()]


@dataclass(frozen=True)
class AssessmentCoverage:
    """Coverage of every town of an assessment: items in rubric order, a flag per town and item."""

    items: list
    towns: dict[int, str]  # town id -> name, in the assessment's order
    flags: dict[int, dict[str, Coverage]]  # town id -> item id -> coverage


def assessment_coverage(session: Session, assessment_id: int) -> AssessmentCoverage:
    """Every town's coverage of every scored item (for the administrator)."""
    rubric = queries.assessment_rubric(session, assessment_id)
    items = scored_items(rubric)
    towns = queries.assessment_towns(session, assessment_id)
    flags = {}
    for town_id in towns:
        evidence = TownEvidence.load(session, assessment_id, town_id, rubric)
        flags[town_id] = {item.id: evidence.coverage(item) for item in items}
    return AssessmentCoverage(items, towns, flags)
