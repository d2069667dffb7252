"""Administrators: apply another version of the rubric to a running assessment, what-if first."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from scoring import phases
from scoring.points import format_points
from scoring.services import rubric_change
from scoring.store import queries
from web.admin.views import bp
from web.db import get_session
from web.permissions import actor, role_required
from web.security import form_id


@bp.get("/assessments/<int:assessment_id>/rubric")
@role_required("admin")
def rubric_what_if(assessment_id: int):
    """The versions to choose from; with ``?version=`` the diff and every town's figures under it."""
    session = get_session()
    assessment = queries.assessment(session, assessment_id)
    current = queries.rubric_version(session, assessment.rubric_version_id)
    versions = [v for v in queries.rubric_versions(session)
                if v.rubric_key == current.rubric_key and v.id != current.id]
    chosen = _chosen(request.args.get("version", ""), versions)
    shown = rubric_change.preview(session, assessment_id, chosen.id) if chosen else None
    return render_template("admin/rubric_change.html", assessment=assessment, current=current, versions=versions,
                           chosen=chosen, preview=shown, points=_points,
                           can_apply=phases.allowed(assessment.phase, "change_rubric"))


@bp.post("/assessments/<int:assessment_id>/rubric")
@role_required("admin")
def apply_rubric(assessment_id: int):
    """Apply the chosen version (one audited transaction) and list the marks to re-score."""
    session = get_session()
    version = form_id(request.form.get("rubric_version_id"))
    if version is None:
        abort(400)
    rescore = rubric_change.apply(session, actor(), assessment_id, version, request.form.get("reason", ""))
    assessment = queries.assessment(session, assessment_id)
    return render_template("admin/rubric_applied.html", assessment=assessment, rescore=rescore,
                           version=queries.rubric_version(session, assessment.rubric_version_id),
                           message=_("已更换考核细则版本"))


def _chosen(value: str, versions):
    if not value:
        return None
    chosen = form_id(value)
    if chosen is None:
        abort(400)
    found = next((v for v in versions if v.id == chosen), None)
    if found is None:
        abort(404)
    return found


def _points(cents: int | None) -> str:
    return "—" if cents is None else format_points(cents)
