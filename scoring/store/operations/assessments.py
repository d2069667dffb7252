"""Rubric versions, assessments, their phases and deadlines (assignments: ``operations.assignments``)."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, PhaseClosed, StaleEdit
from scoring.messages import N_
from scoring.rubric.load import parse_rubric
from scoring.store.audit import Actor, record
from scoring.store.models import (
    Assessment,
    AssessmentTown,
    RubricVersion,
    Town,
    utcnow,
)
from scoring.store.operations.base import fits, get, operation
from scoring.store.operations.publication import pending_appeals

MIN_YEAR, MAX_YEAR = 2000, 2100  # assessment years: a typo like 20255 is refused, not stored


@operation
def save_rubric_version(session: Session, actor: Actor, yaml_text: str, *, file_name: str = "rubric.yaml",
                        base_version: int | None = None, note: str = "") -> RubricVersion:
    """Validate the YAML and store it as the next version of its rubric.

    The store numbers versions: the new one is the last + 1, whatever the file says.
    ``base_version`` is the version the editor started from; if a newer one was saved
    meanwhile, the save is refused (StaleEdit) instead of silently replacing it.
    Raises RubricError (nothing saved) when the file is invalid.
    """
    rubric = parse_rubric(yaml_text, file_name)
    fits(note=(N_("说明"), note, 400))
    last = session.execute(
        select(RubricVersion).where(RubricVersion.rubric_key == rubric.id)
        .order_by(RubricVersion.version.desc()).limit(1)).scalar_one_or_none()
    if base_version is not None and last is not None and last.version != base_version:
        raise StaleEdit({"yaml": last.yaml_text}, last.version)
    row = RubricVersion(rubric_key=rubric.id, version=(last.version + 1) if last else 1, title=rubric.title,
                        yaml_text=yaml_text, sha256=hashlib.sha256(yaml_text.encode()).hexdigest(),
                        note=note, created_by=actor.id)
    session.add(row)
    session.flush()
    record(session, actor, "rubric.save", "rubric", f"{rubric.id}@{row.version}",
           before={"version": last.version, "sha256": last.sha256} if last else None,
           after={"version": row.version, "sha256": row.sha256, "title": rubric.title}, reason=note)
    return row


@operation
def create_assessment(session: Session, actor: Actor, *, district_id: int, name: str, year: int,
                      rubric_version_id: int, town_ids: list[int]) -> Assessment:
    """Create an assessment on a frozen rubric version for these towns (phase: prepare)."""
    get(session, RubricVersion, rubric_version_id)
    fits(name=(N_("考核名称"), name, 200))
    if not name:
        raise InvalidInput("name", N_("请填写考核名称"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("year", N_("年度应在 %(min)s 到 %(max)s 之间", min=MIN_YEAR, max=MAX_YEAR))
    known = set(session.execute(select(Town.id).where(Town.district_id == district_id)).scalars())
    if any(t not in known for t in town_ids):
        raise InvalidInput("town_ids", N_("所选单位不属于本区"))
    assessment = Assessment(district_id=district_id, name=name, year=year, rubric_version_id=rubric_version_id,
                            phase="prepare", deadlines={}, version=1)
    session.add(assessment)
    session.flush()
    session.add_all(AssessmentTown(assessment_id=assessment.id, town_id=t) for t in town_ids)
    record(session, actor, "assessment.create", "assessment", str(assessment.id), assessment_id=assessment.id,
           after={"name": name, "year": year, "rubric_version_id": rubric_version_id, "towns": sorted(town_ids)})
    return assessment


@operation
def set_phase(session: Session, actor: Actor, assessment_id: int, phase: str, *, reason: str = "") -> Assessment:
    """Move an assessment one phase forward or back (准备→材料报送→评分→审核→发布→归档).

    Archived is final. Moving back from released withdraws the results from town leaders.
    """
    assessment = get(session, Assessment, assessment_id)
    if not phases.can_move(assessment.phase, phase):
        raise PhaseClosed(N_("阶段只能前进或后退一步，已归档的考核不能再变更"))
    before = {"phase": assessment.phase}
    if phase == "archived" and (n := pending_appeals(session, assessment_id)):  # archived could never decide them
        raise InvalidInput("phase", N_("尚有 %(n)s 件申诉未处理，不能归档", n=n))
    if phases.withdraws_results(assessment.phase, phase):
        if not reason.strip():  # the towns are told why their results disappeared
            raise InvalidInput("reason", N_("撤回已发布的结果须说明理由"))
        assessment.released_at = None
    assessment.phase = phase
    assessment.version += 1
    if phases.allowed(phase, "see_results") and assessment.released_at is None:
        assessment.released_at = utcnow()
    record(session, actor, "assessment.phase", "assessment", str(assessment.id), assessment_id=assessment.id,
           before=before, after={"phase": phase}, reason=reason)
    return assessment


@operation
def set_deadlines(session: Session, actor: Actor, assessment_id: int, deadlines: dict[str, str]) -> Assessment:
    """Set the closing date (ISO yyyy-mm-dd) of phases and the appeal window; an empty value
    clears one. ``grace_hours`` keeps late work accepted that long after a date."""
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "set_deadlines")  # an archived assessment refuses every edit
    clean: dict = {}
    for phase, value in deadlines.items():
        if phase == phases.GRACE_KEY:
            if value and not (str(value).isascii() and str(value).isdigit()
                              and int(value) <= phases.MAX_GRACE_HOURS):
                raise InvalidInput(f"deadline-{phase}", N_("宽限期应为 0 到 %(max)s 之间的整数小时",
                                                           max=phases.MAX_GRACE_HOURS))
            if value and int(value):
                clean[phase] = int(value)
            continue
        if phase not in phases.DEADLINE_KEYS:
            raise InvalidInput("deadlines", N_("未知的阶段 %(phase)s", phase=phase))
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"deadline-{phase}",
                                   N_("%(value)s 不是日期（格式：年-月-日，如 2026-03-01）", value=value)) from None
            clean[phase] = value
    before = dict(assessment.deadlines or {})
    assessment.deadlines = clean
    assessment.version += 1
    record(session, actor, "assessment.deadlines", "assessment", str(assessment.id), assessment_id=assessment.id,
           before=before, after=clean)
    return assessment


@operation
def set_document(session: Session, actor: Actor, assessment_id: int, *, issuer: str,
                 document_number: str) -> Assessment:
    """Set what the scorecards are issued under (落款, 文号); fixed once the results are released."""
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "set_document")
    issuer, document_number = issuer.strip(), document_number.strip()
    fits(issuer=(N_("落款单位"), issuer, 200), document_number=(N_("文号"), document_number, 100))
    before = {"issuer": assessment.issuer, "document_number": assessment.document_number}
    assessment.issuer, assessment.document_number = issuer, document_number
    assessment.version += 1
    record(session, actor, "assessment.document", "assessment", str(assessment.id), assessment_id=assessment.id,
           before=before, after={"issuer": issuer, "document_number": document_number})
    return assessment
