"""Replaying the audit trail from empty reproduces every mark and every result (real databases)."""

from __future__ import annotations

from sqlalchemy import update

from scoring.services import record_mark
from scoring.services.replay import check_replay
from scoring.store import queries
from scoring.store.audit import Actor
from scoring.store.models import MarkRow


def test_the_trail_reproduces_every_mark_and_result_and_catches_a_quiet_edit(db, ids):
    reviewer = Actor(ids["users"]["sifaju"], "sifaju")
    town = ids["towns"]["新城镇"]
    rubric = queries.assessment_rubric(db, ids["scoring"])
    stored = queries.reviewer_marks(db, ids["scoring"], town, reviewer.id)
    item, state = next((i, s) for i, s in stored.items()
                       if s.complete and rubric.kind_of(i) == "item" and rubric.item(i).method.kind == "levels")
    level = next(lv.name for lv in rubric.item(item).method.levels if lv.name != state.inputs.get("level"))
    record_mark(db, reviewer, assessment_id=ids["scoring"], town_id=town, item_id=item, reviewer_id=reviewer.id,
                inputs={**state.inputs, "level": level}, expected_version=state.version)
    db.rollback()

    check = check_replay(db)
    assert check.passed, check
    assert check.marks.marks > 100 and check.marks.events >= check.marks.marks and check.assessments == 2

    # Someone with write access to the database changes a mark without the service.
    db.execute(update(MarkRow).where(MarkRow.assessment_id == ids["released"], MarkRow.town_id == town,
                                     MarkRow.complete.is_(True)).values(inputs={}))
    db.commit()
    quiet = check_replay(db)
    assert not quiet.passed and quiet.marks.differing
    assert all(key[0] == ids["released"] and key[1] == town for key in quiet.marks.differing)


def test_scoring_audit_replay_says_whether_the_trail_reproduces_the_marks(settings, db, ids):
    from click.testing import CliRunner

    from scoring.cli import main

    env = {"INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url}
    ok = CliRunner().invoke(main, ["audit", "replay"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "0 differ" in ok.output and "results of 2 of 2 assessments equal from the replay" in ok.output
    db.execute(update(MarkRow).where(MarkRow.assessment_id == ids["scoring"]).values(version=MarkRow.version + 5))
    db.commit()
    bad = CliRunner().invoke(main, ["audit", "replay"], env=env)
    assert bad.exit_code == 1 and "is not what the trail says" in bad.output
