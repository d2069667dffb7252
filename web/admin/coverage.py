"""Administrators: evidence coverage of every town, one town's coverage with its files and
where each file's text stands (refreshed while its extraction runs)."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request

from scoring.services.coverage import assessment_coverage, coverage_counts, town_coverage
from scoring.store import queries
from web.admin.views import bp
from web.db import get_session
from web.evidence_states import text_states
from web.permissions import role_required
from web.security import form_id


@bp.get("/assessments/<int:assessment_id>/coverage")
@role_required("admin")
def coverage(assessment_id: int):
    """Evidence coverage: every town and item (flags), or one town's items with best passages."""
    session = get_session()
    row = queries.assessment(session, assessment_id)
    town = request.args.get("town")
    if not town:
        return render_template("admin/coverage.html", assessment=row, town=None,
                               coverage=assessment_coverage(session, assessment_id))
    towns, town_id = queries.assessment_towns(session, assessment_id), form_id(town)
    if town_id not in towns:  # "１" is no town 1, nor "x" every town
        abort(404)
    rows = town_coverage(session, assessment_id, town_id)
    return render_template("admin/coverage.html", assessment=row, town=towns[town_id], town_id=town_id, rows=rows,
                           counts=coverage_counts(rows), files=queries.evidence_files(session, assessment_id, town_id))


@bp.get("/assessments/<int:assessment_id>/towns/<int:town_id>/evidence/states")
@role_required("admin")
def evidence_states(assessment_id: int, town_id: int):
    """Where each of a town's files' text stands (JSON), for the coverage page while extraction runs."""
    session = get_session()
    if town_id not in queries.assessment_towns(session, assessment_id):
        abort(404)
    return jsonify(text_states(queries.evidence_files(session, assessment_id, town_id)))
