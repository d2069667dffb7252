"""The ZIP of all of an assessment's scorecards and its ranking, kept in the project's storage.

A job (an RQ worker on any machine, or the one server's job thread) renders the documents,
packs them and stores the ZIP in the blob store (the database on PostgreSQL) under its job
id; any app server then serves it from there (``export_bytes``). The download never reads a
path or a result from the queue.
"""

from __future__ import annotations

import io
import zipfile

from sqlalchemy.orm import Session

from scoring.services.documents import (
    CACHE_MAX_BYTES,
    Progress,
    own_session,
    pdf_cache,
    render_assessment,
)
from scoring.services.evidence import blob_store
from scoring.settings import Settings
from scoring.store import exports
from scoring.store.views import ExportView

# A fixed time for every member: the same documents make the same bytes, hence one blob.
_MEMBER_TIME = (2000, 1, 1, 0, 0, 0)


def render_assessment_zip(settings: Settings, assessment_id: int, progress: Progress | None = None,
                          *, job_id: str, workers: int | None = None) -> str:
    """Render every scorecard of an assessment and its ranking into one ZIP, store it for
    ``job_id`` and return its sha256.

    Unchanged documents come from the PDF cache, and unchanged results make the same ZIP,
    stored once; the ZIPs of earlier, different results are dropped.
    """
    result = render_assessment(settings, assessment_id, progress=progress, workers=workers)
    buffer = io.BytesIO()
    # PDFs are compressed already: storing them is as small, and faster.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for document in result.documents:
            archive.writestr(zipfile.ZipInfo(document.name, date_time=_MEMBER_TIME), document.read())
    with own_session(settings) as session:
        digest = exports.record_export(session, blob_store(settings, session), job_id=job_id,
                                       assessment_id=assessment_id, data=buffer.getvalue())
    pdf_cache(settings).prune(CACHE_MAX_BYTES)
    return digest


def finished_export(session: Session, job_id: str) -> ExportView | None:
    """The ZIP stored for ``job_id``, or None (no such job, not finished, or superseded)."""
    return exports.export_of_job(session, job_id)


def export_bytes(settings: Settings, session: Session, export: ExportView) -> bytes:
    return blob_store(settings, session).get(export.sha256)
