"""Applying a new rubric version to a running assessment: what-if first, then one audited change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scoring.errors import PhaseClosed
from scoring.rubric.load import dump_rubric
from scoring.services import rubric_change
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.mark_frames import counting_marks
from scoring.store.models import Assessment, AuditEvent, MarkRow


def _admin(ids) -> Actor:
    return Actor(ids["users"]["admin"], "admin")


def _marked_items(db, assessment_id: int) -> list[str]:
    return sorted(set(counting_marks(db, assessment_id).table.marks["item"]))


def running_and_complete(db, ids) -> int:
    """The demo's 2024 assessment (every town scored) taken back to scoring: totals to compare."""
    aid = ids["released"]
    operations.set_phase(db, _admin(ids), aid, "review", reason="细则修订，重新评分")
    operations.set_phase(db, _admin(ids), aid, "scoring", reason="细则修订，重新评分")
    return aid


def _new_version(db, ids, assessment_id: int) -> tuple[int, str, str]:
    """A next version without one marked item (points rebalanced) and with another renamed."""
    rubric = queries.assessment_rubric(db, assessment_id)
    marked = set(_marked_items(db, assessment_id))
    data = rubric.model_dump(mode="python")
    category = next(c for c in data["categories"] if len(c["items"]) >= 2
                    and sum(i["id"] in marked for i in c["items"]) >= 2)
    removed, renamed = [i for i in category["items"] if i["id"] in marked][:2]
    category["items"].remove(removed)
    category["points"] -= removed["max_points"]
    data["total_points"] -= removed["max_points"]
    renamed["title"] += "（新）"
    text = dump_rubric(type(rubric).model_validate(data))
    row = operations.save_rubric_version(db, _admin(ids), text, file_name="next.yaml", note="删去一项")
    return row.id, removed["id"], renamed["id"]


def test_the_what_if_figures_are_the_figures_after_applying(db, ids):
    aid = running_and_complete(db, ids)
    version_id, removed, renamed = _new_version(db, ids, aid)

    shown = rubric_change.preview(db, aid, version_id)

    assert any(c.kind == "removed" for c in shown.changes)
    assert {m.item for m in shown.rescore} == {removed}  # the renamed item carries over
    rubric_change.apply(db, _admin(ids), aid, version_id, "细则修订：删去一项")
    _, now = rubric_change.current_figures(db, aid)
    after = rubric_change.effects(now, now)
    assert [(t.town, t.total_before, t.rank_before, t.grade_before) for t in after] == \
        [(t.town, t.total_after, t.rank_after, t.grade_after) for t in shown.towns]
    assert all(t.total_before is not None for t in shown.towns)  # every town ranked: real figures
    assert all(t.total_after < t.total_before for t in shown.towns if t.total_after is not None)
    assert any(t.total_after is not None for t in shown.towns)


def test_a_removed_items_marks_stop_counting_are_listed_and_keep_their_version(db, ids):
    aid = ids["scoring"]
    old_version = db.get(Assessment, aid).rubric_version_id
    version_id, removed, renamed = _new_version(db, ids, aid)
    before = db.execute(select(MarkRow.id).where(MarkRow.assessment_id == aid, MarkRow.item_id == removed,
                                                 MarkRow.complete.is_(True))).scalars().all()
    assert before

    listed = rubric_change.apply(db, _admin(ids), aid, version_id, "细则修订：删去一项")

    db.rollback()
    assert {m.item for m in listed} == {removed} and len(listed) >= len(before) > 0
    assert removed not in _marked_items(db, aid) and renamed in _marked_items(db, aid)
    kept = db.execute(select(MarkRow.rubric_version_id).where(MarkRow.id.in_(before))).scalars().all()
    assert kept == [old_version] * len(before)  # kept, with the version they were given under
    moved = db.execute(select(MarkRow.rubric_version_id).where(
        MarkRow.assessment_id == aid, MarkRow.item_id == renamed, MarkRow.complete.is_(True))).scalars().all()
    assert moved and set(moved) == {version_id}
    assert rubric_change.marks_to_rescore(db, aid) == listed  # still listed after the change
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "assessment.rubric_apply")).scalar_one()
    assert event.before == {"rubric_version_id": old_version}
    assert event.after["rubric_version_id"] == version_id and event.reason == "细则修订：删去一项"
    assert len(event.after["rescore"]) == len(listed)


def test_a_rubric_cannot_be_changed_once_review_has_begun(db, ids):
    version_id, _, _ = _new_version(db, ids, ids["scoring"])
    with pytest.raises(PhaseClosed):
        rubric_change.apply(db, _admin(ids), ids["released"], version_id, "太晚了")
