"""Reads: plain values, domain objects and frozen read models (scoring.store.views), never ORM rows."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring.errors import InvalidMark, NotFound
from scoring.marks import Mark, read_mark
from scoring.messages import Message
from scoring.rubric import Rubric
from scoring.rubric.load import parse_rubric

# Who scores what and which marks count (assignments, conflicts) also live apart.
from scoring.store.assigned import (  # noqa: F401
    assigned_items,
    assignments,
    counted_keys,
    counting_clause,
    marked_cells,
    marked_cells_of,
    previous_assessment,
    reviewer_assessments,
    uncounted_marks,
)
from scoring.store.conflicts import conflicted_towns, conflicts, has_conflict  # noqa: F401

# Appeals, publication snapshots, audit pages and withdrawals live in their own module;
# callers read them here as ``queries.<name>`` like every other read.
from scoring.store.history import (  # noqa: F401
    MarkRef,
    appeal,
    appeals,
    arbiter_of,
    audit_page,
    routed_appeals,
    snapshot_rows,
    snapshots,
    town_mark_refs,
    withdrawn_results,
)
from scoring.store.lean import (  # noqa: F401
    assessment_rubric_version,
    changes,
    reviewer_towns,
    save_context,
    signed_in_user,
)
from scoring.store.models import (
    Assessment,
    AssessmentTown,
    AuditEvent,
    District,
    EvidenceFile,
    MarkRow,
    PassageRow,
    RubricVersion,
    Town,
    User,
)
from scoring.store.views import (
    AssessmentView,
    AuditEventView,
    DistrictView,
    EvidenceView,
    PassageView,
    RubricVersionView,
    TownView,
    UserView,
    View,
    view_of,
)


@functools.lru_cache(maxsize=32)
def _parsed(rubric_version_id: int, sha256: str, yaml_text: str, version: int) -> Rubric:
    return parse_rubric(yaml_text, f"rubric#{rubric_version_id}").model_copy(update={"version": version})


_known_versions: dict[tuple[str, int], Rubric] = {}


def rubric_of_version(session: Session, rubric_version_id: int) -> Rubric:
    """Return the parsed rubric of a stored version (cached: versions never change).

    Kept per database and id, so a save or a page does not even read the rubric's text again.
    """
    key = (str(session.get_bind().url), rubric_version_id)
    found = _known_versions.get(key)
    if found is not None:
        return found
    row = session.get(RubricVersion, rubric_version_id)
    if row is None:
        raise NotFound(f"rubric version {rubric_version_id}")
    found = _parsed(row.id, row.sha256, row.yaml_text, row.version)
    if len(_known_versions) > 256:
        _known_versions.clear()
    _known_versions[key] = found
    return found


def assessment(session: Session, assessment_id: int) -> AssessmentView:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFound(f"assessment {assessment_id}")
    return view_of(AssessmentView, row)


def assessment_rubric(session: Session, assessment_id: int) -> Rubric:
    return rubric_of_version(session, assessment(session, assessment_id).rubric_version_id)


def assessment_towns(session: Session, assessment_id: int) -> dict[int, str]:
    """Town id -> name for the towns of an assessment, by name."""
    rows = session.execute(
        select(Town.id, Town.name).join(AssessmentTown, AssessmentTown.town_id == Town.id)
        .where(AssessmentTown.assessment_id == assessment_id).order_by(Town.name)).all()
    return dict(rows)


def assessment_town(session: Session, assessment_id: int, town_id: int) -> str | None:
    """The name of a town of the assessment (None when the town is not in it)."""
    return session.execute(
        select(Town.name).join(AssessmentTown, AssessmentTown.town_id == Town.id)
        .where(AssessmentTown.assessment_id == assessment_id, Town.id == town_id)).scalar()


def users_by_id(session: Session) -> dict[int, UserView]:
    return {u.id: view_of(UserView, u) for u in session.execute(select(User)).scalars()}


def complete_marks(session: Session, assessment_id: int, town_id: int | None = None,
                   unusable: list[UnusableMark] | None = None) -> list[Mark]:
    """The assessment's (or one town's) complete marks as domain Marks, by town and user name.

    Only marks whose reviewer is still assigned the item for that town (an assignment for
    every town, or for this one) count: removing an assignment withdraws the marks made
    under it (they stay stored, and count again if the assignment is restored). Each is
    checked against the rubric as it is read: a stored mark that is not valid (no page may
    fail on one) is left out and, when ``unusable`` is given, listed there.
    """
    towns = assessment_towns(session, assessment_id)
    users = users_by_id(session)
    query = select(MarkRow).where(MarkRow.assessment_id == assessment_id, MarkRow.complete.is_(True),
                                  counting_clause())
    if town_id is not None:
        query = query.where(MarkRow.town_id == town_id)
    rows = session.execute(query).scalars()
    rubric = assessment_rubric(session, assessment_id)
    marks = []
    for row in rows:
        if row.town_id not in towns:
            continue
        try:
            marks.append(read_mark(rubric, town=towns[row.town_id], item=row.item_id,
                                   reviewer=users[row.reviewer_id].username, inputs=row.inputs))
        except InvalidMark as exc:  # stored before a check existed, or edited outside the service
            if unusable is not None:
                unusable.append(UnusableMark(towns[row.town_id], row.item_id, users[row.reviewer_id].username,
                                             exc.message))
    return marks


@dataclass(frozen=True)
class UnusableMark:
    """A stored complete mark that is not valid for its rubric version: it does not count."""

    town: str
    item: str
    reviewer: str
    problem: Message | str


@dataclass(frozen=True)
class MarkState:
    """A stored mark as the scoring page needs it."""

    item_id: str
    inputs: dict
    complete: bool
    version: int
    updated_at: datetime
    draft: dict | None = None  # newer inputs beside a complete mark, not counting yet


def reviewer_marks(session: Session, assessment_id: int, town_id: int, reviewer_id: int) -> dict[str, MarkState]:
    rows = session.execute(select(MarkRow).where(
        MarkRow.assessment_id == assessment_id, MarkRow.town_id == town_id,
        MarkRow.reviewer_id == reviewer_id)).scalars()
    return {r.item_id: MarkState(r.item_id, r.inputs, r.complete, r.version, r.updated_at, r.draft) for r in rows}


def town_assessments(session: Session, town_id: int) -> list[AssessmentView]:
    ids = select(AssessmentTown.assessment_id).where(AssessmentTown.town_id == town_id)
    return _views(AssessmentView, session.execute(select(Assessment).where(Assessment.id.in_(ids))
                                                  .order_by(Assessment.year.desc(), Assessment.id.desc())))


def all_assessments(session: Session) -> list[AssessmentView]:
    return _views(AssessmentView, session.execute(select(Assessment).order_by(Assessment.year.desc(),
                                                                              Assessment.id.desc())))


def evidence_files(session: Session, assessment_id: int, town_id: int) -> list[EvidenceView]:
    return _views(EvidenceView, session.execute(select(EvidenceFile).where(
        EvidenceFile.assessment_id == assessment_id, EvidenceFile.town_id == town_id)
        .order_by(EvidenceFile.uploaded_at)))


def evidence_file(session: Session, evidence_id: int) -> EvidenceView:
    row = session.get(EvidenceFile, evidence_id)
    if row is None:
        raise NotFound(f"evidence {evidence_id}")
    return view_of(EvidenceView, row)


def passages(session: Session, evidence_ids: list[int]) -> list[PassageView]:
    if not evidence_ids:
        return []
    return _views(PassageView, session.execute(select(PassageRow).where(PassageRow.evidence_id.in_(evidence_ids))
                                               .order_by(PassageRow.evidence_id, PassageRow.id)))


def rubric_versions(session: Session) -> list[RubricVersionView]:
    return _views(RubricVersionView, session.execute(select(RubricVersion).order_by(
        RubricVersion.rubric_key, RubricVersion.version.desc())))


def rubric_version(session: Session, rubric_version_id: int) -> RubricVersionView:
    row = session.get(RubricVersion, rubric_version_id)
    if row is None:
        raise NotFound(f"rubric version {rubric_version_id}")
    return view_of(RubricVersionView, row)


def previous_rubric_version(session: Session, row: RubricVersionView) -> RubricVersionView | None:
    """The version saved before ``row`` under the same rubric key, if any."""
    earlier = session.execute(select(RubricVersion).where(
        RubricVersion.rubric_key == row.rubric_key, RubricVersion.version < row.version)
        .order_by(RubricVersion.version.desc()).limit(1)).scalar_one_or_none()
    return view_of(RubricVersionView, earlier) if earlier is not None else None


def data_version(session: Session) -> int:
    """The newest audit event's id: it changes with every write (each write audits itself).

    Ids become visible in their order (PostgreSQL: the audit trail's advisory lock is taken
    before the id and held to the commit; SQLite: one writer at a time), so no write with a
    smaller id can appear after a reader saw a larger one (tests/scoring/store/test_data_version.py).
    """
    return session.execute(select(func.max(AuditEvent.id))).scalar() or 0


def first_district(session: Session) -> DistrictView | None:
    """The district (one per installation for now)."""
    row = session.execute(select(District).order_by(District.id).limit(1)).scalar_one_or_none()
    return view_of(DistrictView, row) if row is not None else None


def district_name(session: Session, district_id: int) -> str:
    """The district's name ("" for an unknown id)."""
    return session.execute(select(District.name).where(District.id == district_id)).scalar() or ""


def user(session: Session, user_id: int) -> UserView | None:
    row = session.get(User, user_id)
    return view_of(UserView, row) if row is not None else None


def users(session: Session) -> list[UserView]:
    return _views(UserView, session.execute(select(User).order_by(User.role, User.username)))


def towns(session: Session) -> list[TownView]:
    return _views(TownView, session.execute(select(Town).order_by(Town.name)))


def audit_events(session: Session, *, town_id: int | None = None, item_id: str | None = None,
                 actor_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
                 limit: int = 500) -> list[AuditEventView]:
    """Newest first, filtered by town, item, user and time."""
    query = select(AuditEvent)
    for column, value in ((AuditEvent.town_id, town_id), (AuditEvent.item_id, item_id),
                          (AuditEvent.actor_id, actor_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at <= until)
    return _views(AuditEventView, session.execute(query.order_by(AuditEvent.id.desc()).limit(limit)))


def _views(cls: type[View], result) -> list[View]:
    return [view_of(cls, row) for row in result.scalars()]
