"""The functions shells call: load from the store, run the pure core, hand back values.

No rules and no SQL here: rules live in the core, SQL in ``scoring.store``. Every shell
(web, CLI, jobs) goes through these, so they can never disagree.
"""


from scoring.services.evidence import (
    blob_store,
    evidence_bytes,
    extract_stored,
    store_upload,
    submit_evidence,
)
from scoring.services.marks import (
    Progress,
    SavedMark,
    ScoringSheet,
    record_mark,
    reviewer_progress,
    scoring_sheet,
    town_running_total,
)
from scoring.services.outcomes import assessment_outcome, unusable_marks
from scoring.services.scorecards import assessment_documents, district_ranking, town_scorecard

__all__ = [
    "Progress", "SavedMark", "ScoringSheet", "assessment_documents", "assessment_outcome", "blob_store",
    "district_ranking", "evidence_bytes", "extract_stored", "store_upload", "record_mark", "reviewer_progress", "scoring_sheet", "submit_evidence", "town_running_total",
    "town_scorecard", "unusable_marks",
]
