"""Evidence: checking, extracting and storing a town's uploads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.evidence import detect_type, extract_passages
from scoring.settings import Settings
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.blobs import BlobStore, open_blobs
from scoring.store.views import EvidenceView


def submit_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, data: bytes,
                    blobs: BlobStore, max_bytes: int) -> EvidenceView:
    """Check an upload by content and size, extract its passages, and store it.

    Raises EvidenceRejected (nothing stored) for a wrong type, a mismatched extension,
    an oversized or unsafe file.
    """
    if town_id not in queries.assessment_towns(session, assessment_id):
        raise NotFound("town not in this assessment")
    kind = detect_type(data, name, max_bytes=max_bytes)
    passages = extract_passages(data, kind, name)
    row = operations.add_evidence(session, actor, assessment_id=assessment_id, town_id=town_id, name=name,
                                  kind=kind, data=data, passages=passages, blobs=blobs)
    return queries.evidence_file(session, row.id)


def blob_store(settings: Settings, session: Session) -> BlobStore:
    """The instance's file bytes: in the database (``session``'s) or on this machine's disk."""
    return open_blobs(session, root=settings.evidence_path, in_database=settings.blobs_in_database)


def evidence_bytes(settings: Settings, session: Session, row: EvidenceView) -> bytes:
    """The bytes of an evidence file (NotFound if they are gone)."""
    return blob_store(settings, session).get(row.sha256)
