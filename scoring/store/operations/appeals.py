"""Appeals (申诉/复核): a town files one against a mark; someone else decides it.

Filing is open while the phase allows "appeal" and the appeal deadline (with grace) has
not passed. The reviewer who gave the mark may never decide its appeal, whatever path
calls this. An adjusted mark is checked by ``marks.read_mark`` (the one validation of
marks) and replaces the mark's inputs, so every result computed afterwards uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, NotPermitted
from scoring.marks import read_mark
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.blobs import BlobStore
from scoring.store.conflicts import has_conflict, require_no_conflict
from scoring.store.history import arbiter_of
from scoring.store.models import Appeal, Assessment, MarkRow, User, utcnow
from scoring.store.operations.base import fits, get, operation
from scoring.store.queries import rubric_of_version

MAX_REASON = 2000


@dataclass(frozen=True)
class Attachment:
    """A checked upload (``scoring.evidence.detect_type`` said what it is)."""

    name: str
    kind: str
    data: bytes


@operation
def file_appeal(session: Session, actor: Actor, *, assessment_id: int, town_id: int, mark_id: int, reason: str,
                attachment: Attachment | None = None, blobs: BlobStore | None = None) -> Appeal:
    """Store a town's appeal of one complete mark of its own (one open appeal per mark)."""
    assessment = get(session, Assessment, assessment_id)
    phases.require_open(assessment.phase, "appeal", assessment.deadlines)
    mark = session.get(MarkRow, mark_id)
    if mark is None or mark.assessment_id != assessment_id or mark.town_id != town_id or not mark.complete:
        raise InvalidInput("mark_id", N_("请选择本单位的一项评分"))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", N_("请填写申诉理由"))
    fits(reason=(N_("申诉理由"), reason, MAX_REASON))
    if pending_for_mark(session, mark_id):
        raise InvalidInput("mark_id", N_("该评分已有未处理的申诉"))
    row = Appeal(assessment_id=assessment_id, town_id=town_id, item_id=mark.item_id, mark_id=mark.id,
                 reviewer_id=mark.reviewer_id, reason=reason, filed_by=actor.id, status="pending", reply="")
    if attachment is not None:
        if blobs is None:
            raise ValueError("an attachment needs the blob store")
        fits(attachment=(N_("文件名"), attachment.name, 255))
        row.attachment_name, row.attachment_kind = attachment.name, attachment.kind
        row.attachment_sha256 = blobs.put(attachment.data)
    session.add(row)
    session.flush()
    record(session, actor, "appeal.file", "appeal", str(row.id), assessment_id=assessment_id, town_id=town_id,
           item_id=mark.item_id, after={"mark": mark.id, "reviewer_id": mark.reviewer_id,
                                        "attachment": row.attachment_name}, reason=reason)
    return row


def pending_for_mark(session: Session, mark_id: int) -> bool:
    return bool(session.execute(select(func.count()).select_from(Appeal).where(
        Appeal.mark_id == mark_id, Appeal.status == "pending")).scalar_one())


@operation
def decide_appeal(session: Session, actor: Actor, appeal_id: int, *, adjust: bool, reply: str,
                  inputs: dict | None = None) -> Appeal:
    """Uphold the mark, or replace its inputs by ``inputs`` (a valid, complete mark); audited.

    Decided by an administrator or the appeal's arbiter (``arbiter_of``); refused
    (NotPermitted) to anyone else, always to the reviewer who gave the mark and to anyone
    who conflicts with the town (ConflictOfInterest); refused
    (InvalidMark, nothing changed) when the adjusted inputs are not a valid mark.
    """
    appeal = get(session, Appeal, appeal_id)
    assessment = get(session, Assessment, appeal.assessment_id)
    phases.require(assessment.phase, "decide_appeal")
    decider = session.get(User, actor.id) if actor.id is not None else None
    if decider is None or not decider.active:
        raise NotPermitted("only an administrator or the designated arbiter decides an appeal")
    if decider.id == appeal.reviewer_id:
        raise NotPermitted("the reviewer who gave the mark cannot decide its appeal")
    if decider.role != "admin" and decider.id != arbiter_of(appeal, assessment):
        raise NotPermitted("only an administrator or the designated arbiter decides an appeal")
    require_no_conflict(session, appeal.assessment_id, decider.id, appeal.town_id)
    if appeal.status != "pending":
        raise InvalidInput("appeal", N_("该申诉已处理"))
    reply = reply.strip()
    if not reply:
        raise InvalidInput("reply", N_("请填写复核意见"))
    fits(reply=(N_("复核意见"), reply, MAX_REASON))
    mark = get(session, MarkRow, appeal.mark_id)
    appeal.inputs_before = dict(mark.inputs)
    if adjust:
        if inputs is None:
            raise InvalidInput("inputs", N_("请填写调整后的评分"))
        rubric = rubric_of_version(session, assessment.rubric_version_id)
        try:
            read_mark(rubric, town=str(mark.town_id), item=mark.item_id, reviewer=str(mark.reviewer_id),
                      inputs=inputs)
        except InvalidMark as exc:
            exc.refused = True  # a decision is a complete mark or nothing: no drafts here
            raise
        before = {"inputs": mark.inputs, "complete": mark.complete, "draft": mark.draft}
        mark.inputs, mark.complete, mark.draft = inputs, True, None
        mark.version += 1
        mark.updated_at = utcnow()
        record(session, actor, "mark.adjust", "mark",
               f"{mark.assessment_id}/{mark.town_id}/{mark.item_id}/{mark.reviewer_id}",
               assessment_id=mark.assessment_id, town_id=mark.town_id, item_id=mark.item_id, before=before,
               after={"inputs": inputs, "complete": True, "version": mark.version, "appeal": appeal.id},
               reason=reply)
        appeal.inputs_after = inputs
    appeal.status = "adjusted" if adjust else "upheld"
    appeal.reply, appeal.decided_by, appeal.decided_at = reply, decider.id, utcnow()
    record(session, actor, "appeal.decide", "appeal", str(appeal.id), assessment_id=appeal.assessment_id,
           town_id=appeal.town_id, item_id=appeal.item_id, before={"status": "pending"},
           after={"status": appeal.status}, reason=reply)
    return appeal


def _arbiter(session: Session, arbiter_id: int) -> User:
    arbiter = session.get(User, arbiter_id)
    if arbiter is None or arbiter.role not in ("admin", "reviewer") or not arbiter.active:
        raise InvalidInput("arbiter_id", N_("复核人须为在用的管理员或评分人"))
    return arbiter


def _require_admin(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is None or user.role != "admin":
        raise NotPermitted("only an administrator designates an arbiter")


@operation
def route_appeal(session: Session, actor: Actor, appeal_id: int, arbiter_id: int | None) -> Appeal:
    """Route one pending appeal to an arbiter (None: back to the assessment's); audited.

    Refused for the mark's own reviewer and for anyone who conflicts with the town.
    """
    _require_admin(session, actor)
    appeal = get(session, Appeal, appeal_id)
    phases.require(get(session, Assessment, appeal.assessment_id).phase, "decide_appeal")
    if appeal.status != "pending":
        raise InvalidInput("appeal", N_("该申诉已处理"))
    name = ""
    if arbiter_id is not None:
        arbiter = _arbiter(session, arbiter_id)
        if arbiter.id == appeal.reviewer_id:
            raise InvalidInput("arbiter_id", N_("申诉不能交由给出该评分的评分人复核"))
        if has_conflict(session, appeal.assessment_id, arbiter.id, appeal.town_id):
            raise InvalidInput("arbiter_id", N_("%(name)s 与该单位存在利益冲突，不能复核", name=arbiter.display_name))
        name = arbiter.display_name
    before = {"arbiter_id": appeal.arbiter_id}
    appeal.arbiter_id = arbiter_id
    record(session, actor, "appeal.route", "appeal", str(appeal.id), assessment_id=appeal.assessment_id,
           town_id=appeal.town_id, item_id=appeal.item_id, before=before,
           after={"arbiter_id": arbiter_id, "arbiter": name})
    return appeal


@operation
def set_arbiter(session: Session, actor: Actor, assessment_id: int, arbiter_id: int | None) -> Assessment:
    """Designate who decides the assessment's appeals (besides administrators); audited."""
    _require_admin(session, actor)
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "set_deadlines")  # an archived assessment refuses every edit
    name = _arbiter(session, arbiter_id).display_name if arbiter_id is not None else ""
    before = {"arbiter_id": assessment.arbiter_id}
    assessment.arbiter_id = arbiter_id
    assessment.version += 1
    record(session, actor, "assessment.arbiter", "assessment", str(assessment.id), assessment_id=assessment.id,
           before=before, after={"arbiter_id": arbiter_id, "arbiter": name})
    return assessment
