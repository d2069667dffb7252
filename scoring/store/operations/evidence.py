"""Evidence a town submits: stored under its hash, with its passages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scoring import phases
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.blobs import BlobStore
from scoring.store.models import (
    Assessment,
    EvidenceFile,
    PassageRow,
)
from scoring.store.operations.base import fits, get, operation


@operation
def add_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, kind: str,
                 data: bytes, passages: list, blobs: BlobStore) -> EvidenceFile:
    """Store a checked upload under its sha256 (name kept as given) with its passages."""
    assessment = get(session, Assessment, assessment_id)
    phases.require_open(assessment.phase, "upload_evidence", assessment.deadlines)
    fits(name=(N_("文件名"), name, 255))
    digest = blobs.put(data)  # in this transaction when the blobs are in the database
    row = EvidenceFile(assessment_id=assessment_id, town_id=town_id, name=name, kind=kind, sha256=digest,
                       size=len(data), uploaded_by=actor.id)
    session.add(row)
    session.flush()
    session.add_all(PassageRow(evidence_id=row.id, passage_key=p.passage_id, page=p.page, sheet=p.sheet,
                               paragraph=p.paragraph, text=p.text, row=p.row, page_end=p.page_end,
                               is_heading=p.is_heading, section_path=list(p.section_path) or None)
                    for p in passages)
    record(session, actor, "evidence.add", "evidence", str(row.id), assessment_id=assessment_id, town_id=town_id,
           after={"name": name, "kind": kind, "sha256": digest, "size": len(data), "passages": len(passages)})
    return row

