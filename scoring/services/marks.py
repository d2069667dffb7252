"""Reviewers: saving a mark, their progress, and the scoring sheet of one town."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from scoring.errors import InvalidMark, NotFound, NotPermitted
from scoring.marks import Mark, mark_table, validate_mark
from scoring.method_points import mark_points
from scoring.outcome import compute_outcome
from scoring.points import format_points
from scoring.rubric import Rubric
from scoring.services.outcomes import assessment_outcome  # noqa: F401
from scoring.store import operations, queries
from scoring.store.audit import Actor


@dataclass(frozen=True)
class SavedMark:
    version: int
    complete: bool
    problem: str  # why a draft is not yet a complete mark ("" when complete)
    item_points: str  # this reviewer's points for the item, "" for a draft
    town_total: str  # the town's running total over every complete mark


def record_mark(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str,
                reviewer_id: int, inputs: dict, expected_version: int, running_total: bool = True) -> SavedMark:
    """Save a reviewer's mark (or draft) after checking the assignment; return the new state.

    Inputs that do not yet form a valid mark are kept as a draft (nothing typed is lost)
    and do not count; a stale edit raises StaleEdit with the current value.
    """
    if item_id not in queries.assigned_items(session, assessment_id, reviewer_id, town_id):
        raise NotPermitted("item not assigned to this reviewer for this town")
    towns = queries.assessment_towns(session, assessment_id)
    if town_id not in towns:
        raise NotFound("town not in this assessment")
    rubric = queries.assessment_rubric(session, assessment_id)
    inputs = _resolve_citations(session, assessment_id, town_id, item_id, inputs)
    mark, problem = _parse_mark(rubric, towns[town_id], item_id, actor.name, inputs)
    row = operations.save_mark(session, actor, assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                               reviewer_id=reviewer_id, inputs=inputs, complete=mark is not None,
                               expected_version=expected_version)
    item_points = ""
    if mark is not None and rubric.kind_of(item_id) == "item":
        points = mark_points(rubric, mark_table([mark]))["points"].iloc[0]
        item_points = format_points(int(points)) if points == points else "不适用"
    total = town_running_total(session, assessment_id, town_id) if running_total else ""
    return SavedMark(row.version, row.complete, problem, item_points, total)


def town_running_total(session: Session, assessment_id: int, town_id: int) -> str:
    """The town's total over its complete marks so far (a town's total needs only its own marks)."""
    rubric = queries.assessment_rubric(session, assessment_id)
    town = queries.assessment_towns(session, assessment_id)[town_id]
    outcome = compute_outcome(rubric, mark_table(queries.complete_marks(session, assessment_id, town_id)), [town])
    return format_points(outcome.town(town)["total"])


def _resolve_citations(session: Session, assessment_id: int, town_id: int, item_id: str, inputs: dict) -> dict:
    """Fill each cited passage's quote from the town's own evidence; refuse any other passage."""
    deductions = inputs.get("deductions") or []
    if not any(isinstance(d, dict) and d.get("citation") for d in deductions):
        return inputs
    files = {str(f.id) for f in queries.evidence_files(session, assessment_id, town_id)}
    texts = {(str(p.evidence_id), p.passage_key): p.text
             for p in queries.passages(session, [int(f) for f in files])}
    resolved = []
    for deduction in deductions:
        citation = deduction.get("citation") if isinstance(deduction, dict) else None
        if citation:
            key = (str(citation.get("evidence_id")), str(citation.get("passage_id")))
            if key not in texts:
                raise InvalidMark(item_id, "citation", "the cited passage is not in this town's evidence")
            deduction = {**deduction, "citation": {"evidence_id": key[0], "passage_id": key[1],
                                                   "quote": texts[key][:200]}}
        resolved.append(deduction)
    return {**inputs, "deductions": resolved}


def _parse_mark(rubric: Rubric, town: str, item_id: str, reviewer: str, inputs: dict) -> tuple[Mark | None, str]:
    try:
        mark = Mark.model_validate({**inputs, "town": town, "item": item_id, "reviewer": reviewer})
        validate_mark(rubric, mark)
    except ValidationError as exc:
        first = exc.errors()[0]
        return None, f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    except InvalidMark as exc:
        return None, exc.message
    return mark, ""


@dataclass(frozen=True)
class Progress:
    assessment_id: int
    assessment: str
    phase: str
    town_id: int
    town: str
    assigned: int
    scored: int


def reviewer_progress(session: Session, reviewer_id: int) -> list[Progress]:
    """Per assessment and town: items assigned to the reviewer and items with a complete mark."""
    out = []
    for assessment in queries.reviewer_assessments(session, reviewer_id):
        for town_id, town in queries.assessment_towns(session, assessment.id).items():
            items = queries.assigned_items(session, assessment.id, reviewer_id, town_id)
            marks = queries.reviewer_marks(session, assessment.id, town_id, reviewer_id)
            scored = sum(1 for i in items if i in marks and marks[i].complete)
            out.append(Progress(assessment.id, assessment.name, assessment.phase, town_id, town, len(items), scored))
    return out


@dataclass(frozen=True)
class ScoringSheet:
    """What a reviewer's scoring page shows for one town."""

    assessment_id: int
    assessment: str
    phase: str
    town_id: int
    town: str
    rubric: Rubric
    items: list  # (category, item, kind) the reviewer scores, in rubric order
    marks: dict  # item id -> queries.MarkState
    item_points: dict  # item id -> this reviewer's points ("" for drafts)
    town_total: str
    evidence: list  # (EvidenceView, [PassageView]) in upload order


def scoring_sheet(session: Session, assessment_id: int, town_id: int, reviewer_id: int) -> ScoringSheet:
    """Return the reviewer's items for a town with their marks, points and the town's evidence."""
    assessment = queries.assessment(session, assessment_id)
    towns = queries.assessment_towns(session, assessment_id)
    assigned = queries.assigned_items(session, assessment_id, reviewer_id, town_id)
    if town_id not in towns or not assigned:
        raise NotFound("no assignment for this town")
    rubric = queries.assessment_rubric(session, assessment_id)
    items = [(category, item, "item") for category, item in rubric.all_items() if item.id in assigned]
    items += [(None, b, "bonus") for b in (rubric.bonus.items if rubric.bonus else []) if b.id in assigned]
    items += [(None, v, "veto") for v in rubric.vetoes if v.id in assigned]
    marks = queries.reviewer_marks(session, assessment_id, town_id, reviewer_id)
    reviewer = queries.user(session, reviewer_id)
    complete = [Mark.model_validate({**m.inputs, "town": towns[town_id], "item": i, "reviewer": reviewer.username})
                for i, m in marks.items() if m.complete and rubric.kind_of(i) == "item"]
    points = {}
    if complete:
        frame = mark_points(rubric, mark_table(complete))
        points = {row.item: (format_points(int(row.points)) if row.points == row.points else "不适用")
                  for row in frame.itertuples()}
    files = queries.evidence_files(session, assessment_id, town_id)
    by_file: dict[int, list] = {f.id: [] for f in files}
    for passage in queries.passages(session, list(by_file)):
        by_file[passage.evidence_id].append(passage)
    return ScoringSheet(assessment_id, assessment.name, assessment.phase, town_id, towns[town_id], rubric, items,
                        marks, points, town_running_total(session, assessment_id, town_id),
                        [(f, by_file[f.id]) for f in files])
