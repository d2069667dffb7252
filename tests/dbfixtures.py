"""Database and app fixtures: each test gets its own database holding the demo district.

The demo is loaded once per backend into a template (a SQLite file, or a PostgreSQL
database), and every test starts from a fresh copy of it, so tests never see each other's
writes. Tests using ``app`` run on SQLite and, when available, on PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from scoring.demo.load import load_demo
from scoring.services import background
from scoring.settings import Settings
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgres"]
# Each test run has its own RQ queue: a `make run` worker beside the tests cannot take their jobs.
TEST_QUEUE = f"scoring-test-{uuid.uuid4().hex[:8]}"


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: not available
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return None


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgres":
        reason = _postgres_available()
        if reason:
            if os.environ.get("REQUIRE_POSTGRES"):
                pytest.fail(f"REQUIRE_POSTGRES is set but {reason}")
            pytest.skip(reason)
    return request.param


@pytest.fixture(scope="session")
def demo_template(backend, tmp_path_factory):
    """A database with the demo loaded, to copy per test; evidence files shared."""
    root = tmp_path_factory.mktemp(f"demo-{backend}")
    database = None
    if backend == "postgres":
        database = f"scoring_tpl_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{database}"')
    settings = Settings(environment="test", instance_path=root,
                        database_url=_pg_url(database) if database else "")
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    with make_session_factory(engine)() as session:
        load_demo(session, settings)
    engine.dispose()
    yield {"backend": backend, "root": root, "database": database}
    if database:
        _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def fresh_copy(demo_template, path):
    """Settings of a fresh copy of the demo database in ``path`` (a generator: it drops the copy after)."""
    if demo_template["backend"] == "sqlite":
        # SQLite's backup API copies a WAL database consistently (a file copy may not).
        with sqlite3.connect(demo_template["root"] / "scoring.db") as source, \
                sqlite3.connect(path / "scoring.db") as target:
            source.backup(target)
        (path / "evidence").symlink_to(demo_template["root"] / "evidence")
        yield Settings(environment="test", instance_path=path, job_queue=TEST_QUEUE)
        return
    database = f"scoring_t_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{database}" TEMPLATE "{demo_template["database"]}"')
    # On PostgreSQL the demo's evidence bytes are in the database (copied with it).
    yield Settings(environment="test", instance_path=path, database_url=_pg_url(database),
                   job_queue=TEST_QUEUE)
    _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def settings(demo_template, tmp_path) -> Settings:
    """Settings of a fresh copy of the demo database for this test."""
    yield from fresh_copy(demo_template, tmp_path)


@pytest.fixture(autouse=True)
def _background_settled():
    """After each test, no figure is still computed in the background: none of one test's
    computations runs on into the next. (A test's own ``app`` settles before it disposes,
    as it is torn down before this.)"""
    yield
    background.settle()


@pytest.fixture
def app(settings):
    from web import create_app

    application = create_app(settings)
    application.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests with csrf_app
    yield application
    background.settle()  # a figure still computed in the background would read a dropped database
    application.extensions["engine"].dispose()


@pytest.fixture
def csrf_app(settings):
    """The app as it runs in production: CSRF checked on every form."""
    from web import create_app

    application = create_app(settings)
    yield application
    background.settle()  # a figure still computed in the background would read a dropped database
    application.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(settings):
    """A session on the test's database, for arranging and checking.

    Its transactions begin deferred (the app's take the write lock at once), so a test
    reading here never blocks the app; call ``db.rollback()`` before re-reading what the
    app has written since.
    """
    engine = create_engine(settings.sqlalchemy_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, username: str, password: str | None = None):
        return self.client.post("/login", data={"username": username, "password": password or f"demo-{username}"})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def ids(db) -> dict:
    """Ids of the demo's objects by name: towns, users, assessments (2024 released, 2025 scoring)."""
    from scoring.store import queries

    towns = {t.name: t.id for t in queries.towns(db)}
    users = {u.username: u.id for u in queries.users(db)}
    assessments = {a.year: a.id for a in queries.all_assessments(db)}
    db.rollback()
    return {"towns": towns, "users": users, "released": assessments[2024], "scoring": assessments[2025]}



@pytest.fixture
def redis_ready(settings):
    """Skip a test that needs the test settings' Redis when it does not answer (fail under REQUIRE_REDIS)."""
    from scoring import jobs

    if not jobs.redis_available(settings):
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis does not answer at {settings.redis_url}")
        pytest.skip(f"Redis not reachable at {settings.redis_url}")
