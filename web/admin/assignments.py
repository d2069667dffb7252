"""Administrators: the assignment matrix (reviewers × items, one reviewer's items × towns),
assigning by department or from last year, conflicts of interest and reassignment."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scoring.errors import InvalidInput, NotPermitted
from scoring.services.assignments import assignment_board, reviewer_towns_board
from scoring.store import operations, queries
from web.admin.views import bp
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.security import form_id


def _back(assessment_id: int, reviewer_id: int | None = None):
    if reviewer_id is not None:
        return redirect(url_for("admin.reviewer_towns", assessment_id=assessment_id, reviewer_id=reviewer_id))
    return redirect(url_for("admin.assignments", assessment_id=assessment_id))


def _pairs(values: list[str]) -> set[tuple[str, str]]:
    """Cell values "a|b" as pairs; anything else is ignored (a form can only send what it shows)."""
    return {tuple(v.split("|", 1)) for v in values if v.count("|") == 1}  # type: ignore[misc]


def _apply(assessment_id: int, reviewer_id: int | None, change) -> object:
    """Run one change, flash what happened, and go back to the page it came from."""
    try:
        n = change()
    except (InvalidInput, NotPermitted) as exc:
        flash(_("未保存：%(reason)s", reason=translate(getattr(exc, "message", "")) or _("无权访问")), "error")
    else:
        flash(_("评分分配已更新（%(n)s 处变化）", n=n) if isinstance(n, int) else _("已保存"), "ok")
    return _back(assessment_id, reviewer_id)


@bp.get("/assessments/<int:assessment_id>/assignments")
@role_required("admin")
def assignments(assessment_id: int):
    """Reviewers × items: who scores what for every town, loads, shortfalls, conflicts."""
    return render_template("admin/assignments.html", board=assignment_board(get_session(), assessment_id))


@bp.post("/assessments/<int:assessment_id>/assignments")
@role_required("admin")
def save_matrix(assessment_id: int):
    """The matrix as sent: a shown cell is on when checked; a partly assigned cell changes only when checked."""
    form = request.form
    checked, shown = _pairs(form.getlist("cell")), _pairs(form.getlist("shown"))
    cells = {(rid, item): (r, item) in checked for r, item in shown | checked if (rid := form_id(r)) is not None}
    return _apply(assessment_id, None, lambda: operations.set_matrix(
        get_session(), actor(), assessment_id, cells, keep_marks=form.get("keep_marks") == "yes"))


@bp.get("/assessments/<int:assessment_id>/assignments/reviewers/<int:reviewer_id>")
@role_required("admin")
def reviewer_towns(assessment_id: int, reviewer_id: int):
    """One reviewer's items × towns."""
    session = get_session()
    reviewer = queries.user(session, reviewer_id)
    if reviewer is None or reviewer.role != "reviewer":
        abort(404)
    return render_template("admin/reviewer_towns.html", board=reviewer_towns_board(session, assessment_id, reviewer))


@bp.post("/assessments/<int:assessment_id>/assignments/reviewers/<int:reviewer_id>")
@role_required("admin")
def save_reviewer_towns(assessment_id: int, reviewer_id: int):
    form = request.form
    checked, shown = _pairs(form.getlist("cell")), _pairs(form.getlist("shown"))
    cells = {(item, tid): (item, t) in checked for item, t in shown | checked if (tid := form_id(t)) is not None}
    return _apply(assessment_id, reviewer_id, lambda: operations.set_reviewer_towns(
        get_session(), actor(), assessment_id, reviewer_id, cells, keep_marks=form.get("keep_marks") == "yes"))


@bp.post("/assessments/<int:assessment_id>/assignments/department")
@role_required("admin")
def assign_by_department(assessment_id: int):
    return _apply(assessment_id, None,
                  lambda: operations.assign_by_department(get_session(), actor(), assessment_id))


@bp.post("/assessments/<int:assessment_id>/assignments/copy")
@role_required("admin")
def copy_assignments(assessment_id: int):
    session = get_session()
    source = queries.previous_assessment(session, assessment_id)
    if source is None:
        abort(404)
    return _apply(assessment_id, None, lambda: operations.copy_assignments(session, actor(), assessment_id, source.id))


@bp.post("/assessments/<int:assessment_id>/conflicts")
@role_required("admin")
def record_conflict(assessment_id: int):
    form = request.form
    reviewer_id, town_id = form_id(form.get("reviewer_id")), form_id(form.get("town_id"))
    if reviewer_id is None or town_id is None:
        flash(_("请选择评分人和单位"), "error")
        return _back(assessment_id)
    return _apply(assessment_id, None, lambda: operations.declare_conflict(
        get_session(), actor(), assessment_id, reviewer_id, town_id, form.get("reason", "")))


@bp.post("/assessments/<int:assessment_id>/conflicts/<int:conflict_id>/withdraw")
@role_required("admin")
def withdraw_conflict(assessment_id: int, conflict_id: int):
    """Remove a declared or recorded conflict, with a reason: the reviewer's marks for the town count again."""
    return _apply(assessment_id, None, lambda: operations.withdraw_conflict(
        get_session(), actor(), assessment_id, conflict_id, request.form.get("reason", "")))


@bp.post("/assessments/<int:assessment_id>/conflicts/reassign")
@role_required("admin")
def reassign_town(assessment_id: int):
    """Give a conflicted reviewer's items of one town to another reviewer."""
    form = request.form
    source, target, town = (form_id(form.get(k)) for k in ("from_id", "to_id", "town_id"))
    if source is None or target is None or town is None:
        flash(_("请选择改派的评分人"), "error")
        return _back(assessment_id)
    return _apply(assessment_id, None,
                  lambda: operations.reassign_town(get_session(), actor(), assessment_id, source, target, town))
