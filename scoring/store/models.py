"""ORM rows (SQLAlchemy 2). Only the store touches them; callers get plain values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scoring.phases import PHASES  # noqa: E402,F401 - stored as the phase column

ROLES = ("admin", "reviewer", "town")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class District(Base):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Town(Base):
    __tablename__ = "towns"
    __table_args__ = (UniqueConstraint("district_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(100), default="")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, disable and role change: sessions carrying an older value are void.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The signed-in-before device that tried, if any: its failures count apart from the IP's.
    device: Mapped[str] = mapped_column(String(32), default="", server_default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RubricVersion(Base):
    """A rubric file as saved: its YAML text is the source of truth, never edited in place."""

    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(400))
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(400), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    phase: Mapped[str] = mapped_column(String(16), default="prepare")
    deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    released_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    arbiter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # decides its appeals
    # What the scorecards are issued under: 落款 (e.g. 某区法治政府建设考核办公室) and 文号.
    issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    document_number: Mapped[str] = mapped_column(String(100), default="", server_default="")


class AssessmentTown(Base):
    __tablename__ = "assessment_towns"
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), primary_key=True)


class Assignment(Base):
    """Reviewer scores item for every town of the assessment (town_id NULL) or for one town."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("assessment_id", "reviewer_id", "item_id", "town_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))


class Conflict(Base):
    """A reviewer who belongs to a town (回避) for an assessment: they never score it there.

    Declared by the reviewer (``declared_by`` is them) or recorded by an administrator, while
    the assessment's setup may change (so a closed result never moves). An account bound
    to a town (``users.town_id``) conflicts with it in every assessment, without a row.
    """

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("assessment_id", "reviewer_id", "town_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceFile(Base):
    """A file a town submitted; the bytes live in the blob store under their sha256, the name as given."""

    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where its text stands (scoring.evidence.states): pending, extracting, text, ocr, no_text_layer,
    # no_text, failed (text_reason says why) or timed_out. Extraction runs as a background job.
    text_state: Mapped[str] = mapped_column(String(16), default="pending", server_default="text")
    text_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)  # a message
    text_updated_at: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


class PassageRow(Base):
    __tablename__ = "passages"
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    passage_key: Mapped[str] = mapped_column(String(64))
    page: Mapped[int | None] = mapped_column(Integer)
    sheet: Mapped[str | None] = mapped_column(String(100))
    paragraph: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # What extraction knew, so the location is formatted once (scoring.evidence.format_location).
    row: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    is_heading: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    section_path: Mapped[list[str] | None] = mapped_column(JSON)  # headings above, outermost first


class MarkRow(Base):
    """One reviewer's mark of one item for one town, under a rubric version.

    ``inputs`` holds the method's inputs (deductions, level, comment ...); ``complete`` says
    whether they form a valid mark, and only complete marks count in results. Nothing typed
    is lost: inputs that do not (yet) form a valid mark are kept as a draft, in ``inputs``
    while the mark was never complete, else in ``draft`` beside the last complete inputs,
    which keep counting until a valid edit replaces them.
    """

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("assessment_id", "town_id", "item_id", "reviewer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    item_id: Mapped[str] = mapped_column(String(40))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The administrator kept it counting when its assignment was removed (audited then).
    kept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEvent(Base):
    """Append-only record of a change; each event's hash covers the previous one's."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(String(200))
    assessment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    town_id: Mapped[int | None] = mapped_column(Integer, index=True)
    item_id: Mapped[str | None] = mapped_column(String(40), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    mac: Mapped[str | None] = mapped_column(String(64))  # HMAC of hash, key outside the database


class Appeal(Base):
    """A town's appeal (申诉) of one reviewer's mark, and its decision (复核).

    The decision is upheld (the mark stands) or adjusted: then the mark's inputs are
    replaced by the decided ones (kept here before and after) and count from then on.
    An optional attachment is stored like evidence, under its sha256.
    """

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who gave the mark
    reason: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(255), default="")
    attachment_kind: Mapped[str] = mapped_column(String(8), default="")
    attachment_sha256: Mapped[str] = mapped_column(String(64), default="")
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, upheld, adjusted
    reply: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    inputs_before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    inputs_after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    arbiter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # routed to; else the assessment's


class RankingSnapshot(Base):
    """A frozen ranking (公示 v1, v2 …): what was published, never recomputed."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (UniqueConstraint("assessment_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))  # the decision that made it
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SnapshotRow(Base):
    """One town's place in a snapshot; rank None for a town that was not ranked."""

    __tablename__ = "snapshot_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("ranking_snapshots.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    town: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(40))


class Resolution(Base):
    """An administrator's resolution (裁定) of a disagreement on one town's item.

    Its inputs (one reviewer's mark, chosen, or a mark set by the administrator) are the
    one mark that counts for that town × item from then on (``scoring.resolutions``).
    """

    __tablename__ = "resolutions"
    __table_args__ = (UniqueConstraint("assessment_id", "town_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    item_id: Mapped[str] = mapped_column(String(40))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    chosen_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: set by hand
    reason: Mapped[str] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecurityEvent(Base):
    """A refused attempt (403, 404 on an object out of reach, 409 stale edit): who, from where.

    Kept apart from the audit chain of changes, and rate-limited per IP when recorded
    (``scoring.store.security_events``), so a flood of refusals cannot fill the disk.
    """

    __tablename__ = "security_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # forbidden, not_found, stale_edit
    status: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: an event outlives its user
    username: Mapped[str] = mapped_column(String(64), default="", index=True)
    method: Mapped[str] = mapped_column(String(8), default="")
    route: Mapped[str] = mapped_column(String(100), default="")  # the endpoint, e.g. review.save_mark
    path: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. the refused value of a stale edit


class Blob(Base):
    """File bytes kept in the database under their sha256, once however often uploaded
    (the blob store of ``scoring.store.blobs`` when the database is shared by several servers)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentExport(Base):
    """A finished background job's ZIP: the job id, and the blob it wrote.

    The download trusts only this row (written by the worker through the store), never a
    result read from Redis.
    """

    __tablename__ = "document_exports"
    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
