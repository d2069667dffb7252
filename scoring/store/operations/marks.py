"""Marks: the one way a reviewer's mark is stored (validated, versioned, audited)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, StaleEdit
from scoring.marks import read_mark
from scoring.messages import N_
from scoring.store.audit import Actor, append
from scoring.store.conflicts import conflict_clause, refuse
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
              inputs: dict, expected_version: int, reason: str = "", hold=None,
              known: tuple[str, int] | None = None) -> SavedMarkRow:
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
    ``known`` is the assessment's (phase, rubric version id) when the caller has just read
    them (``queries.save_context``); the transaction reads them again either way.
    """
    if len(json.dumps(inputs, ensure_ascii=False, default=str)) > MAX_INPUTS_BYTES:
        raise InvalidInput("inputs", N_("评分内容过长（不超过 %(kb)s KB）", kb=MAX_INPUTS_BYTES // 1024))
    if known is None:
        found = session.execute(select(Assessment.phase, Assessment.rubric_version_id)
                                .where(Assessment.id == assessment_id)).first()
        if found is None:
            get(session, Assessment, assessment_id)  # raises NotFound
        known = (found.phase, found.rubric_version_id)
    phase, rubric_version_id = known
    phases.require(phase, "score")  # checked again in the write transaction
    problem = _held(_check(session, rubric_version_id, town_id, item_id, reviewer_id, inputs), item_id, hold)
    return _write_mark(session, actor, assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                       reviewer_id=reviewer_id, inputs=inputs, expected_version=expected_version, reason=reason,
                       checked=(rubric_version_id, problem), hold=hold)


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
    """The write transaction of ``save_mark``: phase, conflict and version checks, the row, the audit event.

    Core statements built once (``_Statements``), not the ORM's unit of work: one read (the
    assessment, the conflict and the locked row), one write, the audit event and nothing else.
    """
    rubric_version_id, problem = checked
    session.flush()  # an outer operation's pending rows go first, as the ORM's autoflush did
    connection = session.connection()
    key = {"assessment_id": assessment_id, "town_id": town_id, "item_id": item_id, "reviewer_id": reviewer_id}
    found = connection.execute(_SQL.checks, key).one()  # the assessment, the conflict and the locked row
    phases.require_open(found.phase, "score", found.deadlines)
    if found.conflict:  # every path: page, autosave, import
        refuse(session, town_id)
    if found.assessment_rubric_version_id != rubric_version_id:  # changed since the check: check again
        problem = _held(_check(session, found.assessment_rubric_version_id, town_id, item_id, reviewer_id, inputs),
                        item_id, hold)
    row = found if found.id is not None else None
    current = row.version if row else 0
    if current != expected_version:
        raise StaleEdit(_shown(row), current, at=row.updated_at.isoformat() if row else "")
    before = {"inputs": row.inputs, "complete": row.complete, "draft": row.draft} if row else None
    stored_inputs, complete, draft = (row.inputs, row.complete, row.draft) if row else ({}, False, None)
    given_under = row.rubric_version_id if row else found.assessment_rubric_version_id
    if problem is None:  # a valid mark is given under the current rubric version (a re-scoring too)
        stored_inputs, complete, draft = inputs, True, None
        given_under = found.assessment_rubric_version_id
    elif complete:
        draft = inputs  # the last complete mark keeps counting
    else:
        stored_inputs, draft = inputs, None
    values = {"inputs": stored_inputs, "complete": complete, "draft": draft, "version": current + 1,
              "rubric_version_id": given_under, "updated_at": utcnow()}
    if row is None:
        try:
            connection.execute(_SQL.insert, {**key, **values})
        except IntegrityError:  # a concurrent first save of the same mark won the race
            raise StaleEdit(None, 1) from None
    else:
        connection.execute(_SQL.update, {"row_id": row.id, **values})
        _forget(session, row.id)
    append(session, actor, "mark.save", "mark", f"{assessment_id}/{town_id}/{item_id}/{reviewer_id}",
           assessment_id=assessment_id, town_id=town_id, item_id=item_id, before=before,
           after={"inputs": stored_inputs, "complete": complete, "draft": draft, "version": current + 1},
           reason=reason)
    return SavedMarkRow(current + 1, complete, stored_inputs, draft, problem)


class _Statements:
    """The save's statements, built once with bound parameters (building one cost more than running it)."""

    def __init__(self) -> None:
        marks = MarkRow.__table__
        assessment_id, town_id = bindparam("assessment_id"), bindparam("town_id")
        item_id, reviewer_id = bindparam("item_id"), bindparam("reviewer_id")
        assessments = Assessment.__table__
        row = (select(marks.c.id, marks.c.version, marks.c.inputs, marks.c.complete, marks.c.draft,
                      marks.c.rubric_version_id, marks.c.updated_at)
               .where(marks.c.assessment_id == assessment_id, marks.c.town_id == town_id,
                      marks.c.item_id == item_id, marks.c.reviewer_id == reviewer_id)
               .with_for_update().subquery())  # PostgreSQL locks the row; SQLite holds the write lock already
        self.checks = (select(assessments.c.phase, assessments.c.deadlines,
                              assessments.c.rubric_version_id.label("assessment_rubric_version_id"),
                              conflict_clause(assessment_id, reviewer_id, town_id).label("conflict"), *row.c)
                       .select_from(assessments.outerjoin(row, true()))
                       .where(assessments.c.id == assessment_id))
        self.insert = insert(marks)
        self.update = update(marks).where(marks.c.id == bindparam("row_id"))


_SQL = _Statements()


def _forget(session: Session, row_id: int) -> None:
    """A MarkRow this session loaded before is stale after the Core update: load it again when read."""
    loaded = session.identity_map.get(session.identity_key(MarkRow, row_id))
    if loaded is not None:
        session.expire(loaded)


def _shown(row) -> dict | None:
    """What the reviewer last typed: the draft when there is one, else the inputs."""
    if row is None:
        return None
    return row.draft if row.draft is not None else row.inputs
