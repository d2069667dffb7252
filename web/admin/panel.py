"""Administrators: the assessment page (with what stands in the way of release), the
disagreement queue and its resolutions, and the reviewers' calibration."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scoring import phases, services
from scoring.errors import InvalidInput, InvalidMark
from scoring.services import rubric_change
from scoring.services.assignments import assignment_summary
from scoring.services.calibration import calibration_page, sensitivity_for_page
from scoring.services.disagreements import disagreement_queue, resolve, resolved_lines
from scoring.services.outcomes import assessment_towns
from scoring.services.readiness import release_blockers
from scoring.store import queries
from web.admin.ranking_page import ranking_page
from web.admin.views import bp
from web.db import get_session, session_factory
from web.i18n import translate
from web.permissions import actor, role_required
from web.review.forms import inputs_from_fields
from web.security import form_id


@bp.get("/assessments/<int:assessment_id>")
@role_required("admin")
def assessment(assessment_id: int):
    """One assessment: phase controls, what stands in the way of release, the ranking so far, assignments."""
    session = get_session()
    row = queries.assessment(session, assessment_id)
    rubric = queries.assessment_rubric(session, assessment_id)
    towns = assessment_towns(session, assessment_id)
    ranking, page = ranking_page(session, assessment_id, request.args.get("page", 1, type=int))
    asked = request.args.get("sensitivity") == "1"  # before review: only when the administrator asks
    shown = asked or phases.shows_sensitivity(row.phase)
    return render_template("admin/assessment.html", assessment=row, ranking=ranking, page=page, rubric=rubric,
                           towns=towns, town_ids={name: tid for tid, name in towns.items()},
                           board=assignment_summary(session, assessment_id),
                           unusable=services.unusable_marks(session, assessment_id),
                           blockers=release_blockers(session, assessment_id),
                           rescore=rubric_change.marks_to_rescore(session, assessment_id),
                           sensitivity=sensitivity_for_page(session, session_factory(), assessment_id) if shown else None,
                           sensitivity_asked=asked)


@bp.get("/assessments/<int:assessment_id>/disagreements")
@role_required("admin")
def disagreements(assessment_id: int):
    """Items whose reviewers' marks differ beyond the rubric's threshold, each with a resolution form."""
    session = get_session()
    assessment = queries.assessment(session, assessment_id)
    return render_template("admin/disagreements.html", assessment=assessment,
                           rubric=queries.assessment_rubric(session, assessment_id),
                           queue=disagreement_queue(session, assessment_id),
                           resolved=resolved_lines(session, assessment_id),
                           can_resolve=phases.allowed(assessment.phase, "resolve"))


@bp.post("/assessments/<int:assessment_id>/disagreements/resolve")
@role_required("admin")
def resolve_disagreement(assessment_id: int):
    """Resolve one: ``choice`` is ``reviewer:<id>`` (that mark) or ``set`` (the mark from the fields)."""
    form = request.form
    target = url_for("admin.disagreements", assessment_id=assessment_id)
    choice, town_id, item_id = form.get("choice", ""), form_id(form.get("town_id")), form.get("item_id", "")
    reviewer = form_id(choice.removeprefix("reviewer:")) if choice.startswith("reviewer:") else None
    if town_id is None or not item_id or not (choice == "set" or reviewer is not None):
        flash(_("未保存：%(reason)s", reason=_("请选择采用一位评分人的评分，或填写裁定的评分")), "error")
        return redirect(target)
    try:
        resolve(get_session(), actor(), assessment_id=assessment_id, town_id=town_id, item_id=item_id,
                reason=form.get("reason", ""), reviewer_id=None if choice == "set" else reviewer,
                inputs=inputs_from_fields(form.to_dict()) if choice == "set" else None)
    except (InvalidMark, InvalidInput) as exc:
        flash(_("未保存：%(reason)s", reason=translate(exc.message)), "error")
        return redirect(target)
    flash(_("分歧已裁定"), "ok")
    return redirect(target)


@bp.get("/assessments/<int:assessment_id>/calibration")
@role_required("admin")
def calibration(assessment_id: int):
    """How far each reviewer's marks sit from the others'; the normalised ranking beside the raw one."""
    session = get_session()
    return render_template("admin/calibration.html", assessment=queries.assessment(session, assessment_id),
                           page=calibration_page(session, assessment_id))
