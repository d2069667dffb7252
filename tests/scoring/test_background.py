"""Figures computed in the background (``services.background``): one computation at a time,
computed again only when the data moved on, and a page never waits for one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine

from scoring.services import background
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.db import make_session_factory


@pytest.fixture
def factory(settings):
    engine = create_engine(settings.sqlalchemy_url)
    yield make_session_factory(engine)
    background.settle()
    background.clear()
    engine.dispose()


class Held:
    """A computation that waits until released, and counts the versions it computed at."""

    def __init__(self) -> None:
        self.release, self.started = threading.Event(), threading.Event()
        self.versions: list[int] = []

    def __call__(self, session, assessment_id: int) -> str:
        self.versions.append(queries.data_version(session))
        self.started.set()
        assert self.release.wait(30)
        return f"figure at {self.versions[-1]}"


def _view(factory, aid: int, compute) -> background.Figure:
    with factory() as session:
        return background.newest(session, factory, aid, "test-figure", compute)


def test_views_during_a_computation_start_none_and_unchanged_data_is_not_computed_again(factory, ids):
    held = Held()
    first = _view(factory, ids["scoring"], held)
    assert first.value is None and first.computing and not first.current
    assert held.started.wait(30)
    for _ in range(3):  # the administrator reloads meanwhile
        again = _view(factory, ids["scoring"], held)
        assert again.value is None and again.computing
    held.release.set()
    background.settle()
    done = _view(factory, ids["scoring"], held)
    assert done.current and not done.computing and done.value == f"figure at {held.versions[0]}"
    assert len(held.versions) == 1  # the pass the reloads asked for found the data unchanged


def test_data_changed_during_a_computation_are_computed_after_it_and_the_older_figure_shown_meanwhile(
        factory, ids, settings):
    held = Held()
    aid = ids["scoring"]
    _view(factory, aid, held)
    assert held.started.wait(30)
    with factory() as session:
        operations.set_phase(session, Actor(ids["users"]["admin"], "admin"), aid, "review", reason="复核")
    meanwhile = _view(factory, aid, held)  # at the new version: the first pass is behind it
    assert meanwhile.computing and not meanwhile.current
    held.release.set()
    background.settle()
    with factory() as session:
        now = queries.data_version(session)
    assert held.versions == [held.versions[0], now] and held.versions[0] < now
    shown = _view(factory, aid, held)
    assert shown.current and shown.value == f"figure at {now}"


def test_a_figure_newer_than_the_data_is_not_shown(factory, ids, monkeypatch):
    """After a database was restored from an older backup, what was computed before is not its figure."""
    held = Held()
    held.release.set()
    _view(factory, ids["scoring"], held)
    background.settle()
    with factory() as session:
        now = queries.data_version(session)
    monkeypatch.setattr(queries, "data_version", lambda session: now - 1)
    older = _view(factory, ids["scoring"], held)
    assert older.value is None and not older.current
    background.settle()
    assert held.versions[-1] == now - 1 and _view(factory, ids["scoring"], held).current


def test_an_engine_disposed_during_a_computation_is_left_with_no_connection_open(factory, ids):
    """An app disposes its engine (its tests do, at their end) while a figure is computed: the
    connection the computation used is closed, not left in the old pool unclosed."""
    used = []

    class Recording(Held):
        def __call__(self, session, assessment_id: int) -> str:
            used.append(session.connection().connection.dbapi_connection)
            return super().__call__(session, assessment_id)

    held = Recording()
    _view(factory, ids["scoring"], held)
    assert held.started.wait(30)
    factory.kw["bind"].dispose()
    held.release.set()
    background.settle()
    raw = used[0]
    if hasattr(raw, "closed"):  # psycopg
        assert raw.closed
    else:  # sqlite3: a closed connection refuses statements
        with pytest.raises(Exception, match="closed"):
            raw.execute("SELECT 1")
