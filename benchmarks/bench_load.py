"""Load run: reviewers saving marks through the real endpoint of gunicorn (2 workers).

    PYTHONPATH=.:benchmarks python benchmarks/bench_load.py                 # SQLite and PostgreSQL
    PYTHONPATH=.:benchmarks python benchmarks/bench_load.py --backends sqlite --paced 20 --flat 10

Seeds 200 towns (half the items marked, in bulk) and 50 reviewers who each score every item
of their own 4 towns, starts gunicorn on 127.0.0.1 (ports 18100-18199), and runs three
bounded phases: one reviewer flat out; 50 at a reviewer's pace (a save every 1-3 s); 50 flat
out. Every client logs in through the form (CSRF token and all) and saves through
``POST /review/<a>/towns/<t>/items/<i>/mark``. Prints saves/s, p50/p95/p99 (client side,
127.0.0.1), errors, and checks that every acknowledged save is in the database with
exactly one audit event, and that replaying the audit trail reproduces every mark and result.
The database's own floor (the save's SQL alone, raw, one connection, on a scratch database) is
measured in the same run, and the flat-out rate is printed as a ratio to it. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench_pages import database, database_floor, drop
from district import PASSWORD, seed
from sqlalchemy import select

from scoring.store import queries
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database
from scoring.store.models import AuditEvent, MarkRow

GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """One reviewer's browser: its cookies, and HTTP/1.1 spoken directly over a socket.

    The client shares the machine's 2 cores with the server: http.client's header parsing and
    connection handling cost about as much CPU per save as the app's own database work, so the
    flat-out figures measured the client as much as the server. This writes the request and
    reads the response by its Content-Length (connection kept open unless the server closes it).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        body = body or b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if self.sock is None:
            self.sock, self.buffer = socket.create_connection(("127.0.0.1", self.port), timeout=30), b""
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            return self._response()
        except Exception:
            self.close()
            raise

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length, close = None, False
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if length is None:  # no length: the body runs to the end of the connection
            while self._fill(eof_ok=True):
                pass
            length, close = len(self.buffer), True
        while len(self.buffer) < length:
            self._fill()
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        if close:
            self.close()
        return int(status_line.split(" ", 2)[1]), data

    def _fill(self, eof_ok: bool = False) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            if eof_ok:
                return False
            raise ConnectionError("the server closed the connection mid-response")
        self.buffer += chunk
        return True

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login")
        token = FORM_TOKEN.search(page.decode()).group(1)
        body = f"csrf_token={token}&username={username}&password={PASSWORD}".encode()
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status in (200, 302, 303), status


def sign_in(port: int, reviewers: list, aid: int) -> dict:
    """Each reviewer's client, logged in through the form, with the CSRF token of its scoring page."""
    clients: dict = {}

    def one(username: str, work: list[tuple[int, str]]) -> None:
        client = Client(port)
        client.login(username)
        _, page = client.request("GET", f"/review/{aid}/towns/{work[0][0]}")
        clients[username] = (client, TOKEN.search(page.decode()).group(1))

    threads = [threading.Thread(target=one, args=r) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients


def run_phase(port: int, reviewers: list[tuple[str, list[tuple[int, str]]]], aid: int, seconds: float,
              paced: bool, versions: dict, acked: list, lock: threading.Lock, clients: dict) -> dict:
    latencies: list[float] = []
    errors = Counter()
    stop = time.monotonic() + seconds

    def reviewer(username: str, work: list[tuple[int, str]]) -> None:
        if username not in clients:
            with lock:
                errors["not logged in"] += 1
            return
        client, token = clients[username]
        rng = random.Random(username)
        n = 0
        if paced:  # reviewers at their own pace: not 50 saves in the same millisecond at the start
            time.sleep(rng.uniform(0, 3))
        while time.monotonic() < stop:
            town_id, item = work[n % len(work)]
            n += 1
            key = (username, town_id, item)
            comment = f"{username}-{secrets.token_hex(4)}"
            body = json.dumps({"fields": {"comment": comment}, "version": versions.get(key, 0)}).encode()
            start = time.perf_counter()
            try:
                status, data = client.request("POST", f"/review/{aid}/towns/{town_id}/items/{item}/mark", body,
                                              {"Content-Type": "application/json", "X-CSRFToken": token})
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors[exc.__class__.__name__] += 1
                client = Client(port)
                client.cookies = dict(clients[username][0].cookies)
                continue
            elapsed = time.perf_counter() - start
            if status == 200:
                version = json.loads(data)["version"]
                versions[key] = version
                with lock:
                    latencies.append(elapsed)
                    acked.append((username, town_id, item, version, comment))
            else:
                with lock:
                    errors[f"HTTP {status}"] += 1
            if paced:
                time.sleep(rng.uniform(1, 3))

    threads = [threading.Thread(target=reviewer, args=r) for r in reviewers]
    begun, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took, cpu = time.perf_counter() - begun, time.process_time() - cpu
    return {"saves": len(latencies), "seconds": took, "latencies": sorted(latencies), "errors": dict(errors),
            "client_cpu": cpu}


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def report(name: str, result: dict, *, min_rate: float | None = None, max_p95_ms: float | None = None) -> None:
    """One phase: saves/s, client-side p50/p95/p99, errors, and its target with met / NOT met."""
    lat = result["latencies"]
    rate = result["saves"] / result["seconds"]

    def pct(p: float) -> str:
        return f"{percentile(lat, p) * 1000:7.1f}" if lat else "      -"
    line = (f"{name:34} {rate:7.1f} saves/s  p50 {pct(.5)}  p95 {pct(.95)}  p99 {pct(.99)} ms  "
            f"n={result['saves']}  errors={result['errors'] or 0}  "
            f"client CPU {result['client_cpu'] / max(result['saves'], 1) * 1000:.2f} ms/save")
    if min_rate is not None:
        line += f"   target >= {min_rate:g}/s: {'met' if rate >= min_rate else 'NOT met'}"
    if max_p95_ms is not None:
        met = bool(lat) and percentile(lat, .95) * 1000 < max_p95_ms
        line += f"   target p95 < {max_p95_ms:g} ms: {'met' if met else 'NOT met'}"
    print(line)


def server_times(log: Path, since: int) -> list[float]:
    """Server-side ms of each save the app logged (its JSON request lines), from byte ``since``."""
    times = []
    with open(log, "rb") as file:
        file.seek(since)
        for raw in file:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and str(entry.get("path", "")).endswith("/mark") and "ms" in entry:
                times.append(float(entry["ms"]))
    return sorted(times)


def report_server(log: Path, since: int) -> None:
    times = server_times(log, since)
    if times:
        print(f"{'  server time per save (app log)':34} p50 {percentile(times, .5):5.1f}  p95 {percentile(times, .95):5.1f}"
              f" ms  target < 5 ms: {'met' if percentile(times, .5) < 5 else 'NOT met'}")


def check(factory, aid: int, users: dict[str, int], acked: list) -> None:
    """Every acknowledged save is stored (last one wins) with exactly one audit event."""
    with factory() as session:
        events = Counter()
        for key, after in session.execute(select(AuditEvent.object_key, AuditEvent.after).where(
                AuditEvent.action == "mark.save", AuditEvent.assessment_id == aid)):
            events[(key, after["version"], after["inputs"].get("comment") or (after["draft"] or {}).get("comment"))] += 1
        rows = {(r.reviewer_id, r.town_id, r.item_id): r for r in session.execute(
            select(MarkRow).where(MarkRow.assessment_id == aid)).scalars()}
    last: dict = {}
    wrong = 0
    for username, town_id, item, version, comment in acked:
        key = f"{aid}/{town_id}/{item}/{users[username]}"
        wrong += events[(key, version, comment)] != 1
        mark = (users[username], town_id, item)
        if version > last.get(mark, (0, ""))[0]:
            last[mark] = (version, comment)
    lost = 0
    for mark, (version, comment) in last.items():
        row = rows.get(mark)
        shown = (row.draft or row.inputs).get("comment") if row else None
        lost += row is None or row.version != version or shown != comment
    print(f"{'check':34} {len(acked)} acknowledged saves: {lost} not stored as acknowledged, "
          f"{wrong} without exactly one audit event")
    from scoring.services.replay import check_replay

    with factory() as session:
        replay = check_replay(session)
    print(f"{'replay of the audit trail':34} {replay.marks.events} events -> {replay.marks.marks} marks: "
          f"{len(replay.marks.differing) + len(replay.marks.not_in_log) + len(replay.marks.not_stored)} not "
          f"reproduced; results equal from the replay: {replay.assessments - len(replay.results_differ)} of "
          f"{replay.assessments} assessments")


def start_server(settings, port: int, root: Path) -> subprocess.Popen:
    env = {**os.environ, "ENVIRONMENT": "production", "SECRET_KEY": secrets.token_hex(32),
           "INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
           "PYTHONPATH": os.pathsep.join(sys.path[1:3] + [os.environ.get("PYTHONPATH", "")])}
    log = open(root / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen([str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "web:create_app()"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"gunicorn did not answer on {port}: see {root / 'gunicorn.log'}")


def floor_rate(backend: str, root: Path) -> float:
    """The database's own saves/s: the save's SQL alone (version check, update, audit row,
    commit) from one connection, on a scratch database of its own (its audit rows are not
    chained, so they stay out of the load run's database)."""
    settings, pg_name = database(backend, root / "floor")
    try:
        engine = make_engine(settings.sqlalchemy_url)
        upgrade_database(engine)
        with make_session_factory(engine)() as session:
            seeded = seed(session, 8, bulk=True)
            rubric = queries.assessment_rubric(session, seeded.assessment_id)
        item = next(i.id for _, i in rubric.all_items())
        town = next(iter(seeded.towns.values()))
        with make_session_factory(engine)() as session:
            marked = session.execute(select(MarkRow.reviewer_id).where(
                MarkRow.assessment_id == seeded.assessment_id, MarkRow.town_id == town,
                MarkRow.item_id == item)).scalars().first()
        median = database_floor(engine, seeded.assessment_id, town, item, marked, 2000)
        engine.dispose()
        return 1 / median
    finally:
        drop(pg_name)


def run(backend: str, port: int, args) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"load-{backend}-"))
    settings, pg_name = database(backend, root)
    server = None
    try:
        engine = make_engine(settings.sqlalchemy_url)
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            seeded = seed(session, args.towns, bulk=True, load_reviewers=args.reviewers, scored_share=0.5)
            rubric = queries.assessment_rubric(session, seeded.assessment_id)
        items = [i.id for _, i in rubric.all_items()]
        reviewers = [(u, [(t, i) for t in towns for i in items]) for u, towns in seeded.load_reviewers.items()]
        floor = floor_rate(backend, root)
        server = start_server(settings, port, root)
        print(f"\n## {backend}: {args.towns} towns, {args.reviewers} reviewers, gunicorn -w 2 on :{port}, "
              f"load average {os.getloadavg()[0]:.2f}")
        versions: dict = {}
        acked: list = []
        lock = threading.Lock()
        aid = seeded.assessment_id
        # This process stands in for 50 browsers, but holds what seeding imported and built: a full
        # collection of its own walked all of it in the middle of timing some request.
        gc.collect()
        gc.freeze()
        begun = time.perf_counter()
        clients = sign_in(port, reviewers, aid)
        print(f"{'logins (form) + first page':34} {len(clients)} in {time.perf_counter() - begun:.1f} s")
        phase = (port, reviewers, aid)
        log = root / "gunicorn.log"
        mark = log.stat().st_size
        report("1 reviewer, flat out", run_phase(port, reviewers[:1], aid, args.flat, False, versions, acked,
                                                 lock, clients))
        report_server(log, mark)
        mark = log.stat().st_size
        report(f"{args.reviewers} reviewers, a save every 1-3 s",
               run_phase(*phase, args.paced, True, versions, acked, lock, clients), max_p95_ms=100)
        report_server(log, mark)
        mark = log.stat().st_size
        flat = run_phase(*phase, args.flat, False, versions, acked, lock, clients)
        report(f"{args.reviewers} reviewers, flat out", flat, min_rate=200)
        report_server(log, mark)
        ratio = floor / (flat["saves"] / flat["seconds"]) if flat["saves"] else float("inf")
        print(f"{'database floor (same SQL, raw)':34} {floor:7.0f} tx/s, one connection: the flat-out run is "
              f"{ratio:.1f}x below it   target within ~15x: {'met' if ratio <= 15 else 'NOT met'}")
        print(f"{'load average after':34} {os.getloadavg()[0]:.2f}")
        check(factory, aid, seeded.users, acked)
        engine.dispose()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)  # the process group this run started
            server.wait(timeout=30)
        drop(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--towns", type=int, default=200)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--paced", type=float, default=30, help="seconds of the paced phase")
    parser.add_argument("--flat", type=float, default=15, help="seconds of each flat-out phase")
    parser.add_argument("--port", type=int, default=18140, help="in 18100-18199; the next backend takes +1")
    args = parser.parse_args()
    for n, backend in enumerate(args.backends):
        run(backend, args.port + n, args)


if __name__ == "__main__":
    main()
