"""The text state of evidence files as the pages poll it (``static/js/evidence_states.js``)."""

from __future__ import annotations

from scoring.evidence.states import PROBLEMS
from scoring.store.views import EvidenceView
from web.i18n import translate


def text_states(files: list[EvidenceView]) -> dict:
    """Each file's state, its label in the reader's language, and whether it is still pending."""
    return {"files": [{"id": f.id, "state": f.text_state, "label": translate(f.text_message),
                       "pending": f.text_pending, "problem": f.text_state in PROBLEMS} for f in files]}
