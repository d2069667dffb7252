"""Every write, as a named operation that audits itself in the same transaction.

Each operation commits on success and rolls back on any error, so nothing is half
applied and no change lands without its ``AuditEvent``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, LoginLocked, NotFound, PhaseClosed, StaleEdit
from scoring.marks import read_mark
from scoring.messages import N_, Message
from scoring.rubric.load import parse_rubric
from scoring.store.audit import SYSTEM, Actor, record
from scoring.store.models import (
    ROLES,
    Assessment,
    AssessmentTown,
    Assignment,
    District,
    EvidenceFile,
    LoginFailure,
    MarkRow,
    PassageRow,
    RubricVersion,
    Town,
    User,
    utcnow,
)
from scoring.store.passwords import check_password, hash_password
from scoring.store.queries import rubric_of_version

MIN_YEAR, MAX_YEAR = 2000, 2100  # assessment years: a typo like 20255 is refused, not stored
P = ParamSpec("P")
R = TypeVar("R")


def operation(function: Callable[P, R]) -> Callable[P, R]:
    """Run a write in one transaction: commit on success, roll back on any error."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = args[0]  # type: ignore[assignment]
        try:
            result = function(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return wrapper


# ---- districts, towns, users -----------------------------------------------------------


@operation
def create_district(session: Session, actor: Actor, name: str) -> District:
    district = District(name=name)
    session.add(district)
    session.flush()
    record(session, actor, "district.create", "district", str(district.id), after={"name": name})
    return district


@operation
def create_town(session: Session, actor: Actor, district_id: int, name: str) -> Town:
    _fits(name=(N_("单位名称"), name, 100))
    if not name:
        raise InvalidInput("name", N_("请填写单位名称"))
    town = Town(district_id=district_id, name=name)
    session.add(town)
    try:
        session.flush()
    except IntegrityError:  # (district, name) is unique
        raise InvalidInput("name", N_("单位 %(name)s 已存在", name=name)) from None
    record(session, actor, "town.create", "town", str(town.id), after={"name": name}, town_id=town.id)
    return town


@operation
def create_user(session: Session, actor: Actor, *, username: str, display_name: str, password: str, role: str,
                department: str = "", town_id: int | None = None) -> User:
    """Create a user with a hashed password; a town leader must be bound to a town."""
    _check_role(role)
    if (role == "town") != (town_id is not None):
        raise InvalidInput("town_id", N_("单位负责人必须且只能绑定一个单位"))
    if len(password) < 8:
        raise InvalidInput("password", N_("密码至少 8 个字符"))
    _fits(username=(N_("用户名"), username, 64), display_name=(N_("姓名"), display_name, 100),
          department=(N_("部门"), department, 100))
    if not username:
        raise InvalidInput("username", N_("请填写用户名"))
    user = User(username=username, display_name=display_name, password_hash=hash_password(password), role=role,
                department=department, town_id=town_id, active=True, session_version=1)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput("username", N_("用户名 %(username)s 已被使用", username=username)) from None
    record(session, actor, "user.create", "user", str(user.id),
           after={"username": username, "role": role, "department": department, "town_id": town_id})
    return user


@operation
def update_user(session: Session, actor: Actor, user_id: int, *, role: str | None = None,
                active: bool | None = None, department: str | None = None, town_id: int | None = None) -> User:
    """Change a user's role, department, town or active flag; ends their sessions."""
    user = _get(session, User, user_id)
    before = {"role": user.role, "active": user.active, "department": user.department, "town_id": user.town_id}
    if role is not None:
        _check_role(role)
        user.role = role
        user.town_id = town_id if role == "town" else None
    if active is not None:
        user.active = active
    if department is not None:
        _fits(department=(N_("部门"), department, 100))
        user.department = department
    if user.role == "town" and user.town_id is None:
        raise InvalidInput("town_id", N_("单位负责人必须且只能绑定一个单位"))
    user.session_version += 1  # signed-in sessions of this user are void from now
    after = {"role": user.role, "active": user.active, "department": user.department, "town_id": user.town_id}
    record(session, actor, "user.update", "user", str(user.id), before=before, after=after)
    return user


@operation
def end_sessions(session: Session, actor: Actor, user_id: int) -> None:
    """Void every signed-in session of a user (logout)."""
    user = _get(session, User, user_id)
    user.session_version += 1
    record(session, actor, "user.logout", "user", str(user.id))


def authenticate(session: Session, username: str, password: str, *, remote_addr: str = "",
                 max_failures: int = 5, lockout_minutes: int = 15) -> User | None:
    """Return the active user with these credentials, or None; raise LoginLocked when locked.

    Failures are counted per username in the database, so every worker process shares the
    limit. A success does not clear earlier failures: the window simply passes.
    """
    since = utcnow() - timedelta(minutes=lockout_minutes)
    failures = session.execute(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)).scalar_one()
    if failures >= max_failures:
        session.rollback()
        raise LoginLocked(username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = user is not None and user.active and check_password(user.password_hash, password)
    if not ok:
        session.add(LoginFailure(username=username, remote_addr=remote_addr))
        record(session, SYSTEM, "login.failed", "user", username, after={"remote_addr": remote_addr})
        session.commit()
        return None
    record(session, Actor(user.id, user.username), "login", "user", str(user.id), after={"remote_addr": remote_addr})
    session.commit()
    return user


# ---- rubrics, assessments, assignments --------------------------------------------------


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
    _fits(note=(N_("说明"), note, 400))
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
    _get(session, RubricVersion, rubric_version_id)
    _fits(name=(N_("考核名称"), name, 200))
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
    assessment = _get(session, Assessment, assessment_id)
    if not phases.can_move(assessment.phase, phase):
        raise PhaseClosed(N_("阶段只能前进或后退一步，已归档的考核不能再变更"))
    before = {"phase": assessment.phase}
    if phases.withdraws_results(assessment.phase, phase):
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
    """Set the closing date (ISO yyyy-mm-dd) of phases; an empty value clears one."""
    assessment = _get(session, Assessment, assessment_id)
    clean = {}
    for phase, value in deadlines.items():
        if phase not in phases.DEADLINE_PHASES:
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
def assign(session: Session, actor: Actor, assessment_id: int, reviewer_id: int, item_ids: list[str],
           town_id: int | None = None) -> list[Assignment]:
    """Let a reviewer score these items (for every town, or one town); skips existing ones."""
    phases.require(_get(session, Assessment, assessment_id).phase, "edit_setup")
    reviewer = _get(session, User, reviewer_id)
    if reviewer.role != "reviewer":
        raise InvalidInput("reviewer_id", N_("只能给评分人分配考核项目"))
    existing = set(session.execute(
        select(Assignment.item_id).where(Assignment.assessment_id == assessment_id,
                                         Assignment.reviewer_id == reviewer_id,
                                         Assignment.town_id.is_(None) if town_id is None
                                         else Assignment.town_id == town_id)).scalars())
    rows = [Assignment(assessment_id=assessment_id, reviewer_id=reviewer_id, item_id=i, town_id=town_id)
            for i in item_ids if i not in existing]
    session.add_all(rows)
    record(session, actor, "assignment.add", "assignment", f"{assessment_id}/{reviewer_id}",
           assessment_id=assessment_id, town_id=town_id,
           after={"reviewer": reviewer.username, "items": [r.item_id for r in rows]})
    return rows


@operation
def unassign(session: Session, actor: Actor, assignment_id: int) -> None:
    row = _get(session, Assignment, assignment_id)
    # Which marks count follows the assignments: after scoring closes, results must not move.
    phases.require(_get(session, Assessment, row.assessment_id).phase, "edit_setup")
    record(session, actor, "assignment.remove", "assignment", str(row.id), assessment_id=row.assessment_id,
           town_id=row.town_id, item_id=row.item_id, before={"reviewer_id": row.reviewer_id, "item": row.item_id})
    session.execute(delete(Assignment).where(Assignment.id == row.id))


# ---- evidence and marks ------------------------------------------------------------------


@operation
def add_evidence(session: Session, actor: Actor, *, assessment_id: int, town_id: int, name: str, kind: str,
                 data: bytes, passages: list, storage: Path) -> EvidenceFile:
    """Store a checked upload under its sha256 (name kept as given) with its passages."""
    assessment = _get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "upload_evidence")
    _fits(name=(N_("文件名"), name, 255))
    digest = hashlib.sha256(data).hexdigest()
    target = storage / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # readers never see half a file
    row = EvidenceFile(assessment_id=assessment_id, town_id=town_id, name=name, kind=kind, sha256=digest,
                       size=len(data), uploaded_by=actor.id)
    session.add(row)
    session.flush()
    session.add_all(PassageRow(evidence_id=row.id, passage_key=p.passage_id, page=p.page, sheet=p.sheet,
                               paragraph=p.paragraph, text=p.text) for p in passages)
    record(session, actor, "evidence.add", "evidence", str(row.id), assessment_id=assessment_id, town_id=town_id,
           after={"name": name, "kind": kind, "sha256": digest, "size": len(data), "passages": len(passages)})
    return row


MAX_INPUTS_BYTES = 32 * 1024  # a mark's inputs as JSON, drafts included: far above any real mark


@dataclass(frozen=True)
class SavedMarkRow:
    """What a save stored: the row's version, whether a complete mark counts, and any draft."""

    version: int
    complete: bool
    inputs: dict  # the inputs that count (complete) or the draft (never complete)
    draft: dict | None  # newer inputs kept beside a complete mark, not counting yet
    problem: InvalidMark | None  # why the inputs just saved do not (yet) form a valid mark


@operation
def save_mark(session: Session, actor: Actor, *, assessment_id: int, town_id: int, item_id: str, reviewer_id: int,
              inputs: dict, expected_version: int, reason: str = "") -> SavedMarkRow:
    """Validate and write a reviewer's mark if nobody saved it since ``expected_version`` (0: new).

    The one way a mark is stored: the inputs are checked against the assessment's rubric
    version here (``marks.read_mark``), so a mark stored as complete is always valid for
    it. Inputs that are not yet a valid mark are kept as a draft and do not count; over a
    complete mark the draft is kept beside it and the complete mark keeps counting. Input
    that cannot even be a draft (too long, unknown fields) raises InvalidMark, nothing
    written. A stale edit raises StaleEdit carrying the current inputs and version. The
    audit event keeps the old and new inputs.
    """
    assessment = _get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "score")
    if len(json.dumps(inputs, ensure_ascii=False, default=str)) > MAX_INPUTS_BYTES:
        raise InvalidInput("inputs", N_("评分内容过长（不超过 %(kb)s KB）", kb=MAX_INPUTS_BYTES // 1024))
    rubric = rubric_of_version(session, assessment.rubric_version_id)
    problem = None
    try:
        read_mark(rubric, town=str(town_id), item=item_id, reviewer=str(reviewer_id), inputs=inputs)
    except InvalidMark as exc:
        if exc.refused:
            raise
        problem = exc
    row = session.execute(
        select(MarkRow).where(MarkRow.assessment_id == assessment_id, MarkRow.town_id == town_id,
                              MarkRow.item_id == item_id, MarkRow.reviewer_id == reviewer_id)
        .with_for_update()).scalar_one_or_none()
    current = row.version if row else 0
    if current != expected_version:
        raise StaleEdit(_shown(row), current, at=row.updated_at.isoformat() if row else "")
    before = {"inputs": row.inputs, "complete": row.complete, "draft": row.draft} if row else None
    if row is None:
        row = MarkRow(assessment_id=assessment_id, town_id=town_id, item_id=item_id, reviewer_id=reviewer_id,
                      rubric_version_id=assessment.rubric_version_id, version=0, complete=False)
        session.add(row)
    if problem is None:
        row.inputs, row.complete, row.draft = inputs, True, None
    elif row.complete:
        row.draft = inputs  # the last complete mark keeps counting
    else:
        row.inputs, row.draft = inputs, None
    row.version = current + 1
    row.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # a concurrent first save of the same mark won the race
        raise StaleEdit(None, 1) from None
    record(session, actor, "mark.save", "mark", f"{assessment_id}/{town_id}/{item_id}/{reviewer_id}",
           assessment_id=assessment_id, town_id=town_id, item_id=item_id, before=before,
           after={"inputs": row.inputs, "complete": row.complete, "draft": row.draft, "version": row.version},
           reason=reason)
    return SavedMarkRow(row.version, row.complete, row.inputs, row.draft, problem)


def _shown(row: MarkRow | None) -> dict | None:
    """What the reviewer last typed: the draft when there is one, else the inputs."""
    if row is None:
        return None
    return row.draft if row.draft is not None else row.inputs


def _fits(**values: tuple[Message, str, int]) -> None:
    """Refuse text longer than its column (PostgreSQL would fail; SQLite would store it).

    Each keyword is the form field; its value is (the field's name for people, text, limit).
    """
    for field, (label, value, limit) in values.items():
        if len(value) > limit:
            raise InvalidInput(field, N_("%(field)s 不能超过 %(limit)s 个字符", field=label, limit=limit))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput("role", N_("请选择角色（管理员、评分人或单位负责人）"))


def _get(session: Session, model: type, key: int):
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__} {key}")
    return row


