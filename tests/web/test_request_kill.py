"""SIGKILL of a real gunicorn worker in the middle of a request's one write transaction: a
reviewer's score-sheet import and an administrator's rubric change. The database is as it
was (marks, audit events, the assessment's rubric version), nothing is left behind (a lock,
a temporary file), and the same upload or form sent again is applied whole, audit included.

On PostgreSQL the kill lands deterministically inside the transaction: the test holds the
audit trail's advisory lock, so the request blocks at its first audit event, after writing
its first rows. On SQLite (no such lock) the worker is killed as soon as the request holds
the write lock; it may have committed by then, so the state must be exactly before or
exactly after, never in between.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, func, select, text

from scoring.marks_io import COLUMNS
from scoring.store.audit import event_mac, verify_chain
from scoring.store.models import Assessment, AuditEvent, MarkRow
from tests.scoring.store.test_rubric_change import _new_version, running_and_complete
from tests.test_cluster import BIN, FORM_TOKEN, ROOT, Browser, _wait_for

PORT = 18330
ADVISORY_KEY = 7301  # scoring.store.audit.record: one chain, appended one event at a time
WAIT = 120  # seconds: generous bounds of conditions polled for, never asserted durations


@pytest.fixture
def server(settings, tmp_path):
    """One gunicorn master with one sync worker on the test's database; stopped after."""
    scratch = tmp_path / "server-tmp"  # the worker's TMPDIR: what a killed request leaves shows here
    scratch.mkdir()
    env = {**os.environ, "ENVIRONMENT": "test", "INSTANCE_PATH": str(settings.instance_path),
           "DATABASE_URL": settings.database_url, "BACKGROUND_JOBS": "thread", "JOB_QUEUE": settings.job_queue,
           # the request waits on the test's lock for as long as the test needs, not 3 s
           "REQUEST_LOCK_TIMEOUT_MS": str(WAIT * 1000), "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed after the process
    master = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-k", "sync", "--timeout", str(WAIT * 2), "--graceful-timeout", "5",
                               "-b", f"127.0.0.1:{PORT}", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(PORT, tmp_path)
        yield {"master": master, "tmp": scratch, "log": tmp_path / "gunicorn.log"}
    finally:
        try:
            os.killpg(master.pid, signal.SIGTERM)
            master.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()
        log.close()


def _worker_pid(master: subprocess.Popen) -> int:
    """The master's one worker (a sync worker: the process serving the request)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        if len(children) == 1:
            return int(children[0])
        time.sleep(0.05)
    pytest.fail("gunicorn has no single worker")


class InFlight(threading.Thread):
    """A request sent from a thread: its answer (or the broken connection) read when it comes."""

    def __init__(self, browser: Browser, path: str, body: bytes, content_type: str) -> None:
        super().__init__(daemon=True)
        self.args_ = (browser, path, body, content_type)
        self.outcome: object = None

    def run(self) -> None:
        browser, path, body, content_type = self.args_
        try:
            self.outcome = browser.request("POST", path, body, {"Content-Type": content_type})
        except (OSError, http.client.HTTPException) as exc:
            self.outcome = exc


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _facts(db) -> dict:
    """Everything a killed request could have half-written: marks, the trail, the assessments."""
    db.rollback()
    marks = db.execute(select(MarkRow.id, MarkRow.town_id, MarkRow.item_id, MarkRow.reviewer_id, MarkRow.version,
                              MarkRow.complete, MarkRow.inputs, MarkRow.draft, MarkRow.rubric_version_id)
                       .order_by(MarkRow.id)).all()
    events = db.execute(select(func.count(), func.max(AuditEvent.id)).select_from(AuditEvent)).one()
    assessments = db.execute(select(Assessment.id, Assessment.rubric_version_id, Assessment.version,
                                    Assessment.phase).order_by(Assessment.id)).all()
    db.rollback()
    return {"marks": [tuple(m) for m in marks], "events": tuple(events), "assessments": [tuple(a) for a in assessments]}


def _new_events(db, after_id: int) -> list[str]:
    db.rollback()
    actions = db.execute(select(AuditEvent.action).where(AuditEvent.id > after_id).order_by(AuditEvent.id)).scalars()
    return list(actions)


def _kill_inside(server, settings, send) -> str:
    """Send a request with ``send()`` and SIGKILL the worker serving it inside its write
    transaction; return "blocked" (PostgreSQL: certainly before its commit) or "writing"
    (SQLite: it held the write lock an instant before the kill)."""
    worker = _worker_pid(server["master"])
    if settings.database_url:
        engine = create_engine(settings.sqlalchemy_url)
        # pg_stat_activity is a snapshot per transaction: it is watched from a connection of its own
        holder, monitor = engine.connect(), engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            holder.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})"))
            request = send()
            backend = _poll(lambda: monitor.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND wait_event = 'advisory' AND backend_xid IS NOT NULL")).scalar(), "the request's lock wait")
            os.kill(worker, signal.SIGKILL)
            request.join(WAIT)
            holder.rollback()  # the lock let go: the orphaned backend finds its client gone and rolls back
            _poll(lambda: monitor.execute(text("SELECT pid FROM pg_stat_activity WHERE pid = :p"),
                                          {"p": backend}).scalar() is None, "the killed request's backend to end")
            assert monitor.execute(text(  # pg_locks is the whole server's: this database's only
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar() == 0
        finally:
            holder.close()
            monitor.close()
            engine.dispose()
        assert isinstance(request.outcome, OSError | http.client.HTTPException), request.outcome
        return "blocked"
    path = settings.instance_path / "scoring.db"
    request = send()

    def writing() -> bool:  # the request holds SQLite's write lock (taken at BEGIN IMMEDIATE)
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()

    _poll(writing, "the request to begin writing", pause=0.002)
    os.kill(worker, signal.SIGKILL)
    request.join(WAIT)
    assert not writing()  # the killed process's lock died with it
    return "writing"


def _assert_chain_intact(db, settings, after_id: int) -> None:
    """The chain verifies, and the server's new events carry its key's HMAC (the demo's were
    recorded without a key, so the whole chain is checked without it)."""
    db.rollback()
    assert verify_chain(db) is None
    key = settings.audit_key()
    new = db.execute(select(AuditEvent.hash, AuditEvent.mac).where(AuditEvent.id > after_id)).all()
    assert new and all(mac == event_mac(key, digest) for digest, mac in new)
    db.rollback()


def _poll(condition, what: str, pause: float = 0.02):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(pause)
    pytest.fail(f"waited {WAIT} s for {what}")


def _sheet_upload(browser: Browser, assessment_id: int, comment: str) -> tuple[bytes, str, int]:
    """The reviewer's own sheet as downloaded, every scored row's comment edited; (body, type, rows)."""
    status, data, _ = browser.request("GET", f"/review/{assessment_id}/sheet.xlsx")
    assert status == 200
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["评分表"]
    header = [c.value for c in sheet[1]]
    edited = 0
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if int(str(row[header.index("校验")]).split(":")[2]) > 0:  # a saved mark: the comment is kept
            sheet.cell(number, header.index(COLUMNS["comment"]) + 1, f"{comment}（第 {number} 行）")
            edited += 1
    out = io.BytesIO()
    book.save(out)
    _, page, _ = browser.request("GET", "/review/")
    body, content_type = _multipart({"csrf_token": FORM_TOKEN.search(page.decode()).group(1)}, "评分表.xlsx",
                                    out.getvalue())
    return body, content_type, edited


def _import_applied(db, before: dict, reviewer_id: int, comment: str, edited: int) -> bool:
    """Whether the state is exactly ``before`` with the whole import applied on top."""
    now = _facts(db)
    if now["assessments"] != before["assessments"] or len(now["marks"]) != len(before["marks"]):
        return False
    changed = [(old, new) for old, new in zip(before["marks"], now["marks"], strict=True) if old != new]
    return (len(changed) == edited
            and all(new[3] == reviewer_id and new[4] == old[4] + 1 and comment in new[6]["comment"]
                    for old, new in changed)
            and _new_events(db, before["events"][1]) == ["mark.save"] * edited + ["marks.import"])


def test_a_score_sheet_import_killed_midway_changes_nothing_and_the_same_file_imports_whole(server, settings, db,
                                                                                           ids):
    assessment = running_and_complete(db, ids)  # every town scored: a sheet of many saved marks
    reviewer = Browser(PORT)
    reviewer.login("sifaju")
    comment = f"复核后补充说明 {secrets.token_hex(3)}"
    body, content_type, edited = _sheet_upload(reviewer, assessment, comment)
    assert edited > 10
    before = _facts(db)
    url = f"/review/{assessment}/sheet"

    def send() -> InFlight:
        request = InFlight(reviewer, url, body, content_type)
        request.start()
        return request

    where = _kill_inside(server, settings, send)
    applied = _import_applied(db, before, ids["users"]["sifaju"], comment, edited)
    print(f"import of {edited} rows killed {where}: state {'after' if applied else 'before'}")
    if where == "blocked":
        assert not applied
    assert applied or _facts(db) == before  # all or nothing, never part of the sheet
    assert list(server["tmp"].iterdir()) == []  # no copy of the sheet left on the server's disk

    if not applied:  # the reviewer sends the same file again
        status, _, headers = reviewer.request("POST", url, body, {"Content-Type": content_type})
        assert status == 302, server["log"].read_text(errors="replace")[-2000:]
        assert _import_applied(db, before, ids["users"]["sifaju"], comment, edited)
    status, page, _ = reviewer.request("GET", "/review/")
    assert status == 200
    _assert_chain_intact(db, settings, before["events"][1])


def test_a_rubric_change_killed_midway_changes_nothing_and_the_same_form_applies_it(server, settings, db, ids):
    assessment = running_and_complete(db, ids)
    version_id, removed, _ = _new_version(db, ids, assessment)
    db.commit()
    admin = Browser(PORT)
    admin.login("admin")
    status, page, _ = admin.request("GET", f"/admin/assessments/{assessment}/rubric?version={version_id}")
    assert status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.decode().split('method="post"', 1)[1]).group(1)
    body = f"csrf_token={token}&rubric_version_id={version_id}&reason=%E7%BB%86%E5%88%99%E4%BF%AE%E8%AE%A2".encode()
    form = "application/x-www-form-urlencoded"
    url = f"/admin/assessments/{assessment}/rubric"
    before = _facts(db)
    old_version = dict((a[0], a[1]) for a in before["assessments"])[assessment]

    def applied() -> bool:
        now = _facts(db)
        return (dict((a[0], a[1]) for a in now["assessments"])[assessment] == version_id
                and _new_events(db, before["events"][1]) == ["assessment.rubric_apply"]
                and sum(m[8] == version_id for m in now["marks"]) > 0)

    def send() -> InFlight:
        request = InFlight(admin, url, body, form)
        request.start()
        return request

    where = _kill_inside(server, settings, send)
    done = applied()
    print(f"rubric change killed {where}: state {'after' if done else 'before'}")
    if where == "blocked":
        assert not done
    assert done or _facts(db) == before  # the assessment still on its old version, every mark as it was
    assert done or dict((a[0], a[1]) for a in _facts(db)["assessments"])[assessment] == old_version

    if not done:  # the administrator sends the form again
        status, page, _ = admin.request("POST", url, body, {"Content-Type": form})
        assert status == 200, server["log"].read_text(errors="replace")[-2000:]
        assert "已更换考核细则版本" in page.decode() and removed in page.decode()
        assert applied()
    _assert_chain_intact(db, settings, before["events"][1])
