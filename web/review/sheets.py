"""Reviewers' offline score sheets: download their towns × items as XLSX, upload it back."""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scoring.errors import MarksFileError, PhaseClosed
from scoring.services import score_sheets
from scoring.store import queries
from web.db import get_session
from web.errors import phase_refusal
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own(assessment_id: int) -> None:
    """Only an assessment the reviewer scores in (others: 404, as if it did not exist)."""
    if not queries.assigned_items(get_session(), assessment_id, current_user.user_id):
        abort(404)


@bp.get("/<int:assessment_id>/sheet.xlsx")
@role_required("reviewer")
def score_sheet(assessment_id: int):
    """The reviewer's score sheet: every assigned town and item, the marks as they stand."""
    _own(assessment_id)
    session = get_session()
    data = score_sheets.export_score_sheet(session, assessment_id, current_user.user_id)
    name = queries.assessment(session, assessment_id).name
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{name}-评分表.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:assessment_id>/sheet")
@role_required("reviewer")
def import_sheet(assessment_id: int):
    """Apply an edited score sheet, all or nothing: every problem is listed, nothing changes."""
    _own(assessment_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的评分表"), "error")
        return redirect(url_for("review.dashboard"))
    limit = current_app.config["SETTINGS"].max_upload_bytes
    data = upload.read(limit + 1)
    if len(data) > limit:
        abort(413)
    name = Path(upload.filename).name[:200]
    suffix = Path(name).suffix.lower() or ".xlsx"
    try:  # read from memory: a worker killed mid-import leaves no copy of the sheet on disk
        result = score_sheets.import_score_sheet(get_session(), actor(), assessment_id=assessment_id,
                                                 reviewer_id=current_user.user_id, path="sheet" + suffix,
                                                 name=name, data=data)
    except MarksFileError as exc:
        return render_template("review/sheet_problems.html", lines=exc.lines(translate),
                               assessment_id=assessment_id), 422
    except PhaseClosed as exc:
        flash(phase_refusal(exc), "error")
        return redirect(url_for("review.dashboard")), 409
    flash(_("已导入评分表：保存 %(saved)s 项，%(unchanged)s 项未改动", saved=result.saved,
            unchanged=result.unchanged), "ok")
    return redirect(url_for("review.dashboard"))
