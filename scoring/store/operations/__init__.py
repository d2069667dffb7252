"""Every write, as a named operation that audits itself in the same transaction.

Each operation commits on success and rolls back on any error, so nothing is half
applied and no change lands without its ``AuditEvent``.

One module per aggregate (users, assessments, evidence, marks); callers keep using
``operations.<name>``.
"""

from scoring.store.operations.appeals import (
    Attachment,
    decide_appeal,
    file_appeal,
    route_appeal,
    set_arbiter,
)
from scoring.store.operations.assessments import (
    create_assessment,
    save_rubric_version,
    set_deadlines,
    set_document,
    set_phase,
)
from scoring.store.operations.assignments import (
    assign,
    assign_by_department,
    copy_assignments,
    reassign_town,
    set_matrix,
    set_reviewer_towns,
    unassign,
)
from scoring.store.operations.base import operation
from scoring.store.operations.conflicts import declare_conflict, withdraw_conflict
from scoring.store.operations.evidence import (
    add_evidence,
    begin_extraction,
    finish_extraction,
    stranded_extractions,
)
from scoring.store.operations.marks import MAX_INPUTS_BYTES, SavedMarkRow, save_mark
from scoring.store.operations.people import edit_user, rename_town
from scoring.store.operations.publication import Placing, snapshot_ranking
from scoring.store.operations.resolutions import resolve_disagreement
from scoring.store.operations.rubric_change import (
    MarkSplit,
    MarkToRescore,
    apply_rubric_version,
    marks_to_rescore,
    split_marks,
)
from scoring.store.operations.users import (
    authenticate,
    change_password,
    create_district,
    create_town,
    create_user,
    end_sessions,
    reset_password,
    update_user,
)

__all__ = ["MAX_INPUTS_BYTES", "Attachment", "MarkSplit", "MarkToRescore", "apply_rubric_version", "marks_to_rescore", "split_marks", "route_appeal", "set_arbiter", "Placing", "SavedMarkRow", "add_evidence", "begin_extraction", "finish_extraction", "stranded_extractions", "assign", "assign_by_department",
           "authenticate", "copy_assignments", "declare_conflict", "reassign_town", "set_matrix", "set_reviewer_towns",
           "change_password", "create_assessment", "create_district", "create_town", "create_user", "decide_appeal",
           "edit_user", "end_sessions", "file_appeal", "operation", "rename_town", "reset_password", "resolve_disagreement", "save_mark",
           "save_rubric_version", "set_deadlines", "set_document", "set_phase", "snapshot_ranking", "unassign", "update_user",
           "withdraw_conflict"]
