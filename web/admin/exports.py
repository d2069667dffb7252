"""Administrators: the results and the ranking as an Excel workbook, with every item's points."""

from __future__ import annotations

import io

from flask import send_file

from scoring.ranking_io import write_results
from scoring.services.outcomes import assessment_outcome
from scoring.store import queries
from web.admin.views import bp
from web.db import get_session
from web.permissions import role_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/assessments/<int:assessment_id>/results.xlsx")
@role_required("admin")
def results_xlsx(assessment_id: int):
    """排名 and 各项得分 sheets from the one outcome the pages and PDFs show."""
    session = get_session()
    name = queries.assessment(session, assessment_id).name  # 404 for an unknown assessment
    rubric, outcome = assessment_outcome(session, assessment_id)
    out = io.BytesIO()
    write_results(rubric, outcome, out)
    out.seek(0)
    response = send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{name}-考核结果.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
