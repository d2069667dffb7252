"""Security events: refused attempts recorded apart from the audit chain, bounded in rate and size.

A refusal is evidence of probing (a town leader guessing another town's ids, a stale
save that someone's change overtook), so it is kept with IP, user, route and request id,
but never in the hash chain that reviewers' changes live in. Per IP at most
``PER_IP_PER_MINUTE`` are kept a minute and the table holds at most ``MAX_ROWS`` (the
oldest go first): a flood costs a count query, never the disk.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scoring.store.db import begin_write
from scoring.store.models import SecurityEvent, utcnow

KINDS = ("forbidden", "not_found", "stale_edit")  # 403, 404 on an object out of reach, 409
PER_IP_PER_MINUTE = 30
MAX_ROWS = 100_000
MAX_DETAIL = 8_000  # characters of JSON kept of a refused value
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    kind: str
    status: int
    ip: str
    user_id: int | None
    username: str
    method: str
    route: str
    path: str
    request_id: str
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class SecurityEventView:
    id: int
    at: datetime
    kind: str
    status: int
    ip: str
    username: str
    method: str
    route: str
    path: str
    request_id: str
    detail: dict[str, Any] | None

    @property
    def detail_text(self) -> str:
        """The kept detail (a stale save's refused value) as readable JSON, or "" when none."""
        return json.dumps(self.detail, ensure_ascii=False, indent=1, default=str) if self.detail else ""


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first, and the ids to page on from (None: no such page)."""

    events: list[SecurityEventView]
    older_than: int | None  # the next (older) page: events with an id below this
    newer_than: int | None  # the previous (newer) page: events with an id above this


def record_attempt(session: Session, attempt: Attempt) -> bool:
    """Store ``attempt`` in its own transaction; False when the IP's budget is spent."""
    begin_write(session)
    try:
        since = utcnow() - timedelta(minutes=1)
        recent = session.execute(select(func.count()).select_from(SecurityEvent).where(
            SecurityEvent.ip == attempt.ip[:64], SecurityEvent.at >= since)).scalar_one()
        if recent >= PER_IP_PER_MINUTE:
            session.rollback()
            return False
        session.add(SecurityEvent(
            kind=attempt.kind, status=attempt.status, ip=attempt.ip[:64], user_id=attempt.user_id,
            username=attempt.username[:64], method=attempt.method[:8], route=attempt.route[:100],
            path=attempt.path[:300], request_id=attempt.request_id[:64], detail=_bounded(attempt.detail)))
        session.flush()
        newest = session.execute(select(func.max(SecurityEvent.id))).scalar_one()
        if newest % 1000 == 0:  # now and then, drop what is past the size bound
            session.execute(delete(SecurityEvent).where(SecurityEvent.id <= newest - MAX_ROWS))
        session.commit()
        return True
    except BaseException:
        session.rollback()
        raise


def recent_events(session: Session, *, limit: int = 100, kind: str | None = None,
                  ip: str | None = None) -> list[SecurityEventView]:
    return events_page(session, kind=kind, ip=ip, limit=limit).events


def events_page(session: Session, *, kind: str | None = None, username: str | None = None,
                ip: str | None = None, since: datetime | None = None, until: datetime | None = None,
                before_id: int | None = None, after_id: int | None = None, limit: int = 50) -> EventPage:
    """One page of the events matching the filters, newest first, paged by id (keyset).

    A page reads at most ``limit + 1`` rows along the primary key (or the ``at``/``ip``
    index): the table may hold ``MAX_ROWS``, and no page counts or skips through them.
    ``before_id`` gives the page of older events, ``after_id`` the page of newer ones.
    """
    query = select(SecurityEvent)
    for column, value in ((SecurityEvent.kind, kind), (SecurityEvent.username, username), (SecurityEvent.ip, ip)):
        if value:
            query = query.where(column == value)
    if since is not None:
        query = query.where(SecurityEvent.at >= since)
    if until is not None:
        query = query.where(SecurityEvent.at <= until)
    if after_id is not None:  # the newer page: read upwards from the boundary, then show newest first
        rows = list(session.execute(query.where(SecurityEvent.id > after_id)
                                    .order_by(SecurityEvent.id.asc()).limit(limit + 1)).scalars())
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        more_older = bool(rows)  # the page this came from, at least, lies below
    else:
        if before_id is not None:
            query = query.where(SecurityEvent.id < before_id)
        rows = list(session.execute(query.order_by(SecurityEvent.id.desc()).limit(limit + 1)).scalars())
        more_older = len(rows) > limit
        rows = rows[:limit]
        more_newer = before_id is not None and bool(rows)
    events = [_view(e) for e in rows]
    return EventPage(events=events, older_than=events[-1].id if more_older and events else None,
                     newer_than=events[0].id if more_newer and events else None)


def _view(e: SecurityEvent) -> SecurityEventView:
    return SecurityEventView(id=e.id, at=e.at, kind=e.kind, status=e.status, ip=e.ip, username=e.username,
                             method=e.method, route=e.route, path=e.path, request_id=e.request_id, detail=e.detail)


def _bounded(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    if detail is None:
        return None
    text = json.dumps(detail, ensure_ascii=False, default=str)
    if len(text) <= MAX_DETAIL:
        return json.loads(text)
    return {"truncated": text[:MAX_DETAIL]}
