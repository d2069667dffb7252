"""Reviewers: their assignments with progress, the scoring page, and mark autosave."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_login import current_user

from scoring import services
from scoring.errors import InvalidMark
from scoring.store import queries
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@role_required("reviewer")
def dashboard():
    """The reviewer's assessments and towns, with items scored / assigned."""
    session = get_session()
    progress = services.reviewer_progress(session, current_user.user_id)
    deadlines = {a.id: a.deadlines for a in queries.reviewer_assessments(session, current_user.user_id)}
    return render_template("review/dashboard.html", progress=progress, deadlines=deadlines)


@bp.get("/<int:assessment_id>/towns/<int:town_id>")
@role_required("reviewer")
def score_town(assessment_id: int, town_id: int):
    """The scoring page: assigned items, their marks, the town's evidence beside them."""
    sheet = services.scoring_sheet(get_session(), assessment_id, town_id, current_user.user_id)
    return render_template("review/score_town.html", sheet=sheet)


@bp.post("/<int:assessment_id>/towns/<int:town_id>/items/<item_id>/mark")
@role_required("reviewer")
def save_mark(assessment_id: int, town_id: int, item_id: str):
    """Save one mark (autosave). 409 with the current value when the edit is stale."""
    payload = request.get_json(silent=True) or {}
    fields = payload.get("fields") if isinstance(payload.get("fields"), dict) else request.form.to_dict()
    version = payload.get("version", request.form.get("version", "0"))
    if not str(version).isdigit():
        abort(400)
    try:
        saved = services.record_mark(
            get_session(), actor(), assessment_id=assessment_id, town_id=town_id, item_id=item_id,
            reviewer_id=current_user.user_id, inputs=inputs_from_fields(fields), expected_version=int(version))
    except InvalidMark as exc:
        return jsonify({"error": "invalid", "field": exc.field, "message": translate(exc.message)}), 422
    return jsonify({"saved": True, "version": saved.version, "complete": saved.complete, "draft": saved.draft,
                    "problem": translate(saved.problem), "field": saved.problem_field,
                    "item_points": translate(saved.item_points), "town_total": translate(saved.town_total)})


@bp.get("/<int:assessment_id>/evidence/<int:evidence_id>")
@role_required("reviewer")
def evidence_file(assessment_id: int, evidence_id: int):
    """Download a town's evidence file, if the reviewer scores that town in this assessment."""
    session = get_session()
    row = queries.evidence_file(session, evidence_id)
    if row.assessment_id != assessment_id or not queries.assigned_items(
            session, assessment_id, current_user.user_id, row.town_id):
        abort(404)
    path = services.evidence_path(current_app.config["SETTINGS"].evidence_path, row)
    return send_file(path, download_name=row.name, as_attachment=True, mimetype=_mime(row.kind))


def _mime(kind: str) -> str:
    from scoring.evidence import MIME_TYPES

    return MIME_TYPES.get(kind, "application/octet-stream")
