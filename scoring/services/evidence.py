"""Evidence: checking, extracting and storing a town's uploads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from scoring.errors import NotFound
from scoring.evidence import detect_type, extract_passages, file_name
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.views import EvidenceView


def submit_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, data: bytes,
                    storage: Path, max_bytes: int) -> EvidenceView:
    """Check an upload by content and size, extract its passages, and store it.

    Raises EvidenceRejected (nothing stored) for a wrong type, a mismatched extension,
    an oversized or unsafe file.
    """
    if town_id not in queries.assessment_towns(session, assessment_id):
        raise NotFound("town not in this assessment")
    name = file_name(name)  # kept and shown without any path a crafted request put in it
    kind = detect_type(data, name, max_bytes=max_bytes)
    passages = extract_passages(data, kind, name)
    row = operations.add_evidence(session, actor, assessment_id=assessment_id, town_id=town_id, name=name,
                                  kind=kind, data=data, passages=passages, storage=storage)
    return queries.evidence_file(session, row.id)


def evidence_path(storage: Path, row: EvidenceView) -> Path:
    return storage / row.sha256[:2] / row.sha256
