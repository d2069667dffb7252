"""Reviewers: their assignments with progress, the scoring page, and mark autosave."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from scoring import services
from scoring.errors import InvalidInput, InvalidMark
from scoring.messages import N_
from scoring.services.coverage import TownEvidence
from scoring.store import operations, queries
from web.db import get_session
from web.evidence_states import text_states
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields
from web.review.highlight import highlight
from web.review.panel import evidence_panel
from web.security import form_id

bp = Blueprint("review", __name__, url_prefix="/review")
bp.add_app_template_filter(highlight, "highlight")


@bp.get("/")
@role_required("reviewer")
def dashboard():
    """The reviewer's assessments and towns, with items scored / assigned."""
    session = get_session()
    me = current_user.user_id
    progress = services.reviewer_progress(session, me)
    assessments = queries.reviewer_assessments(session, me)
    return render_template("review/dashboard.html", progress=progress, assessments=assessments,
                           deadlines={a.id: a.deadlines for a in assessments},
                           towns={a.id: queries.assessment_towns(session, a.id) for a in assessments},
                           conflicts={a.id: queries.conflicts(session, a.id, me) for a in assessments},
                           routed=sum(a.status == "pending" for a, _ in queries.routed_appeals(session, me)))


@bp.post("/<int:assessment_id>/conflicts")
@role_required("reviewer")
def declare_conflict(assessment_id: int):
    """The reviewer declares that they belong to a town (回避), with a reason."""
    town_id = form_id(request.form.get("town_id"))
    try:
        if town_id is None:
            raise InvalidInput("town_id", N_("请选择单位"))
        operations.declare_conflict(get_session(), actor(), assessment_id, current_user.user_id, town_id,
                                    request.form.get("reason", ""))
        flash(_("已申报回避：该单位不再由您评分"), "ok")
    except InvalidInput as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
    return redirect(url_for("review.dashboard") + f"#assessment-{assessment_id}")


@bp.post("/<int:assessment_id>/conflicts/<int:conflict_id>/withdraw")
@role_required("reviewer")
def withdraw_conflict(assessment_id: int, conflict_id: int):
    """The reviewer withdraws a conflict they declared, with a reason: they score the town again."""
    try:
        operations.withdraw_conflict(get_session(), actor(), assessment_id, conflict_id,
                                     request.form.get("reason", ""))
        flash(_("已撤回回避：该单位重新由您评分"), "ok")
    except InvalidInput as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
    return redirect(url_for("review.dashboard") + f"#assessment-{assessment_id}")


@bp.get("/<int:assessment_id>/towns/<int:town_id>")
@role_required("reviewer")
def score_town(assessment_id: int, town_id: int):
    """The scoring page: assigned items, their marks, the town's evidence beside them."""
    sheet = services.scoring_sheet(get_session(), assessment_id, town_id, current_user.user_id)
    return render_template("review/score_town.html", sheet=sheet, evidence_panel=evidence_panel(sheet))


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
    if not (str(version).isascii() and str(version).isdigit()):  # "²" passes isdigit, not int()
        abort(400)
    inputs = inputs_from_fields(fields)
    # The save button (or 无扣分) confirms full marks; a keystroke in the comment does not.
    confirmed = payload.get("confirm") is True or bool(fields.get("full_marks") or fields.get("confirm"))
    try:
        saved = services.record_mark(
            get_session(), actor(), assessment_id=assessment_id, town_id=town_id, item_id=item_id,
            reviewer_id=current_user.user_id, inputs=inputs, expected_version=int(version), confirmed=confirmed,
            running_total=False)  # aggregates stay hidden from reviewers (their own item points only)
    except InvalidMark as exc:
        return jsonify({"error": "invalid", "field": exc.field, "message": translate(exc.message)}), 422
    return jsonify({"saved": True, "version": saved.version, "complete": saved.complete, "draft": saved.draft,
                    "problem": translate(saved.problem), "field": saved.problem_field,
                    "item_points": translate(saved.item_points)})


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
        {"cite": s.cite, "file": s.file.name, "where": translate(s.passage.place), "section": s.section,
         "html": str(highlight(s.passage.text, s.units))} for s in found]})


@bp.get("/<int:assessment_id>/towns/<int:town_id>/evidence/states")
@role_required("reviewer")
def evidence_states(assessment_id: int, town_id: int):
    """Where each of the town's files' text stands (JSON), own assigned towns only."""
    session = get_session()
    if town_id not in queries.assessment_towns(session, assessment_id) or not queries.assigned_items(
            session, assessment_id, current_user.user_id, town_id):
        abort(404)
    return jsonify(text_states(queries.evidence_files(session, assessment_id, town_id)))


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
    data = services.evidence_bytes(current_app.config["SETTINGS"], session, row)
    mime = _mime(row.kind)
    inline = request.args.get("inline") == "1" and mime in INLINE_TYPES
    response = send_file(io.BytesIO(data), download_name=row.name, as_attachment=not inline, mimetype=mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})


def _mime(kind: str) -> str:
    from scoring.evidence import MIME_TYPES

    return MIME_TYPES.get(kind, "application/octet-stream")


from web.review import appeals as _appeals  # noqa: E402,F401 - registers the arbiter's appeal views on ``bp``
from web.review import sheets as _sheets  # noqa: E402,F401 - registers the score sheet views on ``bp``
