"""A database held by another writer answers 503 with Retry-After within the request's short
lock timeout, in the reader's language, and nothing is written; the save succeeds once free."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import create_engine, text

from tests.web.test_review import mark_url, stored, version_of
from web import create_app


@pytest.fixture
def busy_app(settings):
    app = create_app(settings.model_copy(update={"request_lock_timeout_ms": 500}))
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    app.extensions["engine"].dispose()


class WriteLock:
    """Another connection holding the write lock (SQLite) or the audit chain's lock (PostgreSQL)."""

    def __init__(self, settings) -> None:
        self.settings = settings

    def __enter__(self):
        if not self.settings.database_url:
            self.connection = sqlite3.connect(self.settings.instance_path / "scoring.db", isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(self.settings.sqlalchemy_url)
            self.connection = self.engine.connect()
            self.connection.execute(text("SELECT pg_advisory_lock(7301)"))  # every audited write waits on it
        return self

    def __exit__(self, *exc) -> None:
        if not self.settings.database_url:
            self.connection.execute("ROLLBACK")
            self.connection.close()
        else:
            self.connection.execute(text("SELECT pg_advisory_unlock(7301)"))
            self.connection.close()
            self.engine.dispose()


def test_a_save_while_another_connection_holds_the_lock_answers_503_with_retry_after(busy_app, settings, db, ids):
    client = busy_app.test_client()
    client.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    version = version_of(db, ids, "A3")
    body = {"version": version, "fields": {"comment": "忙时保存"}}
    with WriteLock(settings):
        started = time.monotonic()
        response = client.post(mark_url(ids, "A3"), json=body)
        waited = time.monotonic() - started
        page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")  # reads go on
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "系统繁忙" in response.get_json()["error"]
    assert waited < 10, waited  # not the 30 s of the old busy timeout
    assert page.status_code == 200
    assert version_of(db, ids, "A3") == version  # nothing written
    retried = client.post(mark_url(ids, "A3"), json=body)
    assert retried.status_code == 200
    assert stored(db, ids, "A3").inputs["comment"] == "忙时保存"


def test_the_busy_page_is_translated(busy_app, settings, ids):
    client = busy_app.test_client()
    client.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    client.post("/lang/en")
    with WriteLock(settings):
        response = client.post(mark_url(ids, "A3"), data={"version": "0", "comment": "x"},
                               headers={"Accept": "text/html"})
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "busy" in response.get_data(as_text=True).lower()
