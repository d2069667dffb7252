"""The audit trail: every write operation appends an event in its own transaction.

Events form a hash chain: each hash covers the event's content and the previous hash,
so deleting or editing a past event breaks ``verify_chain``. Someone who can write to the
database could recompute every later hash, so each event also carries an HMAC of its hash
under a key kept outside the database (``instance/audit.key``, handed to sessions as
``session.info["audit_key"]``): without the key no edit verifies. On PostgreSQL a trigger
(migration 0003) refuses UPDATE and DELETE on the table outright.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from scoring.store import checkpoints
from scoring.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
# The id of the request (or job) being served, stored in its events; set by the web.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (id and name) or the system (id None)."""

    id: int | None
    name: str


SYSTEM = Actor(None, "system")


def record(session: Session, actor: Actor, action: str, object_type: str, object_key: str, *,
           before: dict | None = None, after: dict | None = None, reason: str = "",
           assessment_id: int | None = None, town_id: int | None = None, item_id: str | None = None) -> AuditEvent:
    """Append an audit event to the session's transaction and return it."""
    event = AuditEvent(**_chained(session, session.execute, actor, action, object_type, object_key, before=before,
                                  after=after, reason=reason, assessment_id=assessment_id, town_id=town_id,
                                  item_id=item_id, last=_LAST_ORM))  # the ORM select: autoflush as before
    session.add(event)
    session.flush()
    checkpoints.mark_due(session, action)
    return event


def append(session: Session, actor: Actor, action: str, object_type: str, object_key: str, *,
           before: dict | None = None, after: dict | None = None, reason: str = "",
           assessment_id: int | None = None, town_id: int | None = None, item_id: str | None = None) -> None:
    """``record`` as one Core INSERT (no ORM object, no flush): the same event, for the hot
    paths whose other writes are Core statements too (a mark save)."""
    connection = session.connection()  # the write's own statements: nothing of the ORM's to flush
    connection.execute(_INSERT, _chained(session, connection.execute, actor, action, object_type, object_key,
                                         before=before, after=after, reason=reason, assessment_id=assessment_id,
                                         town_id=town_id, item_id=item_id, last=_LAST))
    checkpoints.mark_due(session, action)


_EVENTS = AuditEvent.__table__
_LAST = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_LAST_ORM = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
_INSERT = insert(_EVENTS)
_LOCK = text("SELECT pg_advisory_xact_lock(7301)")


def _chained(session: Session, execute, actor: Actor, action: str, object_type: str, object_key: str, *,
             before: dict | None, after: dict | None, reason: str, assessment_id: int | None,
             town_id: int | None, item_id: str | None, last) -> dict[str, Any]:
    """The column values of the next event of the chain, hash and HMAC included."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        execute(_LOCK)  # one chain: append one at a time
    last = execute(last).scalar()
    values = {"at": utcnow(), "actor_id": actor.id, "actor_name": actor.name, "action": action,
              "object_type": object_type, "object_key": object_key, "before": _plain(before),
              "after": _plain(after), "reason": reason, "assessment_id": assessment_id, "town_id": town_id,
              "item_id": item_id, "prev_hash": last or GENESIS, "request_id": request_id.get()}
    values["hash"] = _content_hash(values)
    key = session.info.get("audit_key")
    values["mac"] = event_mac(key, values["hash"]) if key else None
    return values


def event_hash(event: AuditEvent) -> str:
    """The hash of an event's content chained to its predecessor."""
    return _content_hash({name: getattr(event, name) for name in _HASHED})


_HASHED = ("at", "actor_id", "actor_name", "action", "object_type", "object_key", "before", "after", "reason",
           "assessment_id", "town_id", "item_id", "prev_hash", "request_id")


def _content_hash(values: dict[str, Any]) -> str:
    content = {
        "at": _utc_text(values["at"]), "actor_id": values["actor_id"],
        "actor_name": values["actor_name"], "action": values["action"], "object_type": values["object_type"],
        "object_key": values["object_key"], "before": values["before"], "after": values["after"],
        "reason": values["reason"], "assessment_id": values["assessment_id"], "town_id": values["town_id"],
        "item_id": values["item_id"], "prev": values["prev_hash"],
    }
    if values["request_id"] is not None:  # events from before request ids keep their hash
        content["request_id"] = values["request_id"]
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_mac(key: bytes, event_hash_: str) -> str:
    return hmac.new(key, event_hash_.encode(), hashlib.sha256).hexdigest()


def use_key(session_factory, key: bytes) -> None:
    """Make every session of this factory sign the events it records."""
    session_factory.configure(info={**(session_factory.kw.get("info") or {}), "audit_key": key})


def verify_chain(session: Session, key: bytes | None = None) -> int | None:
    """Return the id of the first event that breaks the chain, or None if intact.

    With the key, every event must also carry a valid HMAC: a rewritten tail with
    recomputed hashes fails at its first event.
    """
    previous = GENESIS
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous or event_hash(event) != event.hash:
            return event.id
        if key is not None and not hmac.compare_digest(event.mac or "", event_mac(key, event.hash)):
            return event.id
        previous = event.hash
    return None


def _utc_text(moment: datetime | None) -> str | None:
    """UTC, without zone: SQLite hands datetimes back naive, PostgreSQL aware."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def _plain(value: Any) -> Any:
    """JSON-safe copy (Decimals and dates as strings) so the stored value hashes stably."""
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False, default=str))
