"""Administrators: appeal decisions, publication (公示) versions and their diff, phase confirmation."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from scoring import phases, services
from scoring.errors import InvalidInput, InvalidMark
from scoring.services import appeals as appeal_service
from scoring.services.readiness import release_blockers
from scoring.store import operations, queries
from web.admin.views import bp
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields
from web.security import form_id


@bp.get("/assessments/<int:assessment_id>/appeals")
@role_required("admin")
def appeals(assessment_id: int):
    """Every appeal with its decision form; the published versions and what changed between them."""
    session = get_session()
    assessment = queries.assessment(session, assessment_id)
    rubric = queries.assessment_rubric(session, assessment_id)
    rows = queries.appeals(session, assessment_id)
    marks = {a.id: appeal_service.appeal_inputs(session, a) for a in rows}
    snapshots = queries.snapshots(session, assessment_id)
    versions = [s.version for s in snapshots]
    after = _version(request.args.get("to"), versions[-1] if versions else None)
    before = _version(request.args.get("from"), after - 1 if after else None)
    diff = (appeal_service.snapshot_diff(session, assessment_id, before, after)
            if before in versions and after in versions else None)
    return render_template("admin/appeals.html", assessment=assessment, rubric=rubric, appeals=rows, marks=marks,
                           towns=queries.assessment_towns(session, assessment_id), users=queries.users_by_id(session),
                           snapshots=snapshots, diff=diff, before=before, after=after,
                           pending=sum(a.status == "pending" for a in rows),
                           can_decide=phases.allowed(assessment.phase, "decide_appeal"),
                           arbiters=[u for u in queries.users(session) if u.role in ("admin", "reviewer") and u.active],
                           routed={a.id: queries.arbiter_of(a, assessment) for a in rows},
                           can_publish=phases.allowed(assessment.phase, "publish"))


def _version(value: str | None, default: int | None) -> int | None:
    number = form_id(value)  # a version is an INTEGER column too
    return default if number is None else number


@bp.post("/appeals/<int:appeal_id>/decide")
@role_required("admin")
def decide_appeal(appeal_id: int):
    """Uphold or adjust (the adjusted mark from the same fields as the scoring page)."""
    session = get_session()
    appeal = queries.appeal(session, appeal_id)
    form = request.form
    adjust = form.get("decision") == "adjust"
    target = url_for("admin.appeals", assessment_id=appeal.assessment_id) + f"#appeal-{appeal_id}"
    try:
        appeal_service.decide_appeal(session, actor(), appeal_id, adjust=adjust, reply=form.get("reply", ""),
                                     inputs=inputs_from_fields(form.to_dict()) if adjust else None)
    except InvalidMark as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
        return redirect(target)
    except InvalidInput as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
        return redirect(target)
    flash(_("申诉已处理"), "ok")
    return redirect(target)


@bp.post("/assessments/<int:assessment_id>/arbiter")
@role_required("admin")
def set_arbiter(assessment_id: int):
    """Designate who decides the assessment's appeals (besides administrators)."""
    try:
        operations.set_arbiter(get_session(), actor(), assessment_id, _arbiter_id())
        flash(_("申诉复核人已更新"), "ok")
    except InvalidInput as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
    return redirect(url_for("admin.appeals", assessment_id=assessment_id))


@bp.post("/appeals/<int:appeal_id>/route")
@role_required("admin")
def route_appeal(appeal_id: int):
    """Route one appeal to an arbiter (never the mark's own reviewer)."""
    session = get_session()
    appeal = queries.appeal(session, appeal_id)
    try:
        operations.route_appeal(session, actor(), appeal_id, _arbiter_id())
        flash(_("申诉已交由指定复核人"), "ok")
    except InvalidInput as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
    return redirect(url_for("admin.appeals", assessment_id=appeal.assessment_id) + f"#appeal-{appeal_id}")


def _arbiter_id() -> int | None:
    """The arbiter chosen, None for the form's empty choice ("nobody"). Any other value that is no
    id becomes 0, which names no user: the core refuses it as any unfit arbiter (it must not clear)."""
    value = request.form.get("arbiter_id", "")
    return (form_id(value) or 0) if value else None


@bp.post("/assessments/<int:assessment_id>/publish")
@role_required("admin")
def publish(assessment_id: int):
    """Confirm publication: freeze the ranking as the next version (refused with a pending appeal)."""
    try:
        row = appeal_service.publish(get_session(), actor(), assessment_id, request.form.get("reason", "").strip())
        flash(_("已确认公示（第 %(v)s 版）", v=row.version), "ok")
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
    return redirect(url_for("admin.appeals", assessment_id=assessment_id))


@bp.get("/appeals/<int:appeal_id>/attachment")
@role_required("admin")
def appeal_attachment(appeal_id: int):
    from scoring.evidence import MIME_TYPES

    session = get_session()
    appeal = queries.appeal(session, appeal_id)
    if not appeal.attachment_sha256:
        abort(404)
    data = services.blob_store(current_app.config["SETTINGS"], session).get(appeal.attachment_sha256)
    return send_file(io.BytesIO(data), download_name=appeal.attachment_name, as_attachment=True,
                     mimetype=MIME_TYPES.get(appeal.attachment_kind, "application/octet-stream"))


@bp.get("/assessments/<int:assessment_id>/phase/confirm")
@role_required("admin")
def confirm_phase(assessment_id: int):
    """Before a phase moves: what is unfinished, and a reason field (required to withdraw results)."""
    session = get_session()
    assessment = queries.assessment(session, assessment_id)
    target = request.args.get("phase", "")
    if not phases.can_move(assessment.phase, target):
        abort(409)
    return render_template("admin/confirm_phase.html", assessment=assessment, target=target,
                           blockers=release_blockers(session, assessment_id),
                           withdraws=phases.withdraws_results(assessment.phase, target))
