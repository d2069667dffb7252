"""Administrators' background jobs: the ZIP of all scorecards, its progress and its download."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from scoring import jobs
from scoring.services import exports
from scoring.store import queries
from web.admin.views import bp
from web.db import get_session
from web.permissions import role_required

# RQ's job states as people read them (web/static/js/job.js shows the same texts while polling).
JOB_STATES = {
    "queued": lazy_gettext("排队中"), "deferred": lazy_gettext("排队中"), "scheduled": lazy_gettext("排队中"),
    "started": lazy_gettext("生成中"), "finished": lazy_gettext("已完成"),
    "failed": lazy_gettext("失败"), "stopped": lazy_gettext("失败"), "canceled": lazy_gettext("失败"),
}

# Why a job failed, when the administrator can do something about it (scoring.jobs.problem_of).
JOB_PROBLEMS = {"storage_full": lazy_gettext("服务器存储空间不足，ZIP 未保存；请联系管理员清理空间后重新生成")}


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
    return render_template("admin/job.html", job_id=job_id, state=state, status_label=_status_label(state))


@bp.get("/jobs/<job_id>/state")
@role_required("admin")
def job_progress(job_id: str):
    state = _job_or_404(job_id)
    return jsonify({"status": state.status, "done": state.done, "total": state.total,
                    "message": str(JOB_PROBLEMS.get(state.problem, ""))})


@bp.get("/jobs/<job_id>/download")
@role_required("admin")
def job_download(job_id: str):
    """The finished job's ZIP, from the project's storage (whichever server or worker made it)."""
    session = get_session()
    export = exports.finished_export(session, job_id)  # never a result or path read from Redis
    if export is None:
        abort(404)
    name = queries.assessment(session, export.assessment_id).name
    return send_file(io.BytesIO(exports.export_bytes(current_app.config["SETTINGS"], session, export)),
                     as_attachment=True, download_name=f"{name}-考核结果通报.zip", mimetype="application/zip")


def _status_label(state: jobs.JobState) -> str:
    return str(JOB_PROBLEMS.get(state.problem) or JOB_STATES.get(state.status, _("状态未知")))


def _job_or_404(job_id: str) -> jobs.JobState:
    state = jobs.job_state(current_app.config["SETTINGS"], job_id)
    if state is None:
        abort(404)
    return state
