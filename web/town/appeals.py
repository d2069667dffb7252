"""Town leaders appeal a mark (申诉) after release, within the appeal window."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scoring import phases, services
from scoring.errors import InvalidInput, PhaseClosed
from scoring.evidence import EvidenceRejected
from scoring.services import appeals as appeal_service
from scoring.store import queries
from web.db import get_session
from web.errors import phase_refusal, rejected_status
from web.i18n import translate
from web.permissions import actor, role_required
from web.security import form_id
from web.town.views import _own_assessment, bp


def _page(assessment, error: str = "", status: int = 200, form: dict | None = None):
    session = get_session()
    town_id = current_user.town_id
    rubric = queries.assessment_rubric(session, assessment.id)
    departments = {u.id: u.department or u.display_name for u in queries.users(session)}
    marks = [(m, _title(rubric, m.item_id), departments.get(m.reviewer_id, ""))
             for m in queries.town_mark_refs(session, assessment.id, town_id)]
    return render_template(
        "town/appeals.html", assessment=assessment, marks=marks, error=error, form=form or {},
        appeals=queries.appeals(session, assessment.id, town_id), titles={m.id: t for m, t, _d in marks},
        open=phases.open_now(assessment.phase, "appeal", assessment.deadlines),
        left=phases.time_left(assessment.deadlines, "appeal"), decisions=appeal_service.DECISIONS), status


def _title(rubric, item_id: str) -> str:
    kind = rubric.kind_of(item_id)
    if kind == "item":
        return rubric.item(item_id).title
    if kind == "veto":
        return rubric.veto(item_id).title
    return rubric.bonus_item(item_id).title if kind == "bonus" else ""


@bp.get("/<int:assessment_id>/appeals")
@role_required("town")
def appeals(assessment_id: int):
    """The town's appeals with their outcome, and the form to file one while the window is open."""
    assessment = _own_assessment(assessment_id)
    if not phases.allowed(assessment.phase, "see_results"):
        return render_template("town/not_released.html", assessment=assessment)
    return _page(assessment)


@bp.post("/<int:assessment_id>/appeals")
@role_required("town")
def file_appeal(assessment_id: int):
    assessment = _own_assessment(assessment_id)
    form = request.form
    mark_id = form.get("mark_id", "")
    upload = request.files.get("attachment")
    settings = current_app.config["SETTINGS"]
    data = upload.read(settings.max_upload_bytes + 1) if upload and upload.filename else b""
    try:
        session = get_session()
        appeal_service.file_appeal(
            session, actor(), assessment_id=assessment_id, town_id=current_user.town_id,
            mark_id=form_id(mark_id) or 0, reason=form.get("reason", ""),
            attachment_name=upload.filename if upload and upload.filename else "", attachment_data=data,
            blobs=services.blob_store(settings, session), max_bytes=settings.max_upload_bytes)
    except EvidenceRejected as exc:
        return _page(assessment, translate(exc.message), rejected_status(exc), form)
    except InvalidInput as exc:
        return _page(assessment, translate(exc.message), 400, form)
    except PhaseClosed as exc:
        return _page(assessment, phase_refusal(exc), 409, form)
    flash(_("申诉已提交"), "ok")
    return redirect(url_for("town.appeals", assessment_id=assessment_id))
