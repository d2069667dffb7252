"""The audit chain anchored outside the database: checkpoints of its head in an append-only
file, written on publication and by ``scoring audit checkpoint``, checked by ``audit verify``."""

from __future__ import annotations

import hmac

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from scoring.cli import main
from scoring.settings import Settings
from scoring.store import operations
from scoring.store.audit import SYSTEM, event_hash, event_mac, use_key, verify_chain
from scoring.store.checkpoints import read_checkpoints, use_checkpoints
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database
from scoring.store.models import AuditEvent


def _rewrite_with_key(session, event_id: int, key: bytes) -> None:
    """The worst case: write access to the database AND the audit key; every later hash and
    HMAC is recomputed, so the chain and its HMACs verify again."""
    events = session.execute(select(AuditEvent).where(AuditEvent.id >= event_id)
                             .order_by(AuditEvent.id)).scalars().all()
    previous = session.get(AuditEvent, event_id - 1).hash
    events[0].reason = "悄悄改了"
    for event in events:
        event.prev_hash = previous
        event.hash = event_hash(event)
        event.mac = event_mac(key, event.hash)
        previous = event.hash
    session.commit()


@pytest.fixture
def instance(tmp_path, monkeypatch):
    settings = Settings(environment="test", instance_path=tmp_path)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    use_key(factory, settings.audit_key())
    use_checkpoints(factory, settings.audit_checkpoints_path)
    with factory() as session:
        district = operations.create_district(session, SYSTEM, "某区")
        for name in ("甲镇", "乙镇", "丙镇", "丁镇"):
            operations.create_town(session, SYSTEM, district.id, name)
    yield settings, factory
    engine.dispose()


def test_a_rewrite_with_recomputed_hashes_and_macs_is_caught_by_the_checkpoint_file(instance):
    settings, factory = instance
    runner = CliRunner()
    first = runner.invoke(main, ["audit", "checkpoint"])
    assert first.exit_code == 0 and "#5 " in first.output
    with factory() as session:
        operations.create_town(session, SYSTEM, 1, "戊镇")  # event 6, after the checkpoint
    assert runner.invoke(main, ["audit", "checkpoint"]).exit_code == 0
    points = read_checkpoints(settings.audit_checkpoints_path)
    assert [p.event_id for p in points] == [5, 6]
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0

    with factory() as session:
        _rewrite_with_key(session, 6, settings.audit_key())
        assert verify_chain(session, settings.audit_key()) is None  # chain and key are both fooled
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "event 6 was" in broken.output and "after event 5" in broken.output  # names where it starts


def test_deleting_the_tail_past_a_checkpoint_is_caught(instance):
    settings, factory = instance
    assert CliRunner().invoke(main, ["audit", "checkpoint"]).exit_code == 0
    with factory() as session:  # SQLite has no trigger; the file still remembers event 5
        session.execute(AuditEvent.__table__.delete().where(AuditEvent.id >= 4))
        session.commit()
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1 and "event 5 was" in broken.output and "missing" in broken.output


def test_a_release_writes_a_checkpoint_and_the_file_is_only_appended(settings, db, ids):
    from scoring.store.checkpoints import write_checkpoint

    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    use_checkpoints(factory, settings.audit_checkpoints_path)
    with factory() as session:
        write_checkpoint(session, settings.audit_checkpoints_path, "before")
        before = settings.audit_checkpoints_path.read_bytes()
        for phase in ("review", "released"):
            operations.set_phase(session, SYSTEM, ids["scoring"], phase)
        head = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    engine.dispose()
    after = settings.audit_checkpoints_path.read_bytes()
    assert after.startswith(before)  # appended, never rewritten
    points = read_checkpoints(settings.audit_checkpoints_path)
    assert [p.reason for p in points] == ["before", "assessment.phase", "assessment.phase"]
    assert hmac.compare_digest(points[-1].hash, head)


def test_published_scorecards_and_the_ranking_print_the_head_of_the_chain_at_release(app, client, auth, ids,
                                                                                     settings):
    from scoring import services
    from tests import pdfcheck

    with app.extensions["session_factory"]() as session:  # the app's sessions write checkpoints
        for phase in ("review", "released"):
            operations.set_phase(session, SYSTEM, ids["scoring"], phase)
        code_before = services.town_scorecard(session, ids["scoring"], ids["towns"]["东港镇"]).verification
        head = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc())).first()
    anchor = f"#{head.id} {head.hash[:16]}"
    assert read_checkpoints(settings.audit_checkpoints_path)[-1].short == anchor
    auth.login("admin")
    base = f"/admin/assessments/{ids['scoring']}"
    for url in (f"{base}/towns/{ids['towns']['东港镇']}/scorecard.pdf", f"{base}/ranking.pdf"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert pdfcheck.squash(anchor) in pdfcheck.squash(pdfcheck.pdf_text(response.data)), url
    # A later checkpoint changes the anchor, not the card's verification code.
    assert CliRunner().invoke(main, ["audit", "checkpoint"], env={
        "INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url}).exit_code == 0
    with app.extensions["session_factory"]() as session:
        assert services.town_scorecard(session, ids["scoring"], ids["towns"]["东港镇"]).verification == code_before
