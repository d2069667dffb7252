"""Conflicts of interest (回避) as reviewers declare and withdraw them, or administrators record
and remove them; the rule that keeps a conflicted reviewer off a town is ``store.conflicts``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.errors import InvalidInput, NotFound, NotPermitted
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.models import Conflict, Town, User
from scoring.store.operations.assignments import _reviewer, _setup
from scoring.store.operations.base import fits, get, operation


@operation
def declare_conflict(session: Session, actor: Actor, assessment_id: int, reviewer_id: int, town_id: int,
                     reason: str) -> Conflict:
    """A reviewer declares (or an administrator records) that they belong to a town (回避).

    From then on they do not score the town in this assessment: its items leave their
    sheet, saves are refused and marks they gave it stop counting. Only while the setup may
    change, so a closed result never moves.
    """
    assessment, towns = _setup(session, assessment_id)
    declarer = session.get(User, actor.id) if actor.id is not None else None
    if declarer is None or not (declarer.id == reviewer_id or declarer.role == "admin"):
        raise NotPermitted("a reviewer declares their own conflicts; an administrator records any")
    reviewer = _reviewer(session, reviewer_id)
    if town_id not in towns:
        raise InvalidInput("town_id", N_("所选单位不属于本考核"))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("请说明回避理由"))
    fits(reason=(N_("回避理由"), reason, 500))
    if session.execute(select(Conflict.id).where(Conflict.assessment_id == assessment_id,
                                                 Conflict.reviewer_id == reviewer_id,
                                                 Conflict.town_id == town_id)).first():
        raise InvalidInput("town_id", N_("已申报过该单位的回避"))
    row = Conflict(assessment_id=assessment_id, reviewer_id=reviewer_id, town_id=town_id, reason=reason,
                   declared_by=declarer.id)
    session.add(row)
    session.flush()
    record(session, actor, "conflict.declare", "conflict", str(row.id), assessment_id=assessment_id, town_id=town_id,
           after={"reviewer_id": reviewer_id, "reviewer": reviewer.display_name,
                  "town": get(session, Town, town_id).name, "by_admin": declarer.id != reviewer_id}, reason=reason)
    return row


@operation
def withdraw_conflict(session: Session, actor: Actor, assessment_id: int, conflict_id: int, reason: str) -> None:
    """The reviewer who declared a conflict (or an administrator) withdraws it, with a reason.

    The row goes and the audit event keeps what it was, so the reviewer's marks for the town
    count again wherever the counting rule (``store.assigned``) otherwise lets them. Only in
    the phases that allow declaring one; a reviewer withdraws only their own declaration, not
    one an administrator recorded for them.
    """
    _setup(session, assessment_id)  # the phase first: a closed one refuses whatever the conflict
    row = get(session, Conflict, conflict_id)
    if row.assessment_id != assessment_id:
        raise NotFound(f"Conflict {conflict_id}")
    withdrawer = session.get(User, actor.id) if actor.id is not None else None
    if withdrawer is None or not (withdrawer.role == "admin" or (
            withdrawer.id == row.reviewer_id and row.declared_by == row.reviewer_id)):
        raise InvalidInput("conflict_id", N_("只能撤回本人申报的回避；管理员登记的回避请联系管理员"))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("请说明撤回回避的理由"))
    fits(reason=(N_("撤回理由"), reason, 500))
    reviewer_id, town_id = row.reviewer_id, row.town_id
    reviewer, town = get(session, User, reviewer_id).display_name, get(session, Town, town_id).name
    before = {"reviewer_id": reviewer_id, "reviewer": reviewer, "town": town, "reason": row.reason,
              "declared_by": row.declared_by, "declared_at": row.declared_at.isoformat()}
    session.delete(row)
    session.flush()
    record(session, actor, "conflict.withdraw", "conflict", str(conflict_id), assessment_id=assessment_id,
           town_id=town_id, before=before, reason=reason,
           after={"reviewer_id": reviewer_id, "reviewer": reviewer, "town": town,
                  "by_admin": withdrawer.id != reviewer_id})


__all__ = ["declare_conflict", "withdraw_conflict"]
