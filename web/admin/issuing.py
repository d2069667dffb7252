"""Administrators: what the scorecards are issued under (落款 and 文号)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from scoring.store import operations
from web.admin.views import bp
from web.db import get_session
from web.permissions import actor, role_required


@bp.post("/assessments/<int:assessment_id>/document")
@role_required("admin")
def set_document(assessment_id: int):
    operations.set_document(get_session(), actor(), assessment_id, issuer=request.form.get("issuer", ""),
                            document_number=request.form.get("document_number", ""))
    flash(_("落款和文号已更新"), "ok")
    return redirect(url_for("admin.assessment", assessment_id=assessment_id))
