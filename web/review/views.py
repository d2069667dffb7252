"""Reviewers: their assignments with progress, the scoring page, and mark autosave."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_login import current_user

from scoring import services
from scoring.errors import InvalidMark
from scoring.messages import N_
from scoring.services.coverage import TownEvidence
from scoring.store import queries
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields, needs_confirmation
from web.review.highlight import highlight, passage_place

UNCONFIRMED = {"item": N_("尚未计分：没有扣分时，请选择“无扣分（满分）”或点“保存”确认"),
               "bonus": N_("尚未计分：没有加分事项时，请选择“无加分事项”或点“保存”确认")}

bp = Blueprint("review", __name__, url_prefix="/review")
bp.add_app_template_filter(highlight, "highlight")


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
    payload = request.get_json(silent=True)
    if request.is_json and not isinstance(payload, dict):  # a list, a number, bad JSON: no mark in it
        abort(400)
    payload = payload or {}
    fields = payload.get("fields") if isinstance(payload.get("fields"), dict) else request.form.to_dict()
    version = payload.get("version", request.form.get("version", "0"))
    if not str(version).isdigit():
        abort(400)
    inputs = inputs_from_fields(fields)
    session = get_session()
    rubric = queries.assessment_rubric(session, assessment_id)
    kind = rubric.kind_of(item_id)
    method = rubric.item(item_id).method.kind if kind == "item" else None
    # The save button (or 无扣分) confirms full marks; a keystroke in the comment does not.
    confirmed = payload.get("confirm") is True or bool(fields.get("full_marks") or fields.get("confirm"))
    hold = UNCONFIRMED[kind] if needs_confirmation(kind or "", method, inputs) and not confirmed else None
    try:
        saved = services.record_mark(
            session, actor(), assessment_id=assessment_id, town_id=town_id, item_id=item_id,
            reviewer_id=current_user.user_id, inputs=inputs, expected_version=int(version), hold=hold)
    except InvalidMark as exc:
        return jsonify({"error": "invalid", "field": exc.field, "message": translate(exc.message)}), 422
    return jsonify({"saved": True, "version": saved.version, "complete": saved.complete, "draft": saved.draft,
                    "problem": translate(saved.problem), "field": saved.problem_field,
                    "item_points": translate(saved.item_points), "town_total": translate(saved.town_total)})


@bp.get("/<int:assessment_id>/towns/<int:town_id>/search")
@role_required("reviewer")
def search(assessment_id: int, town_id: int):
    """Passages of the town's evidence for the reviewer's words (JSON), own assigned towns only."""
    session = get_session()
    if town_id not in queries.assessment_towns(session, assessment_id) or not queries.assigned_items(
            session, assessment_id, current_user.user_id, town_id):
        abort(404)
    query = request.args.get("q", "")[:100]
    found = TownEvidence.load(session, assessment_id, town_id).search(query)
    return jsonify({"query": query, "results": [
        {"cite": s.cite, "file": s.file.name, "where": translate(passage_place(s.passage)), "section": s.section,
         "html": str(highlight(s.passage.text, s.units))} for s in found]})


@bp.get("/<int:assessment_id>/evidence/<int:evidence_id>")
@role_required("reviewer")
def evidence_file(assessment_id: int, evidence_id: int):
    """A town's evidence file, if the reviewer scores that town in this assessment.

    PDFs and images open in the browser (``?inline=1``), other kinds download.
    """
    session = get_session()
    row = queries.evidence_file(session, evidence_id)
    if row.assessment_id != assessment_id or not queries.assigned_items(
            session, assessment_id, current_user.user_id, row.town_id):
        abort(404)
    path = services.evidence_path(current_app.config["SETTINGS"].evidence_path, row)
    mime = _mime(row.kind)
    inline = request.args.get("inline") == "1" and mime in INLINE_TYPES
    response = send_file(path, download_name=row.name, as_attachment=not inline, mimetype=mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})


def _mime(kind: str) -> str:
    from scoring.evidence import MIME_TYPES

    return MIME_TYPES.get(kind, "application/octet-stream")
