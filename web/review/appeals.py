"""Arbiters: the appeals an administrator routed to them, and their decisions.

The store decides who may decide (``operations.decide_appeal``): a reviewer who is not the
appeal's arbiter, or who gave the mark, is refused there whatever this page shows.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scoring.errors import InvalidInput, InvalidMark
from scoring.services import appeals as appeal_service
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields
from web.review.views import bp


@bp.get("/appeals")
@role_required("reviewer")
def appeals():
    """The appeals routed to the signed-in reviewer, pending first."""
    rows = appeal_service.routed_appeals(get_session(), current_user.user_id)
    rows.sort(key=lambda r: r.appeal.status != "pending")
    return render_template("review/appeals.html", rows=rows)


@bp.post("/appeals/<int:appeal_id>/decide")
@role_required("reviewer")
def decide_appeal(appeal_id: int):
    form = request.form
    adjust = form.get("decision") == "adjust"
    try:
        appeal_service.decide_appeal(get_session(), actor(), appeal_id, adjust=adjust, reply=form.get("reply", ""),
                                     inputs=inputs_from_fields(form.to_dict()) if adjust else None)
        flash(_("申诉已处理"), "ok")
    except (InvalidMark, InvalidInput) as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
    return redirect(url_for("review.appeals") + f"#appeal-{appeal_id}")
