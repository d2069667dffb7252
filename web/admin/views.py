"""Administrators: assessments and their phases, towns, users, assignments, the audit log."""

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
from flask_babel import lazy_gettext

from scoring import jobs, services
from scoring.errors import InvalidInput
from scoring.phases import DEADLINE_KEYS, GRACE_KEY, PHASES
from scoring.services import rubric_change
from scoring.services.coverage import assessment_coverage, coverage_counts, town_coverage
from scoring.store import operations, queries
from scoring.store.models import ROLES
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
# RQ's job states as people read them (web/static/js/job.js shows the same texts while polling).
JOB_STATES = {
    "queued": lazy_gettext("排队中"), "deferred": lazy_gettext("排队中"), "scheduled": lazy_gettext("排队中"),
    "started": lazy_gettext("生成中"), "finished": lazy_gettext("已完成"),
    "failed": lazy_gettext("失败"), "stopped": lazy_gettext("失败"), "canceled": lazy_gettext("失败"),
}


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
    year, version_id = request.form.get("year", "").strip(), request.form.get("rubric_version_id", "")
    if not _digits(year) or not _digits(version_id):
        flash(_("请填写年度并选择考核细则版本"), "error")
        return redirect(url_for("admin.dashboard"))
    town_ids = [int(t) for t in request.form.getlist("town_ids") if _digits(t)]
    name = request.form.get("name", "").strip() or f"{year}年度法治政府建设考核"
    try:
        row = operations.create_assessment(session, actor(), district_id=district.id, name=name, year=int(year),
                                           rubric_version_id=int(version_id), town_ids=town_ids)
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
        return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.assessment", assessment_id=row.id))


@bp.get("/assessments/<int:assessment_id>")
@role_required("admin")
def assessment(assessment_id: int):
    """One assessment: phase controls, ranking so far, assignments."""
    session = get_session()
    row = queries.assessment(session, assessment_id)
    ranking = services.district_ranking(session, assessment_id)
    rubric = queries.assessment_rubric(session, assessment_id)
    reviewers = [u for u in queries.users(session) if u.role == "reviewer"]
    towns = queries.assessment_towns(session, assessment_id)
    return render_template("admin/assessment.html", assessment=row, ranking=ranking, rubric=rubric,
                           towns=towns, town_ids={name: tid for tid, name in towns.items()},
                           assignments=queries.assignments(session, assessment_id), reviewers=reviewers,
                           users={u.id: u for u in queries.users(session)},
                           unusable=services.unusable_marks(session, assessment_id),
                           rescore=rubric_change.marks_to_rescore(session, assessment_id))


@bp.get("/assessments/<int:assessment_id>/coverage")
@role_required("admin")
def coverage(assessment_id: int):
    """Evidence coverage: every town and item (flags), or one town's items with best passages."""
    session = get_session()
    row = queries.assessment(session, assessment_id)
    town_id = request.args.get("town", type=int)
    if town_id is None:
        return render_template("admin/coverage.html", assessment=row, town=None,
                               coverage=assessment_coverage(session, assessment_id))
    towns = queries.assessment_towns(session, assessment_id)
    if town_id not in towns:
        abort(404)
    rows = town_coverage(session, assessment_id, town_id)
    return render_template("admin/coverage.html", assessment=row, town=towns[town_id], rows=rows,
                           counts=coverage_counts(rows))


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


@bp.post("/assessments/<int:assessment_id>/assignments")
@role_required("admin")
def add_assignment(assessment_id: int):
    reviewer_id = request.form.get("reviewer_id", "")
    items = request.form.getlist("item_ids")
    town_id = request.form.get("town_id", "")
    if not _digits(reviewer_id) or not items:
        flash(_("请选择评分人和考核项目"), "error")
    else:
        operations.assign(get_session(), actor(), assessment_id, int(reviewer_id), items,
                          int(town_id) if _digits(town_id) else None)
        flash(_("已分配"), "ok")
    return redirect(url_for("admin.assessment", assessment_id=assessment_id) + "#assignments")


@bp.post("/assignments/<int:assignment_id>/delete")
@role_required("admin")
def remove_assignment(assignment_id: int):
    assessment_id = request.form.get("assessment_id", "")
    operations.unassign(get_session(), actor(), assignment_id)
    return redirect(url_for("admin.assessment", assessment_id=int(assessment_id)) + "#assignments"
                    if _digits(assessment_id) else url_for("admin.dashboard"))


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
                               town_id=int(town_id) if _digits(town_id) and form.get("role") == "town" else None)
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
                               town_id=int(town_id) if _digits(town_id) else None)
        flash(_("已更新用户"), "ok")
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
    return redirect(url_for("admin.people"))


def _digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() is also true for "²" or "１", which int() refuses or misreads."""
    return value.isascii() and value.isdigit()


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


@bp.post("/assessments/<int:assessment_id>/scorecards.zip")
@role_required("admin")
def start_zip(assessment_id: int):
    """Render every scorecard and the ranking in the background; show its progress."""
    settings = current_app.config["SETTINGS"]
    queries.assessment(get_session(), assessment_id)  # 404 for an unknown assessment
    if not jobs.available(settings):
        flash(_("后台任务服务（Redis）不可用，请稍后再试或逐份下载"), "error")
        return redirect(url_for("admin.assessment", assessment_id=assessment_id))
    return redirect(url_for("admin.job", job_id=jobs.enqueue_assessment_zip(settings, assessment_id)))


@bp.get("/jobs/<job_id>")
@role_required("admin")
def job(job_id: str):
    state = _job_or_404(job_id)
    return render_template("admin/job.html", job_id=job_id, state=state,
                           status_label=str(JOB_STATES.get(state.status, _("状态未知"))))


@bp.get("/jobs/<job_id>/state")
@role_required("admin")
def job_progress(job_id: str):
    state = _job_or_404(job_id)
    return jsonify({"status": state.status, "done": state.done, "total": state.total})


@bp.get("/jobs/<job_id>/download")
@role_required("admin")
def job_download(job_id: str):
    state = _job_or_404(job_id)
    if state.status != "finished" or state.path is None or not state.path.is_file():
        abort(404)
    name = queries.assessment(get_session(), state.assessment_id).name if state.assessment_id else "scorecards"
    return send_file(state.path, as_attachment=True, download_name=f"{name}-考核结果通报.zip",
                     mimetype="application/zip")


def _job_or_404(job_id: str) -> jobs.JobState:
    state = jobs.job_state(current_app.config["SETTINGS"], job_id)
    if state is None:
        abort(404)
    return state


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype="application/pdf")


from web.admin import appeals as _appeals  # noqa: E402,F401 - registers the appeal and publication views on ``bp``
from web.admin import audit as _audit  # noqa: E402,F401 - registers the audit log views on ``bp``
from web.admin import people_forms as _people_forms  # noqa: E402,F401 - registers the edit forms on ``bp``
from web.admin import rubric_change as _rubric_change  # noqa: E402,F401 - registers the rubric change views on ``bp``
