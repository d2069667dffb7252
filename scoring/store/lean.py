"""Reads of the hot paths (a save, a reviewer's page, the outcome's catch-up): one query each,
plain columns, no ORM rows. Callers read them as ``queries.<name>`` like every other read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.store.models import Assessment, AssessmentTown, Assignment, AuditEvent, Town, User


@dataclass(frozen=True)
class SaveContext:
    """What a save checks before its transaction: the assessment, the town, the assignment."""

    rubric_version_id: int
    phase: str
    town: str | None  # None: the town is not in the assessment
    assigned: bool  # the reviewer scores this item for this town


def save_context(session: Session, assessment_id: int, town_id: int, reviewer_id: int,
                 item_id: str) -> SaveContext | None:
    """The save's checks in one query (None: no such assessment)."""
    row = core_read(session, _SAVE_CONTEXT, {"assessment_id": assessment_id, "town_id": town_id,
                                          "reviewer_id": reviewer_id, "item_id": item_id}).first()
    if row is None:
        return None
    return SaveContext(row[0], row[1], row[2], bool(row[3]))


def core_read(session: Session, query, params: dict):
    """Run a read as Core on the session's connection (plain rows: the ORM's result layer cost
    more than the query itself), after flushing what the session holds, as its autoflush would."""
    session.flush()
    return session.connection().execute(query, params)


def _save_context():
    """Built once, with bound parameters: building the statement cost more than running it."""
    assessment_id, town_id = bindparam("assessment_id"), bindparam("town_id")
    town = (select(Town.name).join(AssessmentTown, AssessmentTown.town_id == Town.id)
            .where(AssessmentTown.assessment_id == assessment_id, Town.id == town_id).scalar_subquery())
    assigned = select(Assignment.id).where(
        Assignment.assessment_id == assessment_id, Assignment.reviewer_id == bindparam("reviewer_id"),
        Assignment.item_id == bindparam("item_id"),
        or_(Assignment.town_id.is_(None), Assignment.town_id == town_id)).exists()
    return select(Assessment.rubric_version_id, Assessment.phase, town, assigned).where(Assessment.id == assessment_id)


_SAVE_CONTEXT = _save_context()


def reviewer_towns(session: Session, assessment_id: int, reviewer_id: int) -> set[int] | None:
    """Town ids the reviewer scores something for; None when an assignment covers every town."""
    found = set(session.execute(select(Assignment.town_id).distinct().where(
        Assignment.assessment_id == assessment_id, Assignment.reviewer_id == reviewer_id)).scalars())
    return None if None in found else found


@dataclass(frozen=True)
class Change:
    """An audit event as the outcome's catch-up reads it."""

    id: int
    action: str
    assessment_id: int | None
    town_id: int | None


def changes(session: Session, after: int, upto: int, limit: int) -> list[Change] | None:
    """The audit events with ``after < id <= upto``, oldest first; None when more than ``limit``."""
    rows = session.execute(select(AuditEvent.id, AuditEvent.action, AuditEvent.assessment_id, AuditEvent.town_id)
                           .where(AuditEvent.id > after, AuditEvent.id <= upto)
                           .order_by(AuditEvent.id).limit(limit + 1)).all()
    if len(rows) > limit:
        return None
    return [Change(*row) for row in rows]


def signed_in_user(session: Session, user_id: int):
    """The columns a request needs of its signed-in user (a Row with those names), or None."""
    return core_read(session, _SIGNED_IN, {"user_id": user_id}).first()


_SIGNED_IN = select(User.id, User.username, User.display_name, User.role, User.department, User.town_id,
                    User.active, User.session_version).where(User.id == bindparam("user_id"))


def assessment_rubric_version(session: Session, assessment_id: int) -> int:
    """The assessment's rubric version id from one column (no ORM row); NotFound as ``queries.assessment``."""
    found = core_read(session, _RUBRIC_VERSION, {"assessment_id": assessment_id}).scalar()
    if found is None:
        raise NotFound(f"assessment {assessment_id}")
    return found


_RUBRIC_VERSION = select(Assessment.rubric_version_id).where(Assessment.id == bindparam("assessment_id"))
