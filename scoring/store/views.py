"""Read models: what ``scoring.store.queries`` hands to services, shells and templates.

Frozen copies of stored rows with the same attribute names as the columns, so a page or a
service reads ``assessment.phase`` or ``f.uploaded_at`` as before, but can neither change a
row behind the store's back nor load more of the database by touching an attribute. A user's
password hash never leaves the store.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from scoring.evidence.passages import Passage

View = TypeVar("View")


def view_of(cls: type[View], row: Any) -> View:
    """The read model ``cls`` of an ORM row: its fields copied from the same-named columns."""
    return cls(**{f.name: copy.deepcopy(getattr(row, f.name)) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class DistrictView:
    id: int
    name: str


@dataclass(frozen=True)
class TownView:
    id: int
    district_id: int
    name: str


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    department: str
    town_id: int | None
    active: bool
    session_version: int
    created_at: datetime


@dataclass(frozen=True)
class RubricVersionView:
    id: int
    rubric_key: str
    version: int
    title: str
    yaml_text: str  # the source of truth, exactly as saved
    sha256: str
    note: str
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class AssessmentView:
    id: int
    district_id: int
    name: str
    year: int
    rubric_version_id: int
    phase: str
    deadlines: dict[str, Any]
    released_at: datetime | None
    version: int
    arbiter_id: int | None  # who decides its appeals (unless one is routed to someone else)
    issuer: str = ""
    document_number: str = ""


@dataclass(frozen=True)
class AssignmentView:
    id: int
    assessment_id: int
    reviewer_id: int
    item_id: str
    town_id: int | None  # None: every town of the assessment


@dataclass(frozen=True)
class ConflictView:
    id: int
    assessment_id: int
    reviewer_id: int
    town_id: int
    reason: str
    declared_by: int | None  # the reviewer themself, or the administrator who recorded it
    declared_at: datetime


@dataclass(frozen=True)
class EvidenceView:
    id: int
    assessment_id: int
    town_id: int
    name: str  # as the town gave it
    kind: str
    sha256: str  # the bytes' name on disk
    size: int
    uploaded_by: int | None
    uploaded_at: datetime
    text_state: str  # scoring.evidence.states: pending, extracting, text, ocr, ..., failed, timed_out
    text_reason: dict[str, Any] | None  # why it failed: a message ({"id", "params"})
    text_updated_at: datetime | None

    @property
    def text_message(self):
        """Where the file's text stands, for people (a message id; "failed" says why)."""
        from scoring.evidence.states import state_message

        return state_message(self.text_state, self.text_reason)

    @property
    def text_pending(self) -> bool:
        """Extraction has not finished yet (the page refreshes until it has)."""
        from scoring.evidence.states import PENDING

        return self.text_state in PENDING


@dataclass(frozen=True)
class PassageView:
    id: int
    evidence_id: int
    passage_key: str
    page: int | None
    sheet: str | None
    paragraph: int
    text: str
    row: int | None
    page_end: int | None
    is_heading: bool
    section_path: list[str] | None

    @property
    def place(self):
        """Where the passage is, as a message id (``scoring.evidence.passages.place``)."""
        from scoring.evidence.passages import place

        return place(page=self.page, page_end=self.page_end, sheet=self.sheet, row=self.row, paragraph=self.paragraph)

    @property
    def location(self) -> str:
        """"第3页第2段", "第3–4页第5段", "工作表“台账”第5行": formatted as for a fresh passage."""
        from scoring.evidence.passages import format_location

        return format_location(page=self.page, page_end=self.page_end, sheet=self.sheet, row=self.row,
                               paragraph=self.paragraph)

    def to_passage(self, file_name: str) -> Passage:
        """The passage again, for the matcher (``scoring.evidence.match.build_index``)."""
        from scoring.evidence.passages import MAX_PASSAGE_CHARS, Passage

        path = tuple(self.section_path or ())
        top = next((h for h in path if h), None)
        return Passage(file_name=file_name, passage_id=self.passage_key, seq=max(self.id, 0), page=self.page,
                       sheet=self.sheet, row=self.row, paragraph=self.paragraph, text=self.text[:MAX_PASSAGE_CHARS],
                       is_heading=self.is_heading, section=top, section_path=path, page_end=self.page_end)


@dataclass(frozen=True)
class AuditEventView:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_key: str
    assessment_id: int | None
    town_id: int | None
    item_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    prev_hash: str
    hash: str
    request_id: str | None
    mac: str | None


@dataclass(frozen=True)
class AppealView:
    id: int
    assessment_id: int
    town_id: int
    item_id: str
    mark_id: int
    reviewer_id: int  # who gave the mark: never the one who decides
    reason: str
    attachment_name: str
    attachment_kind: str
    attachment_sha256: str
    filed_by: int | None
    filed_at: datetime
    status: str  # pending, upheld, adjusted
    reply: str
    decided_by: int | None
    decided_at: datetime | None
    inputs_before: dict[str, Any] | None
    inputs_after: dict[str, Any] | None
    arbiter_id: int | None  # the arbiter it was routed to (None: the assessment's)


@dataclass(frozen=True)
class RankingSnapshotView:
    id: int
    assessment_id: int
    version: int
    reason: str
    appeal_id: int | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class SnapshotRowView:
    id: int
    snapshot_id: int
    town_id: int
    town: str
    rank: int | None
    total: str
    grade: str


@dataclass(frozen=True)
class ResolutionView:
    id: int
    assessment_id: int
    town_id: int
    item_id: str
    rubric_version_id: int
    inputs: dict[str, Any]
    chosen_reviewer_id: int | None  # None: the mark was set by the administrator
    reason: str
    resolved_by: int | None
    resolved_at: datetime


@dataclass(frozen=True)
class ExportView:
    """A finished ZIP job: the blob holding its bytes."""

    job_id: str
    assessment_id: int
    sha256: str
    size: int
    created_at: datetime
