"""Administrators: assessments and their phases, towns, users, assignments, the audit log."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from scoring import services
from scoring.errors import InvalidInput
from scoring.phases import DEADLINE_KEYS, GRACE_KEY, PHASES
from scoring.store import operations, queries
from scoring.store.models import ROLES
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.security import form_id

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def dashboard():
    """Every assessment with its phase; the form to create one from a rubric version."""
    session = get_session()
    return render_template("admin/dashboard.html", assessments=queries.all_assessments(session),
                           versions=queries.rubric_versions(session), towns=queries.towns(session))


@bp.post("/assessments")
@role_required("admin")
def create_assessment():
    session = get_session()
    district = queries.first_district(session)
    if district is None:
        abort(409)
    # A year is an INTEGER column too: the id rule bounds it.
    year, version_id = form_id(request.form.get("year", "").strip()), form_id(request.form.get("rubric_version_id"))
    if year is None or version_id is None:
        flash(_("请填写年度并选择考核细则版本"), "error")
        return redirect(url_for("admin.dashboard"))
    town_ids = [t for t in map(form_id, request.form.getlist("town_ids")) if t is not None]
    name = request.form.get("name", "").strip() or f"{year}年度法治政府建设考核"
    try:
        row = operations.create_assessment(session, actor(), district_id=district.id, name=name, year=year,
                                           rubric_version_id=version_id, town_ids=town_ids)
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
        return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.assessment", assessment_id=row.id))




@bp.post("/assessments/<int:assessment_id>/phase")
@role_required("admin")
def set_phase(assessment_id: int):
    phase = request.form.get("phase", "")
    if phase not in PHASES:
        abort(400)
    if request.form.get("confirmed") != "yes":  # the confirmation page says what is unfinished first
        return redirect(url_for("admin.confirm_phase", assessment_id=assessment_id, phase=phase))
    try:
        operations.set_phase(get_session(), actor(), assessment_id, phase, reason=request.form.get("reason", ""))
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
        return redirect(url_for("admin.confirm_phase", assessment_id=assessment_id, phase=phase))
    flash(_("阶段已更新"), "ok")
    return redirect(url_for("admin.assessment", assessment_id=assessment_id))


@bp.post("/assessments/<int:assessment_id>/deadlines")
@role_required("admin")
def set_deadlines(assessment_id: int):
    deadlines = {key: request.form.get(f"deadline-{key}", "").strip()
                 for key in (*DEADLINE_KEYS, GRACE_KEY)}
    operations.set_deadlines(get_session(), actor(), assessment_id, deadlines)
    flash(_("截止日期已更新"), "ok")
    return redirect(url_for("admin.assessment", assessment_id=assessment_id))


@bp.get("/people")
@role_required("admin")
def people():
    """Towns and users."""
    session = get_session()
    towns = queries.towns(session)
    return render_template("admin/people.html", towns=towns, users=queries.users(session),
                           town_names={t.id: t.name for t in towns}, roles=ROLES)


@bp.post("/towns")
@role_required("admin")
def create_town():
    session = get_session()
    district = queries.first_district(session)
    name = request.form.get("name", "").strip()
    if district is None or not name:
        flash(_("请填写单位名称"), "error")
    else:
        try:
            operations.create_town(session, actor(), district.id, name)
            flash(_("已添加单位"), "ok")
        except InvalidInput as exc:  # a name already taken, too long ...: nothing changed
            flash(translate(exc.message), "error")
    return redirect(url_for("admin.people"))


@bp.post("/users")
@role_required("admin")
def create_user():
    form = request.form
    town_id = form.get("town_id", "")
    try:
        operations.create_user(get_session(), actor(), username=form.get("username", "").strip(),
                               display_name=form.get("display_name", "").strip() or form.get("username", ""),
                               password=form.get("password", ""), role=form.get("role", ""),
                               department=form.get("department", "").strip(),
                               town_id=form_id(town_id) if form.get("role") == "town" else None)
        flash(_("已添加用户"), "ok")
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
    return redirect(url_for("admin.people"))


@bp.post("/users/<int:user_id>")
@role_required("admin")
def update_user(user_id: int):
    form = request.form
    town_id = form.get("town_id", "")
    try:
        operations.update_user(get_session(), actor(), user_id, role=form.get("role") or None,
                               active=form.get("active") == "yes" if "active" in form else None,
                               department=form.get("department"),
                               town_id=form_id(town_id))
        flash(_("已更新用户"), "ok")
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
    return redirect(url_for("admin.people"))


@bp.get("/assessments/<int:assessment_id>/towns/<int:town_id>/scorecard")
@role_required("admin")
def scorecard(assessment_id: int, town_id: int):
    """Any town's scorecard, in any phase (administrators see everything)."""
    session = get_session()
    card = services.town_scorecard(session, assessment_id, town_id)
    return render_template("town/scorecard.html", card=card, assessment=queries.assessment(session, assessment_id),
                           town_id=town_id)


# ---- documents: PDFs now, the whole assessment as a ZIP in the background -------------------


@bp.get("/assessments/<int:assessment_id>/towns/<int:town_id>/scorecard.pdf")
@role_required("admin")
def scorecard_pdf(assessment_id: int, town_id: int):
    from scoring.services.documents import scorecard_pdf as render

    pdf = render(current_app.config["SETTINGS"], get_session(), assessment_id, town_id)
    name = queries.assessment_towns(get_session(), assessment_id)[town_id]
    return _pdf(pdf, f"{name}-考核结果通报.pdf")


@bp.get("/assessments/<int:assessment_id>/ranking.pdf")
@role_required("admin")
def ranking_pdf(assessment_id: int):
    from scoring.services.documents import ranking_pdf as render

    pdf = render(current_app.config["SETTINGS"], get_session(), assessment_id)
    return _pdf(pdf, f"{queries.assessment(get_session(), assessment_id).name}-排名.pdf")


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype="application/pdf")


from web.admin import appeals as _appeals  # noqa: E402,F401 - registers the appeal and publication views on ``bp``
from web.admin import assignments as _assignments  # noqa: E402,F401 - registers the assignment views on ``bp``
from web.admin import audit as _audit  # noqa: E402,F401 - registers the audit log views on ``bp``
from web.admin import coverage as _coverage  # noqa: E402,F401 - registers the coverage views on ``bp``
from web.admin import exports as _exports  # noqa: E402,F401 - registers the results workbook on ``bp``
from web.admin import issuing as _issuing  # noqa: E402,F401 - registers the issuer form on ``bp``
from web.admin import jobs as _jobs  # noqa: E402,F401 - registers the background job views on ``bp``
from web.admin import panel as _panel  # noqa: E402,F401 - the assessment page, disagreements, calibration
from web.admin import people_forms as _people_forms  # noqa: E402,F401 - registers the edit forms on ``bp``
from web.admin import rubric_change as _rubric_change  # noqa: E402,F401 - registers the rubric change views on ``bp``
from web.admin import security as _security  # noqa: E402,F401 - registers the security events page on ``bp``
