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
    query = select(SecurityEvent).order_by(SecurityEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    if ip:
        query = query.where(SecurityEvent.ip == ip)
    return [SecurityEventView(id=e.id, at=e.at, kind=e.kind, status=e.status, ip=e.ip, username=e.username,
                              method=e.method, route=e.route, path=e.path, request_id=e.request_id,
                              detail=e.detail) for e in session.execute(query).scalars()]


def _bounded(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    if detail is None:
        return None
    text = json.dumps(detail, ensure_ascii=False, default=str)
    if len(text) <= MAX_DETAIL:
        return json.loads(text)
    return {"truncated": text[:MAX_DETAIL]}
