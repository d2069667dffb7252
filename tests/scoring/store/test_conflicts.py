"""Conflicts of interest (回避): a reviewer who belongs to a town never scores it, on any path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scoring import services
from scoring.errors import ConflictOfInterest, InvalidInput, NotPermitted, PhaseClosed
from scoring.services import appeals as appeal_service
from scoring.services.audit_log import readable_entries
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import Appeal, Conflict, MarkRow

TOWN = "新城镇"


def who(ids, username: str) -> Actor:
    return Actor(ids["users"][username], username)


def sifaju_mark(db, ids, item: str = "A1") -> MarkRow:
    return db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == ids["towns"][TOWN], MarkRow.item_id == item,
        MarkRow.reviewer_id == ids["users"]["sifaju"])).scalar_one()


def counted_reviewers(db, ids, item: str = "A1") -> set[str]:
    return {m.reviewer for m in queries.complete_marks(db, ids["scoring"], ids["towns"][TOWN]) if m.item == item}


def declare(db, ids, username: str = "sifaju", by: str | None = None):
    return operations.declare_conflict(db, who(ids, by or username), ids["scoring"], ids["users"][username],
                                       ids["towns"][TOWN], "配偶在该镇司法所任职")


def test_a_declared_conflict_refuses_every_save_and_withdraws_the_marks_given(db, ids):
    mark = sifaju_mark(db, ids)
    assert "sifaju" in counted_reviewers(db, ids)
    declare(db, ids)

    assert "sifaju" not in counted_reviewers(db, ids)  # marks given before stop counting
    assert queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"], ids["towns"][TOWN]) == set()
    with pytest.raises(NotPermitted):  # the page's and autosave's path
        services.record_mark(db, who(ids, "sifaju"), assessment_id=ids["scoring"], town_id=ids["towns"][TOWN],
                             item_id="A1", reviewer_id=ids["users"]["sifaju"], inputs={}, expected_version=mark.version)
    with pytest.raises(ConflictOfInterest):  # the store itself: an import reaches it the same way
        operations.save_mark(db, who(ids, "sifaju"), assessment_id=ids["scoring"], town_id=ids["towns"][TOWN],
                             item_id="A1", reviewer_id=ids["users"]["sifaju"], inputs={}, expected_version=mark.version)
    db.expire_all()
    assert sifaju_mark(db, ids).version == mark.version  # nothing written
    # other towns are untouched
    assert queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"], ids["towns"]["东港镇"])


def test_a_conflict_is_audited_in_plain_words(db, ids):
    declare(db, ids)
    operations.declare_conflict(db, who(ids, "admin"), ids["scoring"], ids["users"]["zhengwu"], ids["towns"][TOWN],
                                "曾在该镇工作")
    lines = [str(e.text) for e in readable_entries(db, queries.audit_events(db, limit=5))]
    assert "政务服务办 李审核" in lines[0] and "登记" in lines[0] and TOWN in lines[0]
    assert lines[1] == f"司法局 张审核 申报回避 {TOWN}"


def test_a_reviewer_declares_only_their_own_conflicts_with_a_reason_while_setup_is_open(db, ids):
    with pytest.raises(NotPermitted):
        declare(db, ids, "sifaju", by="zhengwu")
    with pytest.raises(InvalidInput):
        operations.declare_conflict(db, who(ids, "sifaju"), ids["scoring"], ids["users"]["sifaju"],
                                    ids["towns"][TOWN], "  ")
    with pytest.raises(PhaseClosed):  # a released result never moves
        operations.declare_conflict(db, who(ids, "sifaju"), ids["released"], ids["users"]["sifaju"],
                                    ids["towns"][TOWN], "配偶在该镇司法所任职")
    assert not queries.conflicts(db, ids["scoring"])


def test_a_conflicted_town_cannot_be_assigned_by_name_and_is_left_out_of_every_town(db, ids):
    declare(db, ids)
    with pytest.raises(ConflictOfInterest):
        operations.assign(db, who(ids, "admin"), ids["scoring"], ids["users"]["sifaju"], ["D1"],
                          town_id=ids["towns"][TOWN])
    operations.assign(db, who(ids, "admin"), ids["scoring"], ids["users"]["sifaju"], ["D1"])
    assert "D1" in queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"], ids["towns"]["东港镇"])
    assert queries.assigned_items(db, ids["scoring"], ids["users"]["sifaju"], ids["towns"][TOWN]) == set()


def test_the_administrator_reassigns_a_conflicted_reviewers_town(db, ids):
    declare(db, ids)
    operations.reassign_town(db, who(ids, "admin"), ids["scoring"], ids["users"]["sifaju"], ids["users"]["zhengwu"],
                             ids["towns"][TOWN])
    zhengwu = queries.assigned_items(db, ids["scoring"], ids["users"]["zhengwu"], ids["towns"][TOWN])
    assert {"A1", "B1", "C1"} <= zhengwu
    assert "A1" not in queries.assigned_items(db, ids["scoring"], ids["users"]["zhengwu"], ids["towns"]["东港镇"])


def test_a_conflicted_arbiter_neither_receives_nor_decides_an_appeal(db, ids):
    mark = db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["released"], MarkRow.town_id == ids["towns"][TOWN],
        MarkRow.reviewer_id == ids["users"]["zhengwu"], MarkRow.complete.is_(True))).scalars().first()
    appeal = appeal_service.file_appeal(db, who(ids, "xincheng"), assessment_id=ids["released"],
                                          town_id=ids["towns"][TOWN], mark_id=mark.id, reason="已整改")
    operations.route_appeal(db, who(ids, "admin"), appeal.id, ids["users"]["fazhiban"])
    # a conflict recorded while that year's setup was open (arranged directly: the year is released now)
    db.add(Conflict(assessment_id=ids["released"], reviewer_id=ids["users"]["fazhiban"], town_id=ids["towns"][TOWN],
                    reason="曾在该镇工作", declared_by=ids["users"]["fazhiban"]))
    db.commit()
    with pytest.raises(ConflictOfInterest):
        appeal_service.decide_appeal(db, who(ids, "fazhiban"), appeal.id, adjust=False, reply="维持")
    with pytest.raises(InvalidInput):
        operations.route_appeal(db, who(ids, "admin"), appeal.id, ids["users"]["fazhiban"])
    db.expire_all()
    assert db.get(Appeal, appeal.id).status == "pending"
