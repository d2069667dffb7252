"""Finished ZIP jobs, kept in the project's own storage (the ``document_exports`` table).

A background worker stores the ZIP in the blob store and names it here under its job id;
the download reads only this table and the blob store, so whoever can write to Redis (the
queue's state) can neither point a download at a file of their choosing nor at another
blob. A ZIP is derived output, not a change of marks or results: it leaves no audit event
(which would also bump the data version and void every cached document).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scoring.store.blobs import BlobStore, release
from scoring.store.db import begin_write
from scoring.store.models import DocumentExport
from scoring.store.views import ExportView, view_of

MAX_JOB_ID = 64


def record_export(session: Session, blobs: BlobStore, *, job_id: str, assessment_id: int, data: bytes) -> str:
    """Store a job's ZIP (its bytes once, by content) and name it under ``job_id``; return the sha256.

    Earlier ZIPs of the assessment with other content are stale: their rows go, and their
    bytes too unless something else still refers to them. Committed here.
    """
    begin_write(session)
    try:
        digest = blobs.put(data)
        stale = session.execute(select(DocumentExport.sha256).where(
            DocumentExport.assessment_id == assessment_id, DocumentExport.sha256 != digest)).scalars().all()
        session.execute(delete(DocumentExport).where(DocumentExport.assessment_id == assessment_id,
                                                     DocumentExport.sha256 != digest))
        session.merge(DocumentExport(job_id=job_id[:MAX_JOB_ID], assessment_id=assessment_id, sha256=digest,
                                     size=len(data)))
        session.commit()
        if stale:  # after the commit: a file deleted from disk cannot come back with a rollback
            begin_write(session)
            for old in set(stale):
                release(session, blobs, old)
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return digest


def export_of_job(session: Session, job_id: str) -> ExportView | None:
    """The ZIP a finished job stored, or None (unknown, unfinished or superseded job)."""
    if len(job_id) > MAX_JOB_ID:
        return None
    row = session.get(DocumentExport, job_id)
    return view_of(ExportView, row) if row is not None else None
