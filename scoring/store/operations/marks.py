"""Marks: the one way a reviewer's mark is stored (validated, versioned, audited)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, StaleEdit
from scoring.marks import read_mark
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.conflicts import require_no_conflict
from scoring.store.models import (
    Assessment,
    MarkRow,
    utcnow,
)
from scoring.store.operations.base import get, operation
from scoring.store.queries import rubric_of_version

MAX_INPUTS_BYTES = 32 * 1024  # a mark's inputs as JSON, drafts included: far above any real mark


@dataclass(frozen=True)
class SavedMarkRow:
    """What a save stored: the row's version, whether a complete mark counts, and any draft."""

    version: int
    complete: bool
    inputs: dict  # the inputs that count (complete) or the draft (never complete)
    draft: dict | None  # newer inputs kept beside a complete mark, not counting yet
    problem: InvalidMark | None  # why the inputs just saved do not (yet) form a valid mark


def save_mark(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str, reviewer_id: int,
              inputs: dict, expected_version: int, reason: str = "", hold=None) -> SavedMarkRow:
    """Validate and write a reviewer's mark if nobody saved it since ``expected_version`` (0: new).

    The one way a mark is stored: the inputs are checked against the assessment's rubric
    version here (``marks.read_mark``), so a mark stored as complete is always valid for
    it. Inputs that are not yet a valid mark are kept as a draft and do not count; over a
    complete mark the draft is kept beside it and the complete mark keeps counting. Input
    that cannot even be a draft (too long, unknown fields) raises InvalidMark, nothing
    written. A stale edit raises StaleEdit carrying the current inputs and version. The
    audit event keeps the old and new inputs. ``hold`` (a message) keeps valid inputs as a
    draft for a reason the rubric cannot see: full marks the reviewer has not confirmed.

    The check runs before the write transaction, which holds only the phase and version
    checks, the write and the audit event (on SQLite the write lock is held that long).
    """
    if len(json.dumps(inputs, ensure_ascii=False, default=str)) > MAX_INPUTS_BYTES:
        raise InvalidInput("inputs", N_("评分内容过长（不超过 %(kb)s KB）", kb=MAX_INPUTS_BYTES // 1024))
    found = session.execute(select(Assessment.phase, Assessment.rubric_version_id)
                            .where(Assessment.id == assessment_id)).first()
    if found is None:
        get(session, Assessment, assessment_id)  # raises NotFound
    phases.require(found.phase, "score")  # checked again in the write transaction
    problem = _held(_check(session, found.rubric_version_id, town_id, item_id, reviewer_id, inputs), item_id, hold)
    return _write_mark(session, actor, assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                       reviewer_id=reviewer_id, inputs=inputs, expected_version=expected_version, reason=reason,
                       checked=(found.rubric_version_id, problem), hold=hold)


def _check(session: Session, rubric_version_id: int, town_id: int, item_id: str, reviewer_id: int,
           inputs: dict) -> InvalidMark | None:
    """None for a valid mark, the problem of a draft; raise for input that cannot even be kept."""
    rubric = rubric_of_version(session, rubric_version_id)
    try:
        read_mark(rubric, town=str(town_id), item=item_id, reviewer=str(reviewer_id), inputs=inputs)
    except InvalidMark as exc:
        if exc.refused:
            raise
        return exc
    return None


def _held(problem: InvalidMark | None, item_id: str, hold) -> InvalidMark | None:
    """A valid mark the reviewer has not confirmed stays a draft, for the reason ``hold`` gives."""
    if problem is None and hold is not None:
        return InvalidMark(item_id, "confirm", hold)
    return problem


@operation
def _write_mark(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str,
                reviewer_id: int, inputs: dict, expected_version: int, reason: str,
                checked: tuple[int, InvalidMark | None], hold=None) -> SavedMarkRow:
    """The write transaction of ``save_mark``: phase and version checks, the row, the audit event."""
    rubric_version_id, problem = checked
    assessment = session.execute(select(Assessment.phase, Assessment.deadlines, Assessment.rubric_version_id)
                                 .where(Assessment.id == assessment_id)).one()  # columns, not the ORM row
    phases.require_open(assessment.phase, "score", assessment.deadlines)
    require_no_conflict(session, assessment_id, reviewer_id, town_id)  # every path: page, autosave, import
    if assessment.rubric_version_id != rubric_version_id:  # changed since the check: check again
        problem = _held(_check(session, assessment.rubric_version_id, town_id, item_id, reviewer_id, inputs),
                        item_id, hold)
    row = session.execute(
        select(MarkRow).where(MarkRow.assessment_id == assessment_id, MarkRow.town_id == town_id,
                              MarkRow.item_id == item_id, MarkRow.reviewer_id == reviewer_id)
        .with_for_update()).scalar_one_or_none()
    current = row.version if row else 0
    if current != expected_version:
        raise StaleEdit(_shown(row), current, at=row.updated_at.isoformat() if row else "")
    before = {"inputs": row.inputs, "complete": row.complete, "draft": row.draft} if row else None
    if row is None:
        row = MarkRow(assessment_id=assessment_id, town_id=town_id, item_id=item_id, reviewer_id=reviewer_id,
                      rubric_version_id=assessment.rubric_version_id, version=0, complete=False)
        session.add(row)
    if problem is None:  # a valid mark is given under the current rubric version (a re-scoring too)
        row.inputs, row.complete, row.draft = inputs, True, None
        row.rubric_version_id = assessment.rubric_version_id
    elif row.complete:
        row.draft = inputs  # the last complete mark keeps counting
    else:
        row.inputs, row.draft = inputs, None
    row.version = current + 1
    row.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # a concurrent first save of the same mark won the race
        raise StaleEdit(None, 1) from None
    record(session, actor, "mark.save", "mark", f"{assessment_id}/{town_id}/{item_id}/{reviewer_id}",
           assessment_id=assessment_id, town_id=town_id, item_id=item_id, before=before,
           after={"inputs": row.inputs, "complete": row.complete, "draft": row.draft, "version": row.version},
           reason=reason)
    return SavedMarkRow(row.version, row.complete, row.inputs, row.draft, problem)


def _shown(row: MarkRow | None) -> dict | None:
    """What the reviewer last typed: the draft when there is one, else the inputs."""
    if row is None:
        return None
    return row.draft if row.draft is not None else row.inputs
