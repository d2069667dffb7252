"""Evidence a town submits: stored under its hash, with its passages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scoring import phases
from scoring.messages import N_
from scoring.store.audit import SYSTEM, Actor, record
from scoring.store.blobs import BlobStore
from scoring.store.models import Assessment, EvidenceFile, PassageRow, utcnow
from scoring.store.operations.base import fits, get, operation


@operation
def add_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, kind: str,
                 data: bytes, passages: list, blobs: BlobStore, text_state: str = "text") -> EvidenceFile:
    """Store a checked upload under its sha256 (name kept as given) with its passages, or
    with none yet (``text_state="pending"``: ``finish_extraction`` adds them later)."""
    assessment = get(session, Assessment, assessment_id)
    phases.require_open(assessment.phase, "upload_evidence", assessment.deadlines)
    fits(name=(N_("文件名"), name, 255))
    digest = blobs.put(data)  # in this transaction when the blobs are in the database
    row = EvidenceFile(assessment_id=assessment_id, town_id=town_id, name=name, kind=kind, sha256=digest,
                       size=len(data), uploaded_by=actor.id, text_state=text_state, text_updated_at=utcnow())
    session.add(row)
    session.flush()
    _add_passages(session, row.id, passages)
    record(session, actor, "evidence.add", "evidence", str(row.id), assessment_id=assessment_id, town_id=town_id,
           after={"name": name, "kind": kind, "sha256": digest, "size": len(data), "passages": len(passages),
                  "text_state": text_state})
    return row


def _add_passages(session: Session, evidence_id: int, passages: list) -> None:
    session.add_all(PassageRow(evidence_id=evidence_id, passage_key=p.passage_id, page=p.page, sheet=p.sheet,
                               paragraph=p.paragraph, text=p.text, row=p.row, page_end=p.page_end,
                               is_heading=p.is_heading, section_path=list(p.section_path) or None)
                    for p in passages)


@operation
def begin_extraction(session: Session, evidence_id: int) -> bool:
    """Mark a pending file as being extracted; False if it is not pending (another run took it,
    or it is done), so a job delivered twice extracts once. A passing state, not audited: the
    outcome is (``finish_extraction``)."""
    get(session, EvidenceFile, evidence_id)  # NotFound for a file that is not there
    claimed = session.execute(update(EvidenceFile).where(  # one statement: two runs cannot both claim it
        EvidenceFile.id == evidence_id, EvidenceFile.text_state == "pending")
        .values(text_state="extracting", text_updated_at=utcnow()))
    return claimed.rowcount == 1


@operation
def stranded_extractions(session: Session, *, stalled_before: datetime) -> list[int]:
    """Files whose extraction will not finish by itself, made pending again; their ids.

    A job lost with its process (the server restarted while the in-process thread held it,
    a worker killed) leaves a file ``pending`` with no job, or ``extracting`` with no one
    extracting: past ``stalled_before`` (older than the time limit allows) it is pending again.
    A pending file whose job is still queued is returned too: the claim above runs it once.
    Not audited: a passing state, like the claim."""
    session.execute(update(EvidenceFile).where(
        EvidenceFile.text_state == "extracting", EvidenceFile.text_updated_at < stalled_before)
        .values(text_state="pending", text_updated_at=utcnow()))
    return list(session.execute(select(EvidenceFile.id).where(EvidenceFile.text_state == "pending")
                                .order_by(EvidenceFile.id)).scalars())


@operation
def finish_extraction(session: Session, evidence_id: int, *, state: str, passages: list,
                      reason: dict | None = None, seconds: float = 0.0) -> EvidenceFile:
    """Store a file's passages and the state its extraction ended in, all in one transaction
    (a failed or timed-out extraction stores no passage); audited as the system's work."""
    row = get(session, EvidenceFile, evidence_id)
    if session.scalar(select(PassageRow.id).where(PassageRow.evidence_id == evidence_id).limit(1)) is None:
        _add_passages(session, evidence_id, passages)
    else:  # passages stored already (extracted once before): keep them, never twice
        passages = []
    before = row.text_state
    row.text_state, row.text_reason, row.text_updated_at = state, reason, utcnow()
    record(session, SYSTEM, "evidence.text", "evidence", str(row.id), assessment_id=row.assessment_id,
           town_id=row.town_id, before={"text_state": before},
           after={"text_state": state, "passages": len(passages), "reason": reason, "seconds": round(seconds, 2)})
    return row

