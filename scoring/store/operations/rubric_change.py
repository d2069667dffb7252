"""Applying a new rubric version to a running assessment (see ``scoring.rubric_change``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput
from scoring.marks import Mark
from scoring.messages import N_
from scoring.rubric_change import carried_mark
from scoring.store.audit import Actor, record
from scoring.store.models import Assessment, MarkRow, RubricVersion, Town, User
from scoring.store.operations.base import fits, get, operation
from scoring.store.queries import counting_clause, rubric_of_version


@dataclass(frozen=True)
class MarkToRescore:
    """A counting mark that does not carry over: kept with its rubric version, not counting."""

    town: str
    item: str
    reviewer: str
    rubric_version: int


@dataclass(frozen=True)
class MarkSplit:
    """The counting marks of an assessment under a new rubric version: carried or to re-score."""

    carried: list[Mark]
    carried_ids: list[int]
    rescore: list[MarkToRescore]


def split_marks(session: Session, assessment_id: int, rubric_version_id: int) -> MarkSplit:
    """Which of the assessment's counting marks carry over to ``rubric_version_id`` (read only)."""
    assessment = get(session, Assessment, assessment_id)
    target = get(session, RubricVersion, rubric_version_id)
    current = get(session, RubricVersion, assessment.rubric_version_id)
    if target.rubric_key != current.rubric_key:
        raise InvalidInput("rubric_version_id", N_("只能更换为同一套细则的其他版本"))
    old, new = rubric_of_version(session, current.id), rubric_of_version(session, target.id)
    rows = session.execute(
        select(MarkRow.id, Town.name, MarkRow.item_id, User.username, MarkRow.inputs)
        .join(Town, Town.id == MarkRow.town_id).join(User, User.id == MarkRow.reviewer_id)
        .where(MarkRow.assessment_id == assessment_id, MarkRow.complete.is_(True), counting_clause())
        .order_by(Town.name, MarkRow.item_id, User.username)).all()
    carried, carried_ids, rescore = [], [], []
    for mark_id, town, item, reviewer, inputs in rows:
        mark = carried_mark(old, new, town=town, item=item, reviewer=reviewer, inputs=inputs)
        if mark is None:
            rescore.append(MarkToRescore(town, item, reviewer, current.version))
        else:
            carried.append(mark)
            carried_ids.append(mark_id)
    return MarkSplit(carried, carried_ids, rescore)


def marks_to_rescore(session: Session, assessment_id: int,
                     town_ids: Collection[int] | None = None) -> list[MarkToRescore]:
    """Complete marks (of every town, or of these) given under another rubric version than the
    assessment's (read only)."""
    current = get(session, Assessment, assessment_id).rubric_version_id
    query = (select(Town.name, MarkRow.item_id, User.username, RubricVersion.version)
             .join(Town, Town.id == MarkRow.town_id).join(User, User.id == MarkRow.reviewer_id)
             .join(RubricVersion, RubricVersion.id == MarkRow.rubric_version_id)
             .where(MarkRow.assessment_id == assessment_id, MarkRow.complete.is_(True),
                    MarkRow.rubric_version_id != current))
    if town_ids is not None:
        query = query.where(MarkRow.town_id.in_(list(town_ids)))
    rows = session.execute(query.order_by(Town.name, MarkRow.item_id, User.username)).all()
    return [MarkToRescore(*row) for row in rows]


@operation
def apply_rubric_version(session: Session, actor: Actor, assessment_id: int, rubric_version_id: int,
                         reason: str) -> MarkSplit:
    """Move the assessment to another version of its rubric, in one audited transaction.

    Marks whose item persists unchanged move to the new version and keep counting; the
    others keep the version they were given under and stop counting until re-scored.
    """
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "change_rubric")
    fits(reason=(N_("说明"), reason, 400))
    if not reason.strip():
        raise InvalidInput("reason", N_("请填写更换细则版本的理由"))
    if rubric_version_id == assessment.rubric_version_id:
        raise InvalidInput("rubric_version_id", N_("该考核已在使用这一版本"))
    before = assessment.rubric_version_id
    split = split_marks(session, assessment_id, rubric_version_id)
    if split.carried_ids:
        session.execute(update(MarkRow).where(MarkRow.id.in_(split.carried_ids))
                        .values(rubric_version_id=rubric_version_id))
    assessment.rubric_version_id = rubric_version_id
    assessment.version += 1
    session.flush()
    record(session, actor, "assessment.rubric_apply", "assessment", str(assessment_id),
           assessment_id=assessment_id, before={"rubric_version_id": before},
           after={"rubric_version_id": rubric_version_id, "carried": len(split.carried_ids),
                  "rescore": [f"{m.town}/{m.item}/{m.reviewer}" for m in split.rescore]},
           reason=reason)
    return split
