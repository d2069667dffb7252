"""Evidence a town submits: stored under its hash, with its passages."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from scoring import phases
from scoring.evidence import EvidenceRejected
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.models import (
    Assessment,
    EvidenceFile,
    PassageRow,
)
from scoring.store.operations.base import fits, get, operation


@operation
def add_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, kind: str,
                 data: bytes, passages: list, storage: Path) -> EvidenceFile:
    """Store a checked upload under its sha256 (name kept as given) with its passages."""
    assessment = get(session, Assessment, assessment_id)
    phases.require_open(assessment.phase, "upload_evidence", assessment.deadlines)
    fits(name=(N_("文件名"), name, 255))
    digest = store_bytes(storage, data)
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


def store_bytes(storage: Path, data: bytes) -> str:
    """Write ``data`` under its sha256 (once; readers never see half a file); return the digest.

    Written to a temporary name, fsynced, then renamed. A full disk (or quota) removes the
    temporary file and raises EvidenceRejected("storage_full"): the operation rolls back,
    so no row names a file that is not there, and the next upload finds the space it left.
    """
    digest = hashlib.sha256(data).hexdigest()
    target = storage / digest[:2] / digest
    if target.exists():
        return digest
    partial = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:8]}-", suffix=".part")
        partial = Path(name)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(target)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise EvidenceRejected(N_("存储空间不足，文件未保存，请联系管理员"), code="storage_full") from exc
        raise
    return digest
