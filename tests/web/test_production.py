"""Safe by default: the instance's own secret, migrations run once, jobs without Redis,
health and readiness, request ids in logs and audit events, no framework page for a bug."""

from __future__ import annotations

import gc
import io
import json
import logging
import stat
import time
import zipfile

import pytest
from flask.sessions import SecureCookieSessionInterface
from pydantic import ValidationError
from sqlalchemy import select

from scoring.settings import PUBLIC_SECRETS, Settings
from scoring.store.models import AuditEvent
from web import create_app


def test_two_apps_of_one_instance_share_a_private_random_key_and_another_instance_has_its_own(settings, tmp_path):
    first, second = create_app(settings), create_app(settings.model_copy())
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 64
    assert first.secret_key not in PUBLIC_SECRETS
    key_file = settings.instance_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = Settings(environment="test", instance_path=tmp_path / "other")
    assert other.session_secret() != first.secret_key
    for app in (first, second):
        app.extensions["engine"].dispose()


def _resigned(app, cookie: str, secret: str) -> str:
    """The session in ``cookie``, signed again with ``secret`` (what a forger would do)."""
    interface = SecureCookieSessionInterface()
    data = interface.get_signing_serializer(app).loads(cookie)
    forger = type("Forger", (), {"secret_key": secret, "config": {"SECRET_KEY_FALLBACKS": None}})()
    return interface.get_signing_serializer(forger).dumps(data)


def test_a_session_forged_with_the_old_public_key_is_refused(app, auth, client):
    auth.login("admin")
    cookie = client.get_cookie("session").value
    forged = app.test_client()
    forged.set_cookie("session", _resigned(app, cookie, "dev-only-secret-change-me"))
    assert forged.get("/admin/").status_code == 302  # sent to sign in
    control = app.test_client()
    control.set_cookie("session", _resigned(app, cookie, app.secret_key))
    assert control.get("/admin/").status_code == 200  # the same session under the real key passes


@pytest.mark.parametrize("secret", ["dev-only-secret-change-me", "short"])
def test_a_public_or_short_secret_key_refuses_to_start(secret):
    with pytest.raises(ValidationError):
        Settings(secret_key=secret)


def test_cookies_are_secure_in_production_unless_told_otherwise(settings):
    production = settings.model_copy(update={"environment": "production"})
    assert production.cookies_secure and not settings.cookies_secure
    app = create_app(production)
    gc.unfreeze()  # a production app froze this test process's objects (see the test below)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["engine"].dispose()
    assert not settings.model_copy(update={"environment": "production",
                                           "session_cookie_secure": False}).cookies_secure


def test_a_production_worker_keeps_what_start_up_built_out_of_full_collections(settings):
    """A full garbage collection walked every object of the worker (100-200 ms of some request);
    a production worker freezes what start-up built, a test app (many per process) does not."""
    gc.unfreeze()
    app = create_app(settings)
    assert gc.get_freeze_count() == 0
    app.extensions["engine"].dispose()
    try:
        app = create_app(settings.model_copy(update={"environment": "production"}))
        assert gc.get_freeze_count() > 10_000  # modules, the app and its extensions
    finally:
        gc.unfreeze()
        app.extensions["engine"].dispose()


def test_creating_the_app_does_not_migrate_and_readiness_says_so(tmp_path):
    from scoring.store.migrate import upgrade_database

    app = create_app(Settings(environment="test", instance_path=tmp_path))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": True, "migrations": False}
    upgrade_database(app.extensions["engine"])
    assert client.get("/readyz").get_json() == {"status": "ready", "database": True, "migrations": True}
    app.extensions["engine"].dispose()


def test_readiness_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(Settings(environment="test", instance_path=tmp_path,
                              database_url="postgresql://nobody@127.0.0.1:1/none"))
    assert app.test_client().get("/readyz").get_json()["database"] is False


def test_a_given_request_id_is_echoed_logged_as_json_and_kept_in_the_audit_event(app, auth, client, db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    from web.health import JsonFormatter

    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("scoring.requests")
    logger.addHandler(handler)
    try:
        auth.login("admin")
        response = client.post("/admin/towns", data={"name": "新设镇"}, headers={"X-Request-ID": "req-12345678"})
    finally:
        logger.removeHandler(handler)
    assert response.headers["X-Request-ID"] == "req-12345678"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"request_id": "req-12345678", "status": 302, "path": "/admin/towns"}.items() <= lines[-1].items()
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "town.create")
                       .order_by(AuditEvent.id.desc())).scalars().first()
    assert event.request_id == "req-12345678"
    other = client.get("/admin/", headers={"X-Request-ID": "bad id; with spaces"})
    assert other.headers["X-Request-ID"] != "bad id; with spaces" and len(other.headers["X-Request-ID"]) == 32


def test_a_bug_answers_the_readers_language_without_a_trace(app, auth, client, monkeypatch):
    from scoring.store import queries

    app.testing = False  # as in production: the exception is handled, not raised into the test
    auth.login("admin")
    monkeypatch.setattr(queries, "towns", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    response = client.get("/admin/people")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器内部错误" in body and "Traceback" not in body and "No space left" not in body
    assert "Internal Server Error" not in body


def test_all_scorecards_render_as_a_zip_in_the_server_itself_when_there_is_no_redis(settings, ids):
    app = create_app(settings.model_copy(update={"background_jobs": "thread",
                                                 "redis_url": "redis://127.0.0.1:1/0"}))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "demo-admin"})
    response = client.post(f"/admin/assessments/{ids['released']}/scorecards.zip")
    assert response.status_code == 302 and "/admin/jobs/" in response.location
    job_url = response.location
    for _ in range(600):  # waiting for the job, not timing it
        state = client.get(job_url + "/state").get_json()
        if state["status"] in ("finished", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "finished" and state["done"] == state["total"] > 0
    with client.get(job_url + "/download") as download:
        names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == len(ids["towns"]) + 1
    app.extensions["engine"].dispose()


def test_a_refused_request_is_logged_as_a_security_event_with_its_request_id(auth, client, caplog):
    auth.login("sifaju")
    with caplog.at_level(logging.WARNING, logger="scoring.security"):
        response = client.get("/admin/people", headers={"X-Request-ID": "probe-0001"})
    assert response.status_code == 403
    record = next(r for r in caplog.records if r.name == "scoring.security")
    assert record.fields["event"] == "access.refused" and record.fields["user"] == "sifaju"
    assert record.fields["request_id"] == "probe-0001"
