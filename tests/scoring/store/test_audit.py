"""Audit completeness: every write operation of the store leaves its event, in its transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from scoring.errors import InvalidInput
from scoring.evidence import extract_passages
from scoring.services import blob_store
from scoring.store import operations
from scoring.store.audit import Actor, verify_chain
from scoring.store.models import AuditEvent

ROOT = Path(__file__).resolve().parents[3]


def latest(db) -> AuditEvent:
    db.rollback()
    return db.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()


def writes(ids, settings):
    admin = Actor(ids["users"]["admin"], "admin")
    town = ids["towns"]["新城镇"]
    yaml_text = (ROOT / "rubrics" / "town-rule-of-law-2025.yaml").read_text(encoding="utf-8")
    data = "补充材料：全年出具法律意见书12份。".encode()
    return [
        ("district.create", lambda db: operations.create_district(db, admin, "另一个区")),
        ("town.create", lambda db: operations.create_town(db, admin, 1, "新设镇")),
        ("user.create", lambda db: operations.create_user(db, admin, username="u1", display_name="甲",
                                                          password="password-1", role="reviewer")),
        ("user.update", lambda db: operations.update_user(db, admin, ids["users"]["zhengwu"], active=False)),
        ("user.logout", lambda db: operations.end_sessions(db, admin, ids["users"]["zhengwu"])),
        ("rubric.save", lambda db: operations.save_rubric_version(db, admin, yaml_text, note="复制")),
        ("assessment.create", lambda db: operations.create_assessment(
            db, admin, district_id=1, name="x", year=2026, rubric_version_id=1, town_ids=[town])),
        ("assessment.phase", lambda db: operations.set_phase(db, admin, ids["scoring"], "submission")),
        ("evidence.add", lambda db: operations.add_evidence(
            db, admin, assessment_id=ids["scoring"], town_id=town, name="补充.txt", kind="txt", data=data,
            passages=extract_passages(data, "txt", "补充.txt"), blobs=blob_store(settings, db))),
        ("assignment.add", lambda db: operations.assign(db, admin, ids["scoring"], ids["users"]["sifaju"], ["D1"])),
    ]


def test_every_write_operation_leaves_an_audit_event_and_the_chain_holds(db, ids, settings):
    for action, write in writes(ids, settings):
        before = latest(db).id
        write(db)
        event = latest(db)
        assert event.id > before and event.action == action, action
        assert event.actor_name == "admin" and event.hash and event.prev_hash
    assert verify_chain(db) is None


def test_a_failed_write_leaves_neither_change_nor_event(db, ids):
    before = latest(db).id
    with pytest.raises(InvalidInput):
        operations.create_user(db, Actor(None, "admin"), username="admin", display_name="重名",
                               password="password-1", role="admin")
    assert latest(db).id == before
