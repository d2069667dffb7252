"""Sign-in throttling that cannot lock an owner out, sessions that expire, passwords that change."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from scoring.errors import LoginLocked
from scoring.store import operations
from scoring.store.db import make_engine, make_session_factory
from scoring.store.models import AuditEvent, LoginFailure


def _client(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _login(client, username: str, password: str | None = None):
    return client.post("/login", data={"username": username, "password": password or f"demo-{username}"})


def _count(db, model, *where) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_an_attacker_on_another_address_does_not_lock_the_account(app):
    attacker = _client(app, "203.0.113.9")
    for _ in range(8):
        _login(attacker, "zhengwu", "guess-guess")
    assert _login(attacker, "zhengwu").status_code == 429
    assert _login(_client(app, "198.51.100.7"), "zhengwu").status_code == 302


def test_a_device_that_signed_in_before_passes_even_from_the_attackers_address(app):
    owner = _client(app, "192.0.2.1")
    assert _login(owner, "zhengwu").status_code == 302
    owner.post("/logout")
    attacker = _client(app, "192.0.2.1")  # same office network, no device cookie
    for _ in range(8):
        _login(attacker, "zhengwu", "guess-guess")
    assert _login(attacker, "zhengwu").status_code == 429
    assert _login(owner, "zhengwu").status_code == 302


def test_one_address_has_a_budget_of_failures_over_all_accounts(app):
    app.config["SETTINGS"] = app.config["SETTINGS"].model_copy(update={"login_ip_budget": 3})
    sprayer = _client(app, "203.0.113.50")
    for username in ("admin", "sifaju", "zhengwu"):
        assert _login(sprayer, username, "password1").status_code == 401
    assert _login(sprayer, "fazhiban", "password1").status_code == 429
    assert _login(_client(app, "203.0.113.51"), "fazhiban").status_code == 302


def test_parallel_guesses_never_exceed_the_limit(settings):
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    outcomes: list[str] = []

    def guess() -> None:
        with factory() as session:
            try:
                operations.authenticate(session, "zhengwu", "guess-guess", remote_addr="203.0.113.2")
                outcomes.append("checked")
            except LoginLocked:
                outcomes.append("refused")

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert outcomes.count("checked") == 5 and outcomes.count("refused") == 25


def test_an_unknown_user_costs_a_password_check_like_a_known_one(client, monkeypatch):
    from scoring.store.operations import users

    checked = []
    real = users.check_password
    monkeypatch.setattr(users, "check_password", lambda stored, pw: checked.append(stored) or real(stored, pw))
    _login(client, "nobody-here", "guess-guess")
    _login(client, "zhengwu", "guess-guess")
    assert len(checked) == 2 and checked[0].startswith("scrypt$")


def test_an_over_long_username_is_refused_before_the_database(client, db):
    before = _count(db, LoginFailure)
    response = _login(client, "x" * 10_000, "guess-guess")
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    assert _count(db, LoginFailure) == before


def test_failed_sign_ins_are_security_records_not_audit_events(client, db):
    events, failures = _count(db, AuditEvent), _count(db, LoginFailure)
    for _ in range(3):
        _login(client, "sifaju", "wrong-password")
    assert _count(db, AuditEvent) == events
    assert _count(db, LoginFailure, LoginFailure.username == "sifaju") == failures + 3


def test_an_idle_session_and_a_too_old_session_end(app, client, monkeypatch):
    import time

    from web import security

    _login(client, "sifaju")
    assert client.get("/review/").status_code == 200
    now = time.time()
    monkeypatch.setattr(security.time, "time", lambda: now + 61 * 60)  # idle limit 60 min
    assert client.get("/review/").status_code == 302
    _login(client, "sifaju")
    for hours in range(1, 13):  # active every hour: never idle, yet past the 12 h limit
        monkeypatch.setattr(security.time, "time", lambda h=hours: now + 61 * 60 + h * 3600 - 60)
        assert client.get("/review/").status_code == 200, hours
    monkeypatch.setattr(security.time, "time", lambda: now + 61 * 60 + 12 * 3600 + 60)
    assert client.get("/review/").status_code == 302


def test_a_user_changes_their_password_and_other_sessions_end(app, client, db):
    other = app.test_client()
    _login(other, "sifaju")
    _login(client, "sifaju")
    wrong = client.post("/account/password", data={"current_password": "nope", "new_password": "new-pass-1",
                                                   "confirm_password": "new-pass-1"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": "demo-sifaju",
                                                      "new_password": "new-pass-1", "confirm_password": "new-pass-1"})
    assert response.status_code == 302
    assert client.get("/review/").status_code == 200  # this session continues
    assert other.get("/review/").status_code == 302  # the other one ended
    assert _login(app.test_client(), "sifaju").status_code == 401
    assert _login(app.test_client(), "sifaju", "new-pass-1").status_code == 302
    db.rollback()
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "user.password")).scalar_one()
    assert event.actor_name == "sifaju" and "new-pass-1" not in str((event.before, event.after))


def test_an_administrator_resets_a_password_and_it_is_audited(app, client, ids, db):
    _login(client, "admin")
    response = client.post(f"/admin/users/{ids['users']['zhengwu']}/password", data={"password": "reset-pass-1"})
    assert response.status_code == 302
    assert _login(app.test_client(), "zhengwu").status_code == 401
    assert _login(app.test_client(), "zhengwu", "reset-pass-1").status_code == 302
    db.rollback()
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).scalar_one()
    assert event.actor_name == "admin" and event.object_key == str(ids["users"]["zhengwu"])
    assert "reset-pass-1" not in str((event.before, event.after))
