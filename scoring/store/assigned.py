"""Who scores what, read from the assignments: which items a reviewer scores for a town and
which stored marks count. Conflicts of interest (``scoring.store.conflicts``) override both."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session

from scoring.store.conflicts import conflict_clause, conflicted_towns
from scoring.store.models import Assessment, AssessmentTown, Assignment, MarkRow, RubricVersion
from scoring.store.views import AssessmentView, AssignmentView, view_of


def counting_clause():
    """The condition that a stored mark counts.

    Its reviewer is still assigned the item for its town (an assignment for every town, or
    for this one), or the administrator kept the mark when removing the assignment; and
    it was given under the assessment's current rubric version; and the reviewer does not
    conflict with the town (a conflict declared after scoring withdraws the marks already given).
    """
    assigned = select(Assignment.id).where(
        Assignment.assessment_id == MarkRow.assessment_id, Assignment.reviewer_id == MarkRow.reviewer_id,
        Assignment.item_id == MarkRow.item_id,
        or_(Assignment.town_id.is_(None), Assignment.town_id == MarkRow.town_id)).exists()
    # Given under the assessment's rubric version: marks left behind by a rubric change wait
    # for re-scoring (``scoring.rubric_change``).
    current = select(Assessment.id).where(Assessment.id == MarkRow.assessment_id,
                                          Assessment.rubric_version_id == MarkRow.rubric_version_id).exists()
    return and_(or_(assigned, MarkRow.kept.is_(True)), current,
                not_(conflict_clause(MarkRow.assessment_id, MarkRow.reviewer_id, MarkRow.town_id)))


def uncounted_marks(session: Session, assessment_id: int, reviewer_id: int,
                    town_id: int | None = None) -> dict[tuple[int, str], int]:
    """(town, item) -> the rubric version number of each of the reviewer's complete marks that
    the counting rule leaves out (one town's, when given): those to re-score on the sheet."""
    query = (select(MarkRow.town_id, MarkRow.item_id, RubricVersion.version)
             .join(RubricVersion, RubricVersion.id == MarkRow.rubric_version_id)
             .where(MarkRow.assessment_id == assessment_id, MarkRow.reviewer_id == reviewer_id,
                    MarkRow.complete.is_(True), not_(counting_clause())))
    if town_id is not None:
        query = query.where(MarkRow.town_id == town_id)
    return {(town, item): version for town, item, version in session.execute(query)}


def counted_keys(session: Session, assessment_id: int) -> set[tuple[int, int, str]]:
    """(reviewer, town, item) of the complete marks that count: the keys alone, a cheap read."""
    query = select(MarkRow.reviewer_id, MarkRow.town_id, MarkRow.item_id).where(
        MarkRow.assessment_id == assessment_id, MarkRow.complete.is_(True), counting_clause())
    return {(reviewer, town, item) for reviewer, town, item in session.execute(query)}


def _marked_cells():
    """Complete counting marks on a cell their reviewer is assigned, of a town of the assessment
    (a kept mark without an assignment counts, but fills no reviewer's cell)."""
    assigned = select(Assignment.id).where(
        Assignment.assessment_id == MarkRow.assessment_id, Assignment.reviewer_id == MarkRow.reviewer_id,
        Assignment.item_id == MarkRow.item_id,
        or_(Assignment.town_id.is_(None), Assignment.town_id == MarkRow.town_id)).exists()
    in_assessment = select(AssessmentTown.town_id).where(AssessmentTown.assessment_id == MarkRow.assessment_id,
                                                         AssessmentTown.town_id == MarkRow.town_id).exists()
    return and_(MarkRow.complete.is_(True), counting_clause(), assigned, in_assessment)


def marked_cells(session: Session, assessment_id: int,
                 town_ids: Collection[int] | None = None) -> dict[int, dict[int, int]]:
    """Town id -> reviewer id -> how many of the reviewer's assigned cells (items) of that town
    have a complete mark that counts (of every town, or of these): a grouped count, not every
    mark's key."""
    query = (select(MarkRow.town_id, MarkRow.reviewer_id, func.count())
             .where(MarkRow.assessment_id == assessment_id, _marked_cells())
             .group_by(MarkRow.town_id, MarkRow.reviewer_id))
    if town_ids is not None:
        query = query.where(MarkRow.town_id.in_(list(town_ids)))
    out: dict[int, dict[int, int]] = {}
    for town, reviewer, n in session.execute(query):
        out.setdefault(town, {})[reviewer] = int(n)
    return out


def marked_cells_of(session: Session, assessment_id: int, reviewer_id: int,
                    town_ids: Collection[int]) -> set[tuple[int, str]]:
    """(town, item) of one reviewer's marked cells (as ``marked_cells`` counts them) in these towns."""
    query = select(MarkRow.town_id, MarkRow.item_id).where(
        MarkRow.assessment_id == assessment_id, MarkRow.reviewer_id == reviewer_id,
        MarkRow.town_id.in_(list(town_ids)), _marked_cells())
    return {(town, item) for town, item in session.execute(query)}


def assigned_items(session: Session, assessment_id: int, reviewer_id: int, town_id: int | None = None) -> set[str]:
    """Item ids this reviewer scores (for one town, when given: none for a town they conflict with)."""
    if town_id is not None and town_id in conflicted_towns(session, assessment_id, reviewer_id):
        return set()
    query = select(Assignment.item_id).where(Assignment.assessment_id == assessment_id,
                                             Assignment.reviewer_id == reviewer_id)
    if town_id is not None:
        query = query.where(or_(Assignment.town_id.is_(None), Assignment.town_id == town_id))
    return set(session.execute(query).scalars())


def assignments(session: Session, assessment_id: int) -> list[AssignmentView]:
    return [view_of(AssignmentView, row) for row in session.execute(
        select(Assignment).where(Assignment.assessment_id == assessment_id)
        .order_by(Assignment.reviewer_id, Assignment.item_id)).scalars()]


def reviewer_assessments(session: Session, reviewer_id: int) -> list[AssessmentView]:
    ids = select(Assignment.assessment_id).where(Assignment.reviewer_id == reviewer_id)
    return [view_of(AssessmentView, row) for row in session.execute(
        select(Assessment).where(Assessment.id.in_(ids))
        .order_by(Assessment.year.desc(), Assessment.id.desc())).scalars()]


def previous_assessment(session: Session, assessment_id: int) -> AssessmentView | None:
    """The district's assessment of the latest earlier year (last year's, to copy from)."""
    this = session.get(Assessment, assessment_id)
    if this is None:
        return None
    row = session.execute(select(Assessment).where(
        Assessment.district_id == this.district_id, Assessment.year < this.year)
        .order_by(Assessment.year.desc(), Assessment.id.desc()).limit(1)).scalar_one_or_none()
    if row is None:  # two runs of one year: the one made before this
        row = session.execute(select(Assessment).where(
            Assessment.district_id == this.district_id, Assessment.year == this.year, Assessment.id < this.id)
            .order_by(Assessment.id.desc()).limit(1)).scalar_one_or_none()
    return view_of(AssessmentView, row) if row is not None else None
