"""TRUSTED_PROXIES: behind a proxy, login throttling and security events see the client's address
(werkzeug ProxyFix); off by default, so a client cannot fake one with X-Forwarded-For."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scoring.store.models import LoginFailure, SecurityEvent
from web import create_app

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_behind_a_trusted_proxy_and_only_then(settings, db, proxies, seen):
    app = create_app(settings.model_copy(update={"trusted_proxies": proxies}))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "wrong"}, headers=FORWARDED)
    assert client.post("/login", data={"username": "sifaju", "password": "demo-sifaju"},
                       headers=FORWARDED).status_code == 302
    assert client.get("/admin/", headers=FORWARDED).status_code == 403
    app.extensions["engine"].dispose()
    db.rollback()
    failure = db.execute(select(LoginFailure).where(LoginFailure.username == "admin")).scalar_one()
    event = db.execute(select(SecurityEvent)).scalar_one()
    assert failure.remote_addr == seen and event.ip == seen
