"""Town leaders: their town's assessments, evidence upload, and the released scorecard."""

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
from flask_login import current_user

from scoring import jobs, phases, services
from scoring.errors import InvalidInput, PhaseClosed
from scoring.evidence import EvidenceRejected
from scoring.services.coverage import FLAGS, coverage_counts, town_coverage
from scoring.store import queries
from web.db import get_session
from web.errors import phase_refusal, rejected_status, too_large
from web.evidence_states import text_states
from web.i18n import translate
from web.permissions import actor, role_required

bp = Blueprint("town", __name__, url_prefix="/town")


@bp.get("/")
@role_required("town")
def dashboard():
    """The town's assessments: phase, evidence submitted, scorecard once released."""
    return _dashboard()


def _dashboard(upload_errors: dict[int, str] | None = None, status: int = 200):
    """The dashboard; ``upload_errors`` (assessment id -> message) shows beside that upload form."""
    session = get_session()
    assessments = queries.town_assessments(session, current_user.town_id)
    evidence = {a.id: queries.evidence_files(session, a.id, current_user.town_id) for a in assessments}
    return render_template("town/dashboard.html", assessments=assessments, evidence=evidence,
                           upload_errors=upload_errors or {},
                           withdrawn=queries.withdrawn_results(session, [a.id for a in assessments]),
                           max_mb=current_app.config["SETTINGS"].max_upload_bytes // (1024 * 1024)), status


@bp.get("/<int:assessment_id>/scorecard")
@role_required("town")
def scorecard(assessment_id: int):
    """The town's scorecard, only once results are released; before that, no score anywhere."""
    assessment = _own_assessment(assessment_id)
    if not phases.allowed(assessment.phase, "see_results"):
        return render_template("town/not_released.html", assessment=assessment)
    card = services.town_scorecard(get_session(), assessment_id, current_user.town_id)
    return render_template("town/scorecard.html", card=card, assessment=assessment)


@bp.get("/<int:assessment_id>/coverage")
@role_required("town")
def coverage(assessment_id: int):
    """Which items the town's evidence covers, while it can still add material (材料报送)."""
    assessment = _own_assessment(assessment_id)
    if not phases.phase_view(assessment.phase).evidence_open:
        abort(404)
    rows = town_coverage(get_session(), assessment_id, current_user.town_id)
    return render_template("town/coverage.html", assessment=assessment, rows=rows, counts=coverage_counts(rows),
                           states=FLAGS)


@bp.get("/<int:assessment_id>/scorecard.pdf")
@role_required("town")
def scorecard_pdf(assessment_id: int):
    """The released scorecard as a PDF (the same numbers as the page: one view model)."""

    from scoring.services.documents import scorecard_pdf as render

    assessment = _own_assessment(assessment_id)
    if not phases.allowed(assessment.phase, "see_results"):
        abort(404)
    pdf = render(current_app.config["SETTINGS"], get_session(), assessment_id, current_user.town_id)
    return send_file(io.BytesIO(pdf), as_attachment=True, mimetype="application/pdf",
                     download_name=f"{assessment.name}-考核结果通报.pdf")


@bp.post("/<int:assessment_id>/evidence")
@role_required("town")
def upload_evidence(assessment_id: int):
    """Submit an evidence file (材料报送 phase only); checked by content and size, stored at once,
    its text extracted by a background job (the dashboard shows how far it is)."""
    _own_assessment(assessment_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要上传的文件"), "error")
        return redirect(url_for("town.dashboard"))
    settings = current_app.config["SETTINGS"]
    data = upload.read(settings.max_upload_bytes + 1)
    try:
        session = get_session()
        row = services.store_upload(session, actor(), assessment_id=assessment_id,
                                    town_id=current_user.town_id, name=upload.filename, data=data,
                                    blobs=services.blob_store(settings, session), max_bytes=settings.max_upload_bytes)
    except EvidenceRejected as exc:  # nothing stored: the dashboard again, the reason by the form
        return _dashboard({assessment_id: translate(exc.message)}, rejected_status(exc))
    except InvalidInput as exc:
        return _dashboard({assessment_id: translate(exc.message)}, 400)
    except PhaseClosed as exc:
        return _dashboard({assessment_id: phase_refusal(exc)}, 409)
    jobs.enqueue_extraction(settings, row.id)  # the text is read in the background, within its time limit
    flash(_("已上传：%(name)s（正在提取文字，完成后可检索和引用）", name=row.name), "ok")
    return redirect(url_for("town.dashboard"))


@bp.get("/<int:assessment_id>/evidence/states")
@role_required("town")
def evidence_states(assessment_id: int):
    """Where each of the town's files' text stands (JSON), for the dashboard while extraction runs."""
    _own_assessment(assessment_id)
    return jsonify(text_states(queries.evidence_files(get_session(), assessment_id, current_user.town_id)))


@bp.errorhandler(413)
def upload_too_large(error):
    """A body over the upload limit (refused before the view runs, even before the CSRF check):
    the town leader gets the dashboard again with the limit next to the form."""
    if request.endpoint != "town.upload_evidence" or getattr(current_user, "role", None) != "town":
        return too_large(error)
    max_mb = current_app.config["SETTINGS"].max_upload_bytes // (1024 * 1024)
    return _dashboard({request.view_args["assessment_id"]: _("文件过大（上限 %(mb)s MB）", mb=max_mb)}, 413)


@bp.get("/<int:assessment_id>/evidence/<int:evidence_id>")
@role_required("town")
def evidence_file(assessment_id: int, evidence_id: int):
    _own_assessment(assessment_id)
    row = queries.evidence_file(get_session(), evidence_id)
    if row.town_id != current_user.town_id or row.assessment_id != assessment_id:
        abort(404)
    from scoring.evidence import MIME_TYPES

    data = services.evidence_bytes(current_app.config["SETTINGS"], get_session(), row)
    return send_file(io.BytesIO(data), download_name=row.name, as_attachment=True,
                     mimetype=MIME_TYPES.get(row.kind, "application/octet-stream"))


def _own_assessment(assessment_id: int):
    """The assessment, if the leader's town takes part in it; 404 otherwise."""
    session = get_session()
    assessment = queries.assessment(session, assessment_id)
    if current_user.town_id not in queries.assessment_towns(session, assessment_id):
        abort(404)
    return assessment


@bp.get("/report.css")
def report_css():
    """The scorecard's own stylesheet, so the page looks like the PDF (no data in it)."""
    from importlib.resources import files

    css = files("scoring.report").joinpath("static/scorecard.css")
    return current_app.response_class(css.read_bytes() if css.is_file() else b"", mimetype="text/css")


from web.town import appeals as _appeals  # noqa: E402,F401 - registers the appeal views on ``bp``
