"""Which passages of a town's evidence bear on each rubric item, and whether any does.

The matcher (``scoring.evidence.match``) ranks passages for an item's own words; here its
ranking becomes what reviewers and towns see: suggested passages with their file, place and
section, and a coverage flag per item. The flag compares an item's best passage with what a
passage quoting the item itself would score, so it does not depend on how long or how many
the town's passages are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.evidence.match import query_units, rank_passages
from scoring.evidence.passages import heading_level
from scoring.messages import N_, Message
from scoring.store import queries
from scoring.store.views import EvidenceView, PassageView

# Best score relative to a passage quoting the item: at or above SUPPORTED the evidence is
# there; below WEAK nothing in the files speaks of the item (材料缺失).
SUPPORTED = 0.35
WEAK = 0.12
FLAGS: dict[str, Message] = {"supported": N_("有佐证"), "weak": N_("佐证不足"), "missing": N_("材料缺失")}


@dataclass(frozen=True)
class _Text:
    text: str


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


def sections(passages: list[PassageView]) -> dict[int, str]:
    """Passage id -> the nearest heading above it in its file ("" when none)."""
    out: dict[int, str] = {}
    current: dict[int, str] = {}
    for passage in passages:
        if heading_level(passage.text):
            current[passage.evidence_id] = passage.text
            out[passage.id] = ""
        else:
            out[passage.id] = current.get(passage.evidence_id, "")
    return out


class TownEvidence:
    """A town's evidence for one assessment, loaded once and matched against many items."""

    def __init__(self, files: list[EvidenceView], passages: list[PassageView]):
        self.files = {f.id: f for f in files}
        self.passages = [p for p in passages if not heading_level(p.text)]  # a heading is context
        self.sections = sections(passages)

    @classmethod
    def load(cls, session: Session, assessment_id: int, town_id: int) -> TownEvidence:
        files = queries.evidence_files(session, assessment_id, town_id)
        return cls(files, queries.passages(session, [f.id for f in files]))

    def _suggest(self, terms: list[str], top: int) -> list[Suggestion]:
        units = query_units(terms)
        out = []
        for passage, score in rank_passages(terms, self.passages, top=top):  # type: ignore[arg-type]
            text = passage.text.casefold()
            found = tuple(u for u in units if u in text)
            out.append(Suggestion(self.files[passage.evidence_id], passage, self.sections.get(passage.id, ""),
                                  score, found))
        return out

    def suggest(self, item, top: int = 3) -> list[Suggestion]:
        """The ``top`` passages for an item, best first."""
        return self._suggest(item_terms(item), top)

    def search(self, query: str, top: int = 20) -> list[Suggestion]:
        """Passages for a reviewer's own words, segmented as the matcher segments an item."""
        return self._suggest([query], top) if query.strip() else []

    def coverage(self, item, best: list[Suggestion] | None = None) -> Coverage:
        """Supported, weak or missing: the best passage against one quoting the item itself."""
        terms = item_terms(item)
        best = self.suggest(item, top=1) if best is None else best
        if not best:
            return Coverage("missing", FLAGS["missing"], None)
        reference = rank_passages(terms, [*self.passages, _Text(" ".join(terms))], top=1)  # type: ignore[list-item]
        ratio = best[0].score / reference[0][1] if reference and reference[0][1] > 0 else 0.0
        flag = "supported" if ratio >= SUPPORTED else "weak" if ratio >= WEAK else "missing"
        return Coverage(flag, FLAGS[flag], best[0] if flag != "missing" else None)


def scored_items(rubric) -> list:
    """The items coverage is about: every scored item (bonus and veto items are claims, not duties)."""
    return [item for _, item in rubric.all_items()]


def town_coverage(session: Session, assessment_id: int, town_id: int) -> list[tuple[object, Coverage]]:
    """(item, coverage) for every scored item of the assessment's rubric, for one town."""
    rubric = queries.assessment_rubric(session, assessment_id)
    evidence = TownEvidence.load(session, assessment_id, town_id)
    return [(item, evidence.coverage(item)) for item in scored_items(rubric)]


def coverage_counts(rows: list[tuple[object, Coverage]]) -> dict[str, int]:
    """How many items are supported, weak and missing."""
    counts = dict.fromkeys(FLAGS, 0)
    for _, coverage in rows:
        counts[coverage.flag] += 1
    return counts


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
        evidence = TownEvidence.load(session, assessment_id, town_id)
        flags[town_id] = {item.id: evidence.coverage(item) for item in items}
    return AssessmentCoverage(items, towns, flags)
