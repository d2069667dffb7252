"""Reads of an assessment's history: appeals, publication snapshots, audit pages, withdrawals.

Re-exported by ``scoring.store.queries`` (callers use ``queries.<name>``); kept apart so
neither module grows past a screenful of functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.store.models import (
    Appeal,
    Assessment,
    AuditEvent,
    MarkRow,
    RankingSnapshot,
    SnapshotRow,
)
from scoring.store.views import (
    AppealView,
    AuditEventView,
    RankingSnapshotView,
    SnapshotRowView,
    View,
    view_of,
)


@dataclass(frozen=True)
class MarkRef:
    """A town's complete mark as an appeal names it: which item, whose."""

    id: int
    item_id: str
    reviewer_id: int


def town_mark_refs(session: Session, assessment_id: int, town_id: int) -> list[MarkRef]:
    """The town's complete marks (those a town may appeal), by item."""
    rows = session.execute(select(MarkRow.id, MarkRow.item_id, MarkRow.reviewer_id).where(
        MarkRow.assessment_id == assessment_id, MarkRow.town_id == town_id, MarkRow.complete.is_(True))
        .order_by(MarkRow.item_id, MarkRow.reviewer_id)).all()
    return [MarkRef(*row) for row in rows]


def appeals(session: Session, assessment_id: int, town_id: int | None = None) -> list[AppealView]:
    """The assessment's (or one town's) appeals, oldest first."""
    query = select(Appeal).where(Appeal.assessment_id == assessment_id)
    if town_id is not None:
        query = query.where(Appeal.town_id == town_id)
    return _views(AppealView, session.execute(query.order_by(Appeal.id)))


def arbiter_of(appeal, assessment) -> int | None:
    """Who decides an appeal besides the administrators: the arbiter it was routed to, else the
    assessment's arbiter unless that is the mark's own reviewer (then only administrators).

    Takes rows or their views (the same attribute names): the one rule of appeal routing.
    """
    if appeal.arbiter_id is not None:
        return appeal.arbiter_id
    if assessment.arbiter_id is not None and assessment.arbiter_id != appeal.reviewer_id:
        return assessment.arbiter_id
    return None


def routed_appeals(session: Session, user_id: int) -> list[tuple[AppealView, int]]:
    """(appeal, assessment id) of every appeal this user decides as its arbiter, oldest first."""
    rows = session.execute(select(Appeal, Assessment).join(Assessment, Assessment.id == Appeal.assessment_id).where(
        (Appeal.arbiter_id == user_id) | (Appeal.arbiter_id.is_(None) & (Assessment.arbiter_id == user_id)))
        .order_by(Appeal.id)).all()
    return [(view_of(AppealView, a), a.assessment_id) for a, assessment in rows if arbiter_of(a, assessment) == user_id]


def appeal(session: Session, appeal_id: int) -> AppealView:
    row = session.get(Appeal, appeal_id)
    if row is None:
        raise NotFound(f"appeal {appeal_id}")
    return view_of(AppealView, row)


def snapshots(session: Session, assessment_id: int) -> list[RankingSnapshotView]:
    """The assessment's ranking snapshots (公示 v1, v2 …), oldest first."""
    return _views(RankingSnapshotView, session.execute(select(RankingSnapshot).where(
        RankingSnapshot.assessment_id == assessment_id).order_by(RankingSnapshot.version)))


def snapshot_rows(session: Session, snapshot_id: int) -> list[SnapshotRowView]:
    return _views(SnapshotRowView, session.execute(select(SnapshotRow).where(
        SnapshotRow.snapshot_id == snapshot_id).order_by(SnapshotRow.id)))


def audit_page(session: Session, *, town_id: int | None = None, item_id: str | None = None,
               actor_id: int | None = None, action: str | None = None, since: datetime | None = None,
               until: datetime | None = None, request_id: str | None = None, offset: int = 0,
               limit: int = 100) -> tuple[list[AuditEventView], int]:
    """One page of the audit log, newest first, and how many events match in all.

    The item and action filters ignore case ("a2" finds A2); ``request_id`` gives the
    changes one request made (a security event links here by it).
    """
    query = select(AuditEvent)
    if town_id is not None:
        query = query.where(AuditEvent.town_id == town_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if item_id:
        query = query.where(func.upper(AuditEvent.item_id) == item_id.strip().upper())
    if action:
        query = query.where(func.lower(AuditEvent.action).startswith(action.strip().lower()))
    if request_id:
        query = query.where(AuditEvent.request_id == request_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at <= until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
    return _views(AuditEventView, rows), total


def withdrawn_results(session: Session, assessment_ids: list[int]) -> dict[int, str]:
    """Assessment id -> the reason its released results were withdrawn, for those not released again."""
    if not assessment_ids:
        return {}
    events = session.execute(select(AuditEvent).where(
        AuditEvent.action == "assessment.phase", AuditEvent.assessment_id.in_(assessment_ids))
        .order_by(AuditEvent.id)).scalars()
    out: dict[int, str] = {}
    for event in events:
        if (event.before or {}).get("phase") == "released":
            out[event.assessment_id] = event.reason
        elif (event.after or {}).get("phase") == "released":
            out.pop(event.assessment_id, None)
    return out



def _views(cls: type[View], result) -> list[View]:
    return [view_of(cls, row) for row in result.scalars()]
