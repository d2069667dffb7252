"""Conflicts of interest (回避): the one rule of who may never score a town.

A reviewer conflicts with a town in an assessment when their account belongs to the town
(``users.town_id``, every assessment) or a conflict is declared (by the reviewer) or
recorded (by an administrator) for that assessment. Every path that stores a mark, counts
one or decides an appeal asks here, so the page, the autosave, an import and an appeal
decision all refuse the same reviewer for the same town.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session, aliased

from scoring.errors import ConflictOfInterest
from scoring.messages import N_
from scoring.store.models import Conflict, Town, User
from scoring.store.views import ConflictView, view_of


def conflict_clause(assessment_id, reviewer_id, town_id) -> ColumnElement[bool]:
    """SQL: the reviewer conflicts with the town in the assessment (each a column or a value)."""
    declared = exists().where(Conflict.assessment_id == assessment_id, Conflict.reviewer_id == reviewer_id,
                              Conflict.town_id == town_id)
    account = aliased(User)  # the outer query may join users itself (mark_frames does)
    by_account = exists().where(account.id == reviewer_id, account.town_id == town_id)
    return or_(declared, by_account)


def has_conflict(session: Session, assessment_id: int, reviewer_id: int, town_id: int) -> bool:
    return bool(session.execute(select(conflict_clause(assessment_id, reviewer_id, town_id))).scalar())


def conflicted_towns(session: Session, assessment_id: int, reviewer_id: int) -> set[int]:
    """Town ids this reviewer never scores in the assessment."""
    declared = set(session.execute(select(Conflict.town_id).where(
        Conflict.assessment_id == assessment_id, Conflict.reviewer_id == reviewer_id)).scalars())
    own = session.execute(select(User.town_id).where(User.id == reviewer_id)).scalar()
    return declared | ({own} if own is not None else set())


def require_no_conflict(session: Session, assessment_id: int, reviewer_id: int, town_id: int) -> None:
    """Raise ConflictOfInterest when the reviewer belongs to the town."""
    if has_conflict(session, assessment_id, reviewer_id, town_id):
        refuse(session, town_id)


def refuse(session: Session, town_id: int) -> None:
    """Raise ConflictOfInterest for a town the reviewer conflicts with (found by ``conflict_clause``)."""
    town = session.execute(select(Town.name).where(Town.id == town_id)).scalar() or ""
    raise ConflictOfInterest(N_("与 %(town)s 存在利益冲突（须回避），不能为其评分或复核", town=town))


def conflicts(session: Session, assessment_id: int, reviewer_id: int | None = None) -> list[ConflictView]:
    """The assessment's declared or recorded conflicts (one reviewer's, when given), newest first."""
    query = select(Conflict).where(Conflict.assessment_id == assessment_id)
    if reviewer_id is not None:
        query = query.where(Conflict.reviewer_id == reviewer_id)
    return [view_of(ConflictView, row) for row in
            session.execute(query.order_by(Conflict.declared_at.desc(), Conflict.id.desc())).scalars()]
