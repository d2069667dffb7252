"""Refused attempts are security events of their own (not audit events): 403, 404 on another
town's object, 409 with the refused value kept; with IP, user, route and request id; bounded."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from scoring.cli import main
from scoring.store.models import AuditEvent, EvidenceFile, SecurityEvent
from scoring.store.security_events import PER_IP_PER_MINUTE
from tests.web.test_review import mark_url, version_of


def _events(db, kind: str | None = None) -> list[SecurityEvent]:
    db.rollback()
    query = select(SecurityEvent).order_by(SecurityEvent.id)
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    return db.execute(query).scalars().all()


def _signed_in(app, username: str, ip: str):
    """A client of its own address (sessions are bound to it: "strong" protection)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    assert client.post("/login", data={"username": username, "password": f"demo-{username}"}).status_code == 302
    return client


def _audit_count(db) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_a_403_is_recorded_with_ip_user_route_and_request_id_outside_the_audit_trail(app, db):
    client = _signed_in(app, "sifaju", "10.1.2.3")
    audit_before = _audit_count(db)
    response = client.get("/admin/", headers={"X-Request-ID": "probe-0001-abcdef"})
    assert response.status_code == 403
    (event,) = _events(db, "forbidden")
    assert (event.status, event.ip, event.username, event.method, event.path, event.request_id) == \
        (403, "10.1.2.3", "sifaju", "GET", "/admin/", "probe-0001-abcdef")
    assert event.route.startswith("admin.")
    assert _audit_count(db) == audit_before  # the change log stays the reviewers'


def test_a_town_leader_asking_for_another_towns_evidence_is_a_404_event(client, auth, db, ids):
    other = db.execute(select(EvidenceFile).where(EvidenceFile.town_id != ids["towns"]["新城镇"])).scalars().first()
    db.rollback()
    auth.login("xincheng")
    response = client.get(f"/town/{other.assessment_id}/evidence/{other.id}")
    assert response.status_code == 404 and other.name not in response.get_data(as_text=True)
    (event,) = _events(db, "not_found")
    assert event.username == "xincheng" and event.route == "town.evidence_file" and event.status == 404
    assert event.path == f"/town/{other.assessment_id}/evidence/{other.id}"


def test_a_stale_save_is_a_409_event_keeping_the_refused_value_on_the_server(client, auth, db, ids):
    auth.login("sifaju")
    version = version_of(db, ids, "B1")
    assert client.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "1", "ded-0-reason": "第一位"}}).status_code == 200
    stale = client.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "3", "ded-0-reason": "旧页面上写的理由"}})
    assert stale.status_code == 409
    (event,) = _events(db, "stale_edit")
    assert event.status == 409 and event.route == "review.save_mark" and event.username == "sifaju"
    assert event.detail["refused"]["fields"]["ded-0-reason"] == "旧页面上写的理由"
    assert event.detail["current_version"] == version + 1
    assert event.request_id == stale.headers["X-Request-ID"]


def test_a_flood_of_refusals_is_bounded_per_ip_and_listed_by_the_cli(app, db, settings):
    flooder = _signed_in(app, "sifaju", "10.9.9.9")
    for _ in range(PER_IP_PER_MINUTE + 15):
        assert flooder.get("/admin/").status_code == 403
    assert _signed_in(app, "sifaju", "10.8.8.8").get("/admin/").status_code == 403
    events = _events(db)
    assert sum(e.ip == "10.9.9.9" for e in events) == PER_IP_PER_MINUTE  # the flood stops being stored
    assert sum(e.ip == "10.8.8.8" for e in events) == 1  # others' still are
    listed = CliRunner().invoke(main, ["security", "events", "--ip", "10.8.8.8"], env={
        "INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url})
    assert listed.exit_code == 0 and "10.8.8.8" in listed.output and "sifaju" in listed.output
    assert "10.9.9.9" not in listed.output
