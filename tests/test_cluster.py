"""Two app servers and two RQ workers against one PostgreSQL and one Redis.

Real gunicorn processes on ports 18233/18234 and real ``rq worker`` processes on this test's
own queue; every process has an instance folder of its own (as on separate machines), and
only the settings that must be shared are: DATABASE_URL, REDIS_URL, SECRET_KEY, and the
audit key, copied. A save on one server is seen on the other; a ZIP requested on one is
rendered by whichever worker takes it and downloads from both (the whole test: < 60 s).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from scoring import jobs
from scoring.settings import instance_secret
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM
from scoring.store.models import MarkRow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORTS = {"a": 18233, "b": 18234}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


class Browser:
    """One person's browser on one server: cookies carried over when moving to another."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port, self.cookies = port, dict(cookies or {})

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers={**(headers or {}), "Cookie": cookie})
        response = connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data, dict(response.getheaders())

    def login(self, username: str) -> None:
        _, page, _ = self.request("GET", "/login")
        token = FORM_TOKEN.search(page.decode()).group(1)
        status, _, _ = self.request("POST", "/login", f"csrf_token={token}&username={username}"
                                    f"&password=demo-{username}".encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status

    def on(self, port: int) -> Browser:
        return Browser(port, self.cookies)


@pytest.fixture
def cluster(settings, tmp_path, redis_ready):  # noqa: F811 - the fixture
    """Start servers ``a`` and ``b`` and two workers; stop every process started here after."""
    folders = {name: tmp_path / name for name in ("a", "b", "worker-1", "worker-2")}
    key = instance_secret(folders["a"] / "audit.key")
    for folder in folders.values():  # the audit key copied, as to another machine
        folder.mkdir(exist_ok=True)
        if not (folder / "audit.key").exists():
            (folder / "audit.key").write_bytes(key)
            (folder / "audit.key").chmod(0o600)
    queue = f"{settings.job_queue}-cluster"
    shared = {**os.environ, "ENVIRONMENT": "production", "DATABASE_URL": settings.database_url,
              "REDIS_URL": settings.redis_url, "RQ_REDIS_URL": settings.redis_url, "JOB_QUEUE": queue,
              "BACKGROUND_JOBS": "redis", "SECRET_KEY": secrets.token_hex(32),
              "PYTHONPATH": str(ROOT)}
    processes: list[subprocess.Popen] = []
    logs = []

    def start(name: str, args: list[str]) -> None:
        logs.append(open(tmp_path / f"{name}.log", "wb"))  # noqa: SIM115 - closed after the process
        log = logs[-1]
        processes.append(subprocess.Popen(args, cwd=ROOT, env={**shared, "INSTANCE_PATH": str(folders[name])},
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    try:
        for name, port in PORTS.items():
            start(name, [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4",
                         "-b", f"127.0.0.1:{port}", "wsgi:app"])
        for name in ("worker-1", "worker-2"):
            start(name, [str(BIN / "rq"), "worker", "--name", f"{name}-{secrets.token_hex(3)}", queue])
        for port in PORTS.values():
            _wait_for(port, tmp_path)
        yield {"folders": folders, "queue": queue, "logs": tmp_path}
    finally:
        for process in processes:  # each started in a session of its own: its group is its children
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in logs:
            log.close()
        jobs.connection(settings).delete(f"rq:queue:{queue}")


def test_two_servers_and_two_workers_share_one_database_and_one_redis(cluster, ids, db):
    begun = time.monotonic()
    small = _two_town_assessment(db, ids)  # a short ZIP: this test is about where it goes, not its size
    town, item = ids["towns"]["新城镇"], "A1"
    version = db.execute(select(MarkRow.version).where(
        MarkRow.assessment_id == ids["scoring"], MarkRow.town_id == town, MarkRow.item_id == item,
        MarkRow.reviewer_id == ids["users"]["sifaju"])).scalar_one_or_none() or 0
    db.rollback()
    page_url, mark_url = (f"/review/{ids['scoring']}/towns/{town}",
                          f"/review/{ids['scoring']}/towns/{town}/items/{item}/mark")

    # A save on server A ...
    reviewer_a = Browser(PORTS["a"])
    reviewer_a.login("sifaju")
    _, page, _ = reviewer_a.request("GET", page_url)
    token = META_TOKEN.search(page.decode()).group(1)
    comment = f"在 A 上保存 {secrets.token_hex(4)}"
    status, body, _ = _save(reviewer_a, mark_url, token, comment, version)
    assert status == 200, body
    saved = json.loads(body)["version"]
    # ... is seen on server B (same sign-in: the session cookie is good on either server).
    reviewer_b = reviewer_a.on(PORTS["b"])
    status, page_b, _ = reviewer_b.request("GET", page_url)
    assert status == 200 and comment in page_b.decode()
    status, body, _ = _save(reviewer_b, mark_url, token, comment + "，B 接着改", saved)
    assert status == 200, body  # B knew A's version
    status, _, _ = _save(reviewer_a, mark_url, token, "A 上的旧版本", saved)
    assert status == 409  # and A knows B's: a stale edit is refused on either

    # A ZIP requested on A is rendered by whichever worker takes it ...
    admin_a = Browser(PORTS["a"])
    admin_a.login("admin")
    _, page, _ = admin_a.request("GET", f"/admin/assessments/{small}")
    form_token = FORM_TOKEN.search(page.decode()).group(1)
    status, _, headers = admin_a.request("POST", f"/admin/assessments/{small}/scorecards.zip",
                                         f"csrf_token={form_token}".encode(),
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, _logs(cluster)
    job_path = "/admin/jobs/" + headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    admin_b = admin_a.on(PORTS["b"])
    while True:  # B follows its progress
        _, state, _ = admin_b.request("GET", job_path + "/state")
        status_now = json.loads(state)["status"]
        if status_now in ("finished", "failed") or time.monotonic() - begun > 55:
            break
        time.sleep(0.3)
    assert status_now == "finished", _logs(cluster)

    # ... and downloads, the same bytes, from A and from B.
    downloads = {}
    for name, browser in (("a", admin_a), ("b", admin_b)):
        status, data, headers = browser.request("GET", job_path + "/download")
        assert status == 200 and headers["Content-Type"] == "application/zip"
        downloads[name] = data
    assert downloads["a"] == downloads["b"]
    names = zipfile.ZipFile(io.BytesIO(downloads["a"])).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 2 + 1  # two towns' scorecards and the ranking

    # Nothing of it on the servers' disks: one worker's PDF cache holds the documents.
    folders = cluster["folders"]
    rendered = [w for w in ("worker-1", "worker-2") if list((folders[w] / "pdf-cache").glob("*/*.pdf"))]
    assert len(rendered) == 1
    for server in ("a", "b"):
        assert not list(folders[server].rglob("*.pdf")) and not list(folders[server].rglob("*.zip"))
        assert not (folders[server] / "evidence").exists()
    assert time.monotonic() - begun < 60


def _two_town_assessment(db, ids) -> int:
    released = queries.assessment(db, ids["released"])
    row = operations.create_assessment(db, SYSTEM, district_id=released.district_id, name="两镇考核", year=2026,
                                       rubric_version_id=released.rubric_version_id,
                                       town_ids=[ids["towns"]["新城镇"], ids["towns"]["东港镇"]])
    return row.id


def _save(browser: Browser, url: str, token: str, comment: str, version: int):
    return browser.request("POST", url, json.dumps({"fields": {"comment": comment}, "version": version}).encode(),
                           {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"})


def _wait_for(port: int, logs: Path) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    pytest.fail(f"gunicorn did not answer on {port}: {_logs({'logs': logs})}")


def _logs(cluster: dict) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                     for p in sorted(Path(cluster["logs"]).glob("*.log")))

