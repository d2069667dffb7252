"""The data version (the newest audit id) never goes back and never skips a write that is not
yet visible: audit ids are handed out and committed in the same order. Otherwise an outcome or
PDF cached under version N could miss a write with a smaller id that committed later, and stay
wrong until the next write.

On PostgreSQL two writers could take ids from the sequence and commit in the other order; the
audit trail's advisory lock (taken before the id, held to the commit) makes the second writer
wait. On SQLite every write transaction takes the database's one write lock at its start.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from scoring.store import audit, queries


def _waiting_on_the_chain(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
            " AND datname = current_database()")).scalar())


def test_a_later_writer_cannot_commit_before_an_earlier_one_on_postgresql(settings):
    if not settings.database_url:
        pytest.skip("SQLite: every write transaction takes the one write lock at BEGIN")
    engine = create_engine(settings.sqlalchemy_url)
    try:
        with Session(engine) as reader:
            before = queries.data_version(reader)
        first = Session(engine)
        first.begin()
        first_id = audit.record(first, audit.SYSTEM, "test.first", "test", "first").id
        second: dict = {}

        def write_second() -> None:
            with Session(engine) as session, session.begin():
                second["id"] = audit.record(session, audit.SYSTEM, "test.second", "test", "second").id

        thread = threading.Thread(target=write_second)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_the_chain(engine):  # the second writer is queued behind the first
            assert time.monotonic() < deadline, "the second writer never waited for the first"
            assert thread.is_alive(), f"the second writer committed first: {second}"
            time.sleep(0.02)
        with Session(engine) as reader:
            assert queries.data_version(reader) == before  # neither write is visible yet
        first.commit()
        first.close()
        thread.join(30)
        assert not thread.is_alive()
        assert first_id < second["id"]
        with Session(engine) as reader:
            assert queries.data_version(reader) == second["id"]
    finally:
        engine.dispose()
