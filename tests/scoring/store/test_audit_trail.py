"""An audit trail no one can quietly rewrite: an HMAC under a key outside the database,
a PostgreSQL trigger refusing UPDATE and DELETE, and ``scoring audit verify``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from scoring.cli import main
from scoring.settings import Settings
from scoring.store import operations
from scoring.store.audit import SYSTEM, event_hash, use_key, verify_chain
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database
from scoring.store.models import AuditEvent


def _rewrite_from(session, event_id: int) -> None:
    """What someone with write access but no key can do: edit an event, recompute every later hash."""
    events = session.execute(select(AuditEvent).where(AuditEvent.id >= event_id)
                             .order_by(AuditEvent.id)).scalars().all()
    previous = session.get(AuditEvent, event_id - 1).hash
    events[0].reason = "悄悄改了"
    for event in events:
        event.prev_hash = previous
        event.hash = event_hash(event)
        previous = event.hash
    session.commit()


@pytest.fixture
def keyed_instance(tmp_path, monkeypatch):
    """A fresh SQLite instance with a few events, all signed with its key."""
    settings = Settings(environment="test", instance_path=tmp_path)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    use_key(factory, settings.audit_key())
    with factory() as session:
        district = operations.create_district(session, SYSTEM, "某区")
        for name in ("甲镇", "乙镇", "丙镇"):
            operations.create_town(session, SYSTEM, district.id, name)
    yield settings, factory
    engine.dispose()


def test_a_rewrite_with_recomputed_hashes_fails_the_keyed_check_at_the_edited_event(keyed_instance):
    settings, factory = keyed_instance
    with factory() as session:
        assert verify_chain(session, settings.audit_key()) is None
        _rewrite_from(session, 2)
        assert verify_chain(session) is None  # the plain chain is fooled
        assert verify_chain(session, settings.audit_key()) == 2  # the key is not


def test_scoring_audit_verify_names_the_first_bad_event(keyed_instance):
    settings, factory = keyed_instance
    runner = CliRunner()
    intact = runner.invoke(main, ["audit", "verify"])
    assert intact.exit_code == 0 and "4 events" in intact.output
    with factory() as session:
        _rewrite_from(session, 3)
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1 and "event 3 (town.create" in broken.output


def test_the_audit_key_is_private_to_the_instance(keyed_instance):
    settings, _ = keyed_instance
    assert (settings.instance_path / "audit.key").stat().st_mode & 0o077 == 0


def test_on_postgresql_the_audit_table_refuses_update_and_delete(db, settings):
    if not settings.database_url:
        pytest.skip("the trigger is PostgreSQL's; SQLite files are protected by the HMAC")
    first = db.execute(select(AuditEvent.id).order_by(AuditEvent.id).limit(1)).scalar_one()
    db.rollback()
    for statement in (update(AuditEvent).where(AuditEvent.id == first).values(reason="x"),
                      text("DELETE FROM audit_events")):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(statement)
        db.rollback()
