"""Resolving a disagreement (裁定): an administrator settles an item's marks for one town, with a reason.

The resolution is one reviewer's counting mark, chosen, or a mark the administrator sets;
either way it passes ``marks.read_mark`` (the one validation of marks) as a complete
mark, or nothing is stored. Whether the item is in disagreement is the core's rule
(``results.item_scores``); the service checks it before calling this.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, NotPermitted
from scoring.marks import read_mark
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.models import Assessment, AssessmentTown, MarkRow, Resolution, User, utcnow
from scoring.store.operations.base import fits, get, operation
from scoring.store.queries import counting_clause, rubric_of_version

MAX_REASON = 2000


@operation
def resolve_disagreement(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str,
                         reason: str, reviewer_id: int | None = None, inputs: dict | None = None) -> Resolution:
    """Store the resolution of one town's item: ``reviewer_id``'s mark, or ``inputs``; audited.

    Refused to anyone but an active administrator (there is no arbiter role), outside the
    phases that allow it, without a reason, and (InvalidMark, nothing stored) when the
    mark is not a valid complete one. A second resolution replaces the first, audited.
    """
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "resolve")
    resolver = session.get(User, actor.id) if actor.id is not None else None
    if resolver is None or resolver.role != "admin" or not resolver.active:
        raise NotPermitted("only an administrator resolves a disagreement")
    if session.get(AssessmentTown, (assessment_id, town_id)) is None:
        raise InvalidInput("town_id", N_("该单位不在本次考核中"))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("请填写裁定理由"))
    fits(reason=(N_("裁定理由"), reason, MAX_REASON))
    if (reviewer_id is None) == (inputs is None):
        raise InvalidInput("choice", N_("请选择采用一位评分人的评分，或填写裁定的评分"))
    if reviewer_id is not None:
        inputs = session.execute(select(MarkRow.inputs).where(
            MarkRow.assessment_id == assessment_id, MarkRow.town_id == town_id, MarkRow.item_id == item_id,
            MarkRow.reviewer_id == reviewer_id, MarkRow.complete.is_(True), counting_clause())).scalar()
        if inputs is None:
            raise InvalidInput("choice", N_("该评分人没有本项的有效评分"))
    rubric = rubric_of_version(session, assessment.rubric_version_id)
    if rubric.kind_of(item_id) != "item":
        raise InvalidInput("item_id", N_("只有考核项目的评分可以裁定"))
    try:
        read_mark(rubric, town=str(town_id), item=item_id, reviewer=str(actor.id), inputs=dict(inputs or {}))
    except InvalidMark as exc:
        exc.refused = True  # a resolution is a complete mark or nothing: no drafts here
        raise
    row = session.execute(select(Resolution).where(
        Resolution.assessment_id == assessment_id, Resolution.town_id == town_id,
        Resolution.item_id == item_id)).scalar()
    before = None if row is None else {"inputs": row.inputs, "chosen_reviewer_id": row.chosen_reviewer_id,
                                       "reason": row.reason}
    if row is None:
        row = Resolution(assessment_id=assessment_id, town_id=town_id, item_id=item_id)
        session.add(row)
    row.rubric_version_id = assessment.rubric_version_id
    row.inputs, row.chosen_reviewer_id, row.reason = dict(inputs or {}), reviewer_id, reason
    row.resolved_by, row.resolved_at = resolver.id, utcnow()
    session.flush()
    record(session, actor, "disagreement.resolve", "resolution", f"{assessment_id}/{town_id}/{item_id}",
           assessment_id=assessment_id, town_id=town_id, item_id=item_id, before=before,
           after={"inputs": row.inputs, "chosen_reviewer_id": reviewer_id}, reason=reason)
    return row
