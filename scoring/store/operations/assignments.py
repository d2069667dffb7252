"""Assignments (who scores which item for which towns) and conflicts of interest (回避).

Every change goes through ``_rewrite``: it compares what a reviewer has with what they
are to have, stores each item either as one row for every town or as one row per town,
and audits what changed in one line per reviewer and set of towns ("assigned 司法局 李四
A1–A4 for 8 towns"). Assignments change only while the phase allows setup edits: which
marks count follows them. A removed assignment's marks stop counting unless the
administrator keeps them (``keep_marks``, audited).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from scoring import assignments as plan
from scoring import phases
from scoring.errors import ConflictOfInterest, InvalidInput
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.conflicts import conflicted_towns, require_no_conflict
from scoring.store.models import (
    Assessment,
    AssessmentTown,
    Assignment,
    Conflict,
    MarkRow,
    Town,
    User,
)
from scoring.store.operations.base import get, operation
from scoring.store.queries import rubric_of_version

Coverage = dict[str, set[int]]  # item id -> town ids


def _setup(session: Session, assessment_id: int) -> tuple[Assessment, list[int]]:
    """The assessment, refused unless its setup may change, and its town ids."""
    assessment = get(session, Assessment, assessment_id)
    phases.require(assessment.phase, "edit_setup")
    towns = list(session.execute(select(AssessmentTown.town_id).where(
        AssessmentTown.assessment_id == assessment_id)).scalars())
    return assessment, towns


def _reviewer(session: Session, reviewer_id: int) -> User:
    reviewer = get(session, User, reviewer_id)
    if reviewer.role != "reviewer" or not reviewer.active:
        raise InvalidInput("reviewer_id", N_("只能给评分人分配考核项目"))
    return reviewer


def _coverage(session: Session, assessment_id: int, reviewer_id: int, towns: list[int]) -> Coverage:
    rows = session.execute(select(Assignment.item_id, Assignment.town_id).where(
        Assignment.assessment_id == assessment_id, Assignment.reviewer_id == reviewer_id)).all()
    out: Coverage = {}
    for item, town in rows:
        out.setdefault(item, set()).update(towns if town is None else [town])
    return out


def _rewrite(session: Session, actor: Actor, assessment: Assessment, towns: list[int], reviewer: User,
             wanted: Coverage, *, how: str, keep_marks: bool = False, named: bool = False) -> int:
    """Make the reviewer's assignments ``wanted`` (items not named keep theirs); return cells changed.

    Towns the reviewer conflicts with are left out of "every town"; ``named`` (towns chosen
    one by one) refuses them instead.
    """
    known = set(plan.assignable_ids(rubric_of_version(session, assessment.rubric_version_id)))
    if unknown := sorted(set(wanted) - known):
        raise InvalidInput("item_ids", N_("考核细则中没有项目 %(items)s", items="、".join(unknown)))
    barred = conflicted_towns(session, assessment.id, reviewer.id)
    everywhere = set(towns) - barred
    current = _coverage(session, assessment.id, reviewer.id, towns)
    added: dict[tuple[int, ...] | None, list[str]] = {}
    removed: dict[tuple[int, ...] | None, list[str]] = {}
    changed = 0
    for item, target in wanted.items():
        target = set(target)
        if named and target & barred:
            require_no_conflict(session, assessment.id, reviewer.id, min(target & barred))
        had = current.get(item, set()) - barred
        target -= barred
        if target == had:
            continue
        session.execute(delete(Assignment).where(Assignment.assessment_id == assessment.id,
                                                 Assignment.reviewer_id == reviewer.id, Assignment.item_id == item))
        rows = [None] if target and target >= everywhere else sorted(target)
        session.add_all(Assignment(assessment_id=assessment.id, reviewer_id=reviewer.id, item_id=item, town_id=t)
                        for t in rows)
        for towns_changed, bucket in ((target - had, added), (had - target, removed)):
            if towns_changed:
                key = None if towns_changed >= everywhere else tuple(sorted(towns_changed))
                bucket.setdefault(key, []).append(item)
                changed += len(towns_changed)
        if had - target:
            _withdraw(session, actor, assessment, reviewer, item, had - target, keep_marks)
    for action, bucket in (("assignment.add", added), ("assignment.remove", removed)):
        for key, items in bucket.items():
            record(session, actor, action, "assignment", f"{assessment.id}/{reviewer.id}",
                   assessment_id=assessment.id, town_id=key[0] if key and len(key) == 1 else None,
                   after={"reviewer_id": reviewer.id, "reviewer": reviewer.display_name, "items": items,
                          "towns": list(key) if key else None, "all_towns": len(everywhere), "how": how})
    session.flush()
    return changed


def _withdraw(session: Session, actor: Actor, assessment: Assessment, reviewer: User, item: str, towns: set[int],
              keep: bool) -> None:
    """The marks of a removed assignment stop counting, or, kept by the administrator, go on counting."""
    marks = select(MarkRow.id).where(MarkRow.assessment_id == assessment.id, MarkRow.reviewer_id == reviewer.id,
                                     MarkRow.item_id == item, MarkRow.town_id.in_(towns), MarkRow.complete.is_(True))
    ids = list(session.execute(marks).scalars())
    if not ids:
        return
    session.execute(update(MarkRow).where(MarkRow.id.in_(ids)).values(kept=keep))
    if keep:
        record(session, actor, "marks.keep", "assignment", f"{assessment.id}/{reviewer.id}",
               assessment_id=assessment.id, item_id=item,
               after={"reviewer": reviewer.display_name, "items": [item], "marks": len(ids),
                      "towns": sorted(towns)})


@operation
def assign(session: Session, actor: Actor, assessment_id: int, reviewer_id: int, item_ids: list[str],
           town_id: int | None = None) -> int:
    """Let a reviewer score these items (for every town, or one town); keeps what they have."""
    assessment, towns = _setup(session, assessment_id)
    reviewer = _reviewer(session, reviewer_id)
    if town_id is not None and town_id not in towns:
        raise InvalidInput("town_id", N_("所选单位不属于本考核"))
    current = _coverage(session, assessment_id, reviewer_id, towns)
    wanted = {i: current.get(i, set()) | (set(towns) if town_id is None else {town_id}) for i in item_ids}
    return _rewrite(session, actor, assessment, towns, reviewer, wanted, how="form", named=town_id is not None)


@operation
def unassign(session: Session, actor: Actor, assignment_id: int, *, keep_marks: bool = False) -> None:
    """Remove one assignment row (its marks stop counting unless ``keep_marks``)."""
    row = get(session, Assignment, assignment_id)
    assessment, towns = _setup(session, row.assessment_id)
    reviewer = get(session, User, row.reviewer_id)
    current = _coverage(session, assessment.id, reviewer.id, towns)
    gone = set(towns) if row.town_id is None else {row.town_id}
    _rewrite(session, actor, assessment, towns, reviewer, {row.item_id: current.get(row.item_id, set()) - gone},
             how="form", keep_marks=keep_marks)


@operation
def set_matrix(session: Session, actor: Actor, assessment_id: int, cells: dict[tuple[int, str], bool], *,
               keep_marks: bool = False) -> int:
    """The reviewer × item matrix: each (reviewer, item) given is on for every town or off."""
    assessment, towns = _setup(session, assessment_id)
    by_reviewer: dict[int, Coverage] = {}
    for (reviewer_id, item), on in cells.items():
        by_reviewer.setdefault(reviewer_id, {})[item] = set(towns) if on else set()
    return sum(_rewrite(session, actor, assessment, towns, _reviewer(session, r), wanted, how="matrix",
                        keep_marks=keep_marks) for r, wanted in sorted(by_reviewer.items()))


@operation
def set_reviewer_towns(session: Session, actor: Actor, assessment_id: int, reviewer_id: int,
                       cells: dict[tuple[str, int], bool], *, keep_marks: bool = False) -> int:
    """One reviewer's item × town matrix: each (item, town) given is on or off."""
    assessment, towns = _setup(session, assessment_id)
    reviewer = _reviewer(session, reviewer_id)
    current = _coverage(session, assessment_id, reviewer_id, towns)
    wanted: Coverage = {}
    for (item, town), on in cells.items():
        if town not in towns:
            raise InvalidInput("town_id", N_("所选单位不属于本考核"))
        target = wanted.setdefault(item, set(current.get(item, set())))
        (target.add if on else target.discard)(town)
    return _rewrite(session, actor, assessment, towns, reviewer, wanted, how="towns", keep_marks=keep_marks,
                    named=True)


@operation
def assign_by_department(session: Session, actor: Actor, assessment_id: int) -> int:
    """Each item to every active reviewer of its responsible department, for every town (adds only)."""
    assessment, towns = _setup(session, assessment_id)
    reviewers = {u.id: u for u in session.execute(select(User).where(User.role == "reviewer", User.active.is_(True)))
                 .scalars()}
    proposal = plan.department_plan(rubric_of_version(session, assessment.rubric_version_id),
                                    {r.id: r.department for r in reviewers.values()})
    changed = 0
    for reviewer_id, reviewer in sorted(reviewers.items()):
        items = [item for item, who in proposal.items() if reviewer_id in who]
        if items:
            changed += _rewrite(session, actor, assessment, towns, reviewer, {i: set(towns) for i in items},
                                how="department")
    return changed


@operation
def copy_assignments(session: Session, actor: Actor, assessment_id: int, source_id: int) -> int:
    """Add last year's assignments (and declared conflicts): items this rubric still has, towns
    this assessment still has, reviewers still active."""
    assessment, towns = _setup(session, assessment_id)
    known = set(plan.assignable_ids(rubric_of_version(session, assessment.rubric_version_id)))
    for conflict in session.execute(select(Conflict).where(Conflict.assessment_id == source_id)).scalars().all():
        if conflict.town_id in towns and not session.execute(select(Conflict.id).where(
                Conflict.assessment_id == assessment_id, Conflict.reviewer_id == conflict.reviewer_id,
                Conflict.town_id == conflict.town_id)).first():
            copied = Conflict(assessment_id=assessment_id, reviewer_id=conflict.reviewer_id,
                              town_id=conflict.town_id, reason=conflict.reason, declared_by=actor.id)
            session.add(copied)
            session.flush()
            record(session, actor, "conflict.declare", "conflict", str(copied.id), assessment_id=assessment_id,
                   town_id=conflict.town_id, reason=conflict.reason,
                   after={"reviewer_id": conflict.reviewer_id, "reviewer": get(session, User, conflict.reviewer_id)
                          .display_name, "town": get(session, Town, conflict.town_id).name, "by_admin": True,
                          "copied_from": source_id})
    source_towns = list(session.execute(select(AssessmentTown.town_id).where(
        AssessmentTown.assessment_id == source_id)).scalars())
    changed = 0
    reviewer_ids = sorted(set(session.execute(select(Assignment.reviewer_id).where(
        Assignment.assessment_id == source_id)).scalars()))
    for reviewer_id in reviewer_ids:
        reviewer = get(session, User, reviewer_id)
        if reviewer.role != "reviewer" or not reviewer.active:
            continue
        then = _coverage(session, source_id, reviewer_id, towns)
        if every := {i for i, ts in then.items() if ts >= set(source_towns) & set(towns)}:
            then.update({i: set(towns) for i in every})  # "every town" last year is every town now
        now = _coverage(session, assessment_id, reviewer_id, towns)
        wanted = {i: now.get(i, set()) | (ts & set(towns)) for i, ts in then.items() if i in known}
        changed += _rewrite(session, actor, assessment, towns, reviewer, wanted, how="copy")
    return changed


@operation
def reassign_town(session: Session, actor: Actor, assessment_id: int, from_id: int, to_id: int,
                  town_id: int) -> int:
    """Give one town's items of a reviewer (a conflicted one, usually) to another reviewer."""
    assessment, towns = _setup(session, assessment_id)
    source, target = get(session, User, from_id), _reviewer(session, to_id)
    if from_id == to_id:
        raise InvalidInput("to_id", N_("请选择另一位评分人"))
    items = [i for i, ts in _coverage(session, assessment_id, from_id, towns).items() if town_id in ts]
    if not items:
        raise InvalidInput("from_id", N_("%(name)s 在该单位没有评分项目", name=source.display_name))
    now = _coverage(session, assessment_id, to_id, towns)
    return _rewrite(session, actor, assessment, towns, target, {i: now.get(i, set()) | {town_id} for i in items},
                    how="reassign", named=True)


__all__ = ["ConflictOfInterest", "assign", "assign_by_department", "copy_assignments", "reassign_town",
           "set_matrix", "set_reviewer_towns", "unassign"]
