"""Pooled connections and transactions: a connection the database closed is replaced before
use, and a write that continues a read transaction (PostgreSQL) still sees what others
committed in between and never takes along a write made before it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from scoring.errors import StaleEdit
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.db import begin_write, make_engine, make_session_factory
from scoring.store.models import Town

ADMIN_ACTOR = Actor(None, "test")


def _postgres(settings):
    if not settings.database_url:
        pytest.skip("PostgreSQL: SQLite's connections are files, nothing closes them")
    return settings.sqlalchemy_url


def _backend_pid(factory) -> int:
    with factory() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(url: str, pid: int) -> None:
    """End that server process, as a restart or an idle timeout would, and wait until it is gone."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        deadline = time.monotonic() + 30
        while connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    admin.dispose()


def test_a_connection_closed_while_idle_in_the_pool_is_replaced_before_use(settings):
    url = _postgres(settings)
    engine = make_engine(url, ping_after_idle_s=0.3)
    factory = make_session_factory(engine)
    try:
        first = _backend_pid(factory)
        _terminate(url, first)  # a restart, or the server's idle timeout
        time.sleep(0.3)
        with factory() as session:  # works: the idle connection was pinged and replaced
            assert session.execute(select(Town.name).limit(1)).scalar()
        assert _backend_pid(factory) != first
    finally:
        engine.dispose()


def test_a_connection_reused_at_once_is_not_pinged_and_a_disconnect_fails_one_statement_only(settings):
    url = _postgres(settings)
    engine = make_engine(url, ping_after_idle_s=60)
    factory = make_session_factory(engine)
    try:
        _terminate(url, _backend_pid(factory))
        with factory() as session, pytest.raises(DBAPIError) as failed:  # not pinged: it was in use a moment ago
            session.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        with factory() as session:  # the pool dropped it: the next request works
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def _mark_key(ids) -> dict:
    return {"assessment_id": ids["scoring"], "town_id": ids["towns"]["青山镇"], "item_id": "A1",
            "reviewer_id": ids["users"]["sifaju"]}


def test_a_save_after_a_read_sees_a_save_committed_in_between(settings, ids):
    """The read part of a request saw version N; another reviewer's tab saved N+1 meanwhile:
    the write (which on PostgreSQL continues the read transaction) refuses the stale edit."""
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    key = _mark_key(ids)
    inputs = {"deductions": [], "comment": "第一次"}
    try:
        with factory() as session:
            before = queries.reviewer_marks(session, key["assessment_id"], key["town_id"], key["reviewer_id"])
            operations.save_mark(session, ADMIN_ACTOR, **key, inputs=inputs,
                                 expected_version=before["A1"].version if "A1" in before else 0)
        with factory() as reader, factory() as other:
            seen = queries.reviewer_marks(reader, key["assessment_id"], key["town_id"], key["reviewer_id"])["A1"]
            assert reader.in_transaction()  # the read transaction is still open
            operations.save_mark(other, ADMIN_ACTOR, **key, inputs={**inputs, "comment": "另一个标签页"},
                                 expected_version=seen.version)
            with pytest.raises(StaleEdit) as stale:
                operations.save_mark(reader, ADMIN_ACTOR, **key, inputs={**inputs, "comment": "过时"},
                                     expected_version=seen.version)
            assert stale.value.version == seen.version + 1
        with factory() as session:
            row = queries.reviewer_marks(session, key["assessment_id"], key["town_id"], key["reviewer_id"])["A1"]
            assert row.inputs["comment"] == "另一个标签页"
    finally:
        engine.dispose()


def test_a_write_made_before_an_operation_is_committed_before_it_on_both_databases(settings):
    """begin_write commits what the open transaction wrote before it (PostgreSQL included, where
    a transaction that only read goes on as the write): a failing operation cannot undo it."""
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            session.execute(text("UPDATE towns SET name = '先改的名字' WHERE id = (SELECT min(id) FROM towns)"))
            begin_write(session)
            session.rollback()  # the operation failed
        with factory() as session:
            assert session.execute(text("SELECT name FROM towns ORDER BY id LIMIT 1")).scalar() == "先改的名字"
    finally:
        engine.dispose()
