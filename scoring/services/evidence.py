"""Evidence: checking, storing and extracting a town's uploads.

An upload is checked by content and size and stored at once with its text ``pending``
(``store_upload``); the extraction runs later as a background job (``scoring.jobs``), in a
child process with a time limit (``extract_stored``), which stores the passages and the
final state together and builds the town's matcher index. The demo loader and the CLI
extract at once (``submit_evidence``): their files are our own. The bytes live in the
blob store (``scoring.store.blobs``: the database, or this machine's disk).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.evidence import detect_type, file_name
from scoring.evidence.extract import extract_document
from scoring.evidence.sandbox import extract_limited
from scoring.evidence.states import reason_data
from scoring.settings import Settings
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.blobs import BlobStore, open_blobs
from scoring.store.views import EvidenceView

log = logging.getLogger(__name__)


def store_upload(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, data: bytes,
                 blobs: BlobStore, max_bytes: int) -> EvidenceView:
    """Check an upload by content and size and store it, its text still to be extracted.

    Raises EvidenceRejected (nothing stored) for a wrong type, a mismatched extension,
    an oversized or unsafe file.
    """
    if town_id not in queries.assessment_towns(session, assessment_id):
        raise NotFound("town not in this assessment")
    name = file_name(name)  # kept and shown without any path a crafted request put in it
    kind = detect_type(data, name, max_bytes=max_bytes)
    row = operations.add_evidence(session, actor, assessment_id=assessment_id, town_id=town_id, name=name,
                                  kind=kind, data=data, passages=[], blobs=blobs, text_state="pending")
    return queries.evidence_file(session, row.id)


def extract_stored(session: Session, settings: Settings, evidence_id: int) -> EvidenceView:
    """Extract a stored file's text within the time limit, store its passages and state, and
    build its town's matcher index; a file not pending (done, or taken by another run) is left."""
    row = queries.evidence_file(session, evidence_id)
    if not operations.begin_extraction(session, evidence_id):
        return row
    try:
        data = evidence_bytes(settings, session, row)
        session.rollback()  # nothing held open while the child process works
        outcome = extract_limited(data, row.kind, row.name, timeout=settings.extraction_timeout_seconds,
                                  memory_bytes=settings.extraction_memory_mb * 1024 * 1024)
    except Exception:  # noqa: BLE001 - never leave a file "extracting" for ever: say it failed
        log.exception("extraction of evidence %s failed", evidence_id)
        from scoring.evidence.sandbox import Outcome

        outcome = Outcome("failed", [])
    operations.finish_extraction(session, evidence_id, state=outcome.state, passages=outcome.passages,
                                 reason=reason_data(outcome.reason) if outcome.reason else None,
                                 seconds=outcome.seconds)
    if outcome.passages:
        from scoring.services.match_index import town_index

        town_index(session, row.assessment_id, row.town_id)  # built now, not on the first page view
    return queries.evidence_file(session, evidence_id)


def submit_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, data: bytes,
                    blobs: BlobStore, max_bytes: int) -> EvidenceView:
    """Check an upload, extract its passages here and now, and store both (demo, CLI: our own
    files). Raises EvidenceRejected (nothing stored) as ``store_upload`` does, and for a file
    the parsers cannot read."""
    if town_id not in queries.assessment_towns(session, assessment_id):
        raise NotFound("town not in this assessment")
    name = file_name(name)
    kind = detect_type(data, name, max_bytes=max_bytes)
    extraction = extract_document(data, kind, name)
    row = operations.add_evidence(session, actor, assessment_id=assessment_id, town_id=town_id, name=name,
                                  kind=kind, data=data, passages=extraction.passages, blobs=blobs,
                                  text_state=extraction.state)
    return queries.evidence_file(session, row.id)


def blob_store(settings: Settings, session: Session) -> BlobStore:
    """The instance's file bytes: in the database (``session``'s) or on this machine's disk."""
    return open_blobs(session, root=settings.evidence_path, in_database=settings.blobs_in_database)


def evidence_bytes(settings: Settings, session: Session, row: EvidenceView) -> bytes:
    """The bytes of an evidence file (NotFound if they are gone)."""
    return blob_store(settings, session).get(row.sha256)
