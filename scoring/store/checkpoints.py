"""Checkpoints of the audit chain, kept outside the database.

Anyone who can write to the database (and holds ``audit.key``) could rewrite an event and
recompute every later hash and HMAC; the chain would still verify. A checkpoint is the
head of the chain (event id and hash) at a moment, appended as a JSON line to
``instance/audit-checkpoints.jsonl`` (opened append-only; on a real server also
``chattr +a``) and printed on every published PDF. A rewrite before a checkpoint changes
that event's hash, which no longer equals the one written down.

Written after every publication, release or phase change (the operations commit first:
``after_commit``), and by ``scoring audit checkpoint`` (e.g. from cron).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scoring.store.models import AuditEvent

# Actions after which the head is written down: what is published is anchored.
CHECKPOINT_ACTIONS = frozenset({"assessment.phase", "ranking.snapshot"})
_PATH = "audit_checkpoints"
_DUE = "audit_checkpoint_due"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    at: str
    event_id: int
    hash: str
    reason: str

    @property
    def short(self) -> str:
        """As printed on documents: ``#id`` and the first 16 hex digits of the hash."""
        return f"#{self.event_id} {self.hash[:16]}"


@dataclass(frozen=True)
class CheckpointProblem:
    """A checkpoint the database no longer matches; the rewrite lies after ``after_id``."""

    checkpoint: Checkpoint
    after_id: int  # the newest checkpointed event that still matches (0: none)
    found: str | None  # the hash the database now has for the event (None: event gone)


def use_checkpoints(session_factory: sessionmaker, path: Path) -> None:
    """Make the sessions of this factory write checkpoints to ``path`` (see after_commit)."""
    info = dict(session_factory.kw.get("info") or {})
    info[_PATH] = str(path)
    session_factory.configure(info=info)


def mark_due(session: Session, action: str) -> None:
    """Called by ``audit.record``: this transaction's commit is followed by a checkpoint."""
    if action in CHECKPOINT_ACTIONS:
        session.info[_DUE] = action


def after_commit(session: Session) -> None:
    """Write the checkpoint a committed transaction asked for; never fail the committed work."""
    reason = session.info.pop(_DUE, None)
    path = session.info.get(_PATH)
    if reason is None or path is None:
        return
    try:
        write_checkpoint(session, Path(path), reason)
    except OSError:
        log.exception("audit checkpoint not written to %s", path)


def discard(session: Session) -> None:
    session.info.pop(_DUE, None)


def write_checkpoint(session: Session, path: Path, reason: str) -> Checkpoint | None:
    """Append the chain's head to ``path`` (fsynced); None for an empty chain."""
    # On a connection of its own: the session's objects and transaction stay as they are.
    with session.get_bind().connect() as connection:
        head = connection.execute(select(AuditEvent.id, AuditEvent.hash)
                                  .order_by(AuditEvent.id.desc()).limit(1)).first()
    if head is None:
        return None
    point = Checkpoint(at=datetime.now(UTC).isoformat(timespec="seconds"), event_id=head.id, hash=head.hash,
                       reason=reason[:100])
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(point.__dict__, ensure_ascii=False) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)  # one write of one short line: appends from processes never interleave
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return point


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The checkpoints of ``path``, oldest first (none when the file does not exist)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    points = []
    for line in lines:
        try:
            data = json.loads(line)
            points.append(Checkpoint(at=str(data["at"]), event_id=int(data["event_id"]), hash=str(data["hash"]),
                                     reason=str(data.get("reason", ""))))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line (power cut while appending) holds nothing to check
    return points


def latest(session: Session) -> Checkpoint | None:
    """The newest checkpoint of the session's instance, if it keeps any."""
    path = session.info.get(_PATH)
    points = read_checkpoints(Path(path)) if path else []
    return points[-1] if points else None


def verify_checkpoints(session: Session, path: Path) -> CheckpointProblem | None:
    """The first checkpoint whose event the database no longer has with the same hash."""
    points = read_checkpoints(path)
    ids = sorted({p.event_id for p in points})
    stored = dict(session.execute(select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(ids))).all()) \
        if ids else {}
    matched = 0
    for point in sorted(points, key=lambda p: p.event_id):
        if stored.get(point.event_id) != point.hash:
            return CheckpointProblem(point, matched, stored.get(point.event_id))
        matched = point.event_id
    return None
