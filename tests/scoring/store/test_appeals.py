"""Appeals, publication snapshots, deadlines and the archived phase (real databases)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scoring import phases
from scoring.errors import InvalidInput, InvalidMark, NotPermitted, PhaseClosed
from scoring.services import appeals as appeal_service
from scoring.services import blob_store, submit_evidence, town_scorecard
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import AuditEvent, MarkRow

TOWN = "新城镇"


def actor(ids, username: str) -> Actor:
    return Actor(ids["users"][username], username)


def lost_mark(db, ids, reviewer: str = "zhengwu") -> MarkRow:
    """A mark of 新城镇 in the released assessment that deducted points (so adjusting it matters)."""
    rows = db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["released"], MarkRow.town_id == ids["towns"][TOWN],
        MarkRow.reviewer_id == ids["users"][reviewer], MarkRow.complete.is_(True))).scalars()
    return next(r for r in rows if r.inputs.get("deductions"))


def file(db, ids, mark: MarkRow, reason: str = "该项已按要求整改，材料见附件"):
    return appeal_service.file_appeal(db, actor(ids, "xincheng"), assessment_id=ids["released"],
                                      town_id=ids["towns"][TOWN], mark_id=mark.id, reason=reason)


def test_an_appeal_decided_by_the_reviewer_who_gave_the_mark_is_refused(db, ids):
    mark = lost_mark(db, ids)
    original = copy.deepcopy(mark.inputs)
    appeal = file(db, ids, mark)
    with pytest.raises(NotPermitted):
        appeal_service.decide_appeal(db, actor(ids, "zhengwu"), appeal.id, adjust=True, reply="我改一下", inputs={})
    assert queries.appeal(db, appeal.id).status == "pending"
    db.expire_all()
    assert db.get(MarkRow, mark.id).inputs == original  # the mark did not move

    with pytest.raises(NotPermitted):  # a reviewer decides only appeals routed to them
        appeal_service.decide_appeal(db, actor(ids, "fazhiban"), appeal.id, adjust=False, reply="扣分有据")
    operations.route_appeal(db, actor(ids, "admin"), appeal.id, ids["users"]["fazhiban"])
    decided = appeal_service.decide_appeal(db, actor(ids, "fazhiban"), appeal.id, adjust=False, reply="扣分有据")
    assert (decided.status, decided.decided_by) == ("upheld", ids["users"]["fazhiban"])


def test_an_adjusted_mark_counts_is_audited_and_the_scorecard_states_the_outcome(db, ids):
    mark = lost_mark(db, ids)
    original = copy.deepcopy(mark.inputs)
    before = town_scorecard(db, ids["released"], ids["towns"][TOWN])
    appeal = file(db, ids, mark)
    appeal_service.decide_appeal(db, actor(ids, "admin"), appeal.id, adjust=True, reply="整改材料属实，不扣分",
                                 inputs={"comment": "复核后不扣分"})
    after = town_scorecard(db, ids["released"], ids["towns"][TOWN])
    assert float(after.total) > float(before.total)  # results recomputed with the adjusted mark
    line = after.appeals[0]
    assert (line.decision, line.reply) == ("调整评分", "整改材料属实，不扣分")
    assert line.points_before != line.points_after and line.item.startswith(mark.item_id)
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "mark.adjust")).scalar_one()
    assert (event.actor_name, event.before["inputs"], event.reason) == ("admin", original, "整改材料属实，不扣分")


def test_an_adjustment_that_is_not_a_valid_mark_changes_nothing(db, ids):
    mark = lost_mark(db, ids)
    original = copy.deepcopy(mark.inputs)
    appeal = file(db, ids, mark)
    with pytest.raises(InvalidMark):
        appeal_service.decide_appeal(db, actor(ids, "admin"), appeal.id, adjust=True, reply="调整",
                                     inputs={"deductions": [{"rule": "no-such-rule", "count": 1}]})
    assert queries.appeal(db, appeal.id).status == "pending"
    db.expire_all()
    assert db.get(MarkRow, mark.id).inputs == original


def test_publication_is_refused_while_an_appeal_is_pending(db, ids):
    appeal = file(db, ids, lost_mark(db, ids))
    with pytest.raises(InvalidInput) as refused:
        appeal_service.publish(db, actor(ids, "admin"), ids["released"])
    assert "1 件申诉未处理" in str(refused.value.message)
    assert queries.snapshots(db, ids["released"]) == []
    appeal_service.decide_appeal(db, actor(ids, "admin"), appeal.id, adjust=False, reply="维持")
    assert appeal_service.publish(db, actor(ids, "admin"), ids["released"]).version == 1


def test_an_appeal_decided_after_publication_makes_v2_and_the_diff_says_who_moved_and_why(db, ids):
    admin = actor(ids, "admin")
    v1 = appeal_service.publish(db, admin, ids["released"])
    was = next(r for r in queries.snapshot_rows(db, v1.id) if r.town == TOWN)
    appeal = file(db, ids, lost_mark(db, ids))
    appeal_service.decide_appeal(db, admin, appeal.id, adjust=True, reply="整改材料属实", inputs={})
    assert [s.version for s in queries.snapshots(db, ids["released"])] == [1, 2]
    moves = {m.town: m for m in appeal_service.snapshot_diff(db, ids["released"], 1, 2)}
    mine = moves[TOWN]
    assert (mine.total_before, mine.rank_before) == (was.total, was.rank)
    assert float(mine.total_after) > float(was.total) and mine.total_change.startswith("+")
    assert any("整改材料属实" in str(w) for w in mine.why)
    others = [m for name, m in moves.items() if name != TOWN]
    assert all("名次随其他单位" in str(m.why[0]) for m in others)  # moved only because 新城镇 did
    assert v1.version == 1 and next(r for r in queries.snapshot_rows(db, v1.id) if r.town == TOWN) == was  # frozen


def test_a_town_cannot_appeal_another_towns_mark_or_without_a_reason(db, ids):
    other = db.execute(select(MarkRow).where(MarkRow.assessment_id == ids["released"],
                                             MarkRow.town_id == ids["towns"]["东港镇"])).scalars().first()
    with pytest.raises(InvalidInput):
        file(db, ids, other)
    with pytest.raises(InvalidInput):
        file(db, ids, lost_mark(db, ids), reason="  ")
    assert queries.appeals(db, ids["released"]) == []


def test_appeals_close_with_the_appeal_deadline(db, ids):
    yesterday = (datetime.now(phases.DISTRICT_TZ) - timedelta(days=1)).date().isoformat()
    operations.set_deadlines(db, actor(ids, "admin"), ids["released"], {"appeal": yesterday})
    with pytest.raises(PhaseClosed):
        file(db, ids, lost_mark(db, ids))


def test_an_archived_assessment_refuses_every_edit(db, ids, settings):
    admin = actor(ids, "admin")
    mark = lost_mark(db, ids)
    decided = file(db, ids, mark)  # decided first: an assessment with a pending appeal is not archived
    appeal_service.decide_appeal(db, admin, decided.id, adjust=False, reply="维持")
    operations.set_phase(db, admin, ids["released"], "archived")
    town = ids["towns"][TOWN]
    edits = {
        "deadlines": lambda: operations.set_deadlines(db, admin, ids["released"], {"submission": "2026-01-01"}),
        "assign": lambda: operations.assign(db, admin, ids["released"], ids["users"]["sifaju"], ["A1"]),
        "mark": lambda: operations.save_mark(db, admin, assessment_id=ids["released"], town_id=town, item_id="A1",
                                             reviewer_id=ids["users"]["sifaju"], inputs={}, expected_version=1),
        "evidence": lambda: submit_evidence(db, actor(ids, "xincheng"), assessment_id=ids["released"],
                                            town_id=town, name="补充.txt", data="补充材料".encode(),
                                            blobs=blob_store(settings, db), max_bytes=10**6),
        "appeal": lambda: file(db, ids, mark),
        "decide": lambda: appeal_service.decide_appeal(db, admin, decided.id, adjust=True, reply="改", inputs={}),
        "publish": lambda: appeal_service.publish(db, admin, ids["released"]),
        "phase": lambda: operations.set_phase(db, admin, ids["released"], "released"),
    }
    refused = []
    for name, edit in edits.items():
        with pytest.raises(PhaseClosed):
            edit()
        refused.append(name)
    assert refused == list(edits)
    assert queries.appeal(db, decided.id).status == "upheld"


def upload(db, ids, settings):
    return submit_evidence(db, actor(ids, "xincheng"), assessment_id=ids["scoring"], town_id=ids["towns"][TOWN],
                           name="迟交.txt", data="迟交的材料".encode(), blobs=blob_store(settings, db),
                           max_bytes=10**6)


def test_an_upload_after_the_submission_deadline_is_refused_unless_within_the_grace_period(db, ids, settings):
    admin = actor(ids, "admin")
    operations.set_phase(db, admin, ids["scoring"], "submission")
    yesterday = (datetime.now(phases.DISTRICT_TZ) - timedelta(days=1)).date().isoformat()
    operations.set_deadlines(db, admin, ids["scoring"], {"submission": yesterday})
    files = len(queries.evidence_files(db, ids["scoring"], ids["towns"][TOWN]))
    with pytest.raises(PhaseClosed) as refused:
        upload(db, ids, settings)
    assert yesterday in str(refused.value.args[0])
    assert len(queries.evidence_files(db, ids["scoring"], ids["towns"][TOWN])) == files

    operations.set_deadlines(db, admin, ids["scoring"], {"submission": yesterday, "grace_hours": "48"})
    assert upload(db, ids, settings).name == "迟交.txt"


def test_a_deadline_closes_at_the_end_of_its_day_in_the_district_plus_grace():
    deadlines = {"submission": "2026-03-01"}
    closing = phases.closes_at(deadlines, "upload_evidence")
    assert closing == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 24:00 China time
    assert phases.open_now("submission", "upload_evidence", deadlines, closing - timedelta(seconds=1))
    assert not phases.open_now("submission", "upload_evidence", deadlines, closing)
    assert phases.open_now("submission", "upload_evidence", deadlines | {"grace_hours": 2}, closing)
    assert not phases.open_now("scoring", "upload_evidence", {}, closing)  # the phase still decides first


def test_a_decision_that_sets_a_deduction_to_zero_removes_it_instead_of_leaving_a_draft(db, ids):
    mark = lost_mark(db, ids)
    rows = [{**d, "count": 0} for d in mark.inputs["deductions"]]  # reasons and citations still filled in
    appeal = file(db, ids, mark)
    decided = appeal_service.decide_appeal(db, actor(ids, "admin"), appeal.id, adjust=True, reply="不扣分",
                                           inputs={"deductions": rows})
    assert decided.status == "adjusted" and decided.inputs_after == {}
