"""Server time of the pages and of a mark save at 8, 200 and 2,000 towns, beside the database's floor.

    PYTHONPATH=. python benchmarks/bench_pages.py                    # SQLite, 8 / 200 / 2,000 towns
    PYTHONPATH=. python benchmarks/bench_pages.py --towns 8 200 --postgres

Each district is seeded through the store's operations (up to ``--bulk-above`` towns: every mark
through ``services.record_mark``, audited; larger: marks inserted in bulk, see district.py).
Pages are requested through the Flask app in-process (server time: routing, services,
templates; no network). "first view after a save" follows a save that changed the town's
total (the cached outcome catches up with that town); "warm" is the median of the views after
it. Saves are timed through ``services.record_mark`` as the endpoint calls it: a new comment
on a score and a score not seen before (its item's points computed from the one mark); the
endpoint line adds Flask, the session and JSON: it is the server's time per save. A last line
adds the town's running total, which the service can give but no page shows (reviewers see
their own items' points only): on PostgreSQL it is a read transaction more after the commit. The floor is the same update of a mark plus
an audit row in raw SQL on the same database. Every figure is printed as wall and CPU time
(the machine is shared: wall time includes waiting for a core), each target with met / NOT
met and the save's ratio to the floor; a summary closes the run. Asserts nothing.
The admin page with the ranking's sensitivity answers with the flags last computed while the
current ones are computed in the background; the time until they are shown is printed too.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from district import PASSWORD, seed
from sqlalchemy import create_engine, text

from scoring import services
from scoring.services import background
from scoring.settings import Settings
from scoring.store import queries
from scoring.store.audit import Actor
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


@dataclass
class Timed:
    """Wall and CPU seconds of repeated calls (the CPU time of this process: on a shared
    machine the wall time also counts the time spent waiting for a core)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, call) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)

    @property
    def median(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


def timed(call, repeat: int) -> tuple[Timed, Timed]:
    """(the first call, the calls after it)."""
    first, rest = Timed(), Timed()
    first.add(call)
    for _ in range(repeat - 1):
        rest.add(call)
    return first, rest


VERDICTS: list[tuple[str, bool, bool]] = []  # (what, met by wall time, met by CPU time)


def verdict(name: str, wall: float, cpu: float, target_ms: float | None, floor: float | None = None) -> None:
    """Print one figure: wall and CPU ms, the target with met / NOT met, and the ratio to the floor."""
    line = f"{name:38} {ms(wall)} {ms(cpu)}"
    if target_ms is not None:
        met_wall, met_cpu = wall * 1000 < target_ms, cpu * 1000 < target_ms
        VERDICTS.append((name, met_wall, met_cpu))
        line += f"   < {target_ms:<6g} {'met' if met_wall else 'NOT met':8} (CPU: {'met' if met_cpu else 'NOT met'})"
    if floor:
        line += f"   {wall / floor:6.1f}× floor"
    print(line)


def database(backend: str, root: Path) -> tuple[Settings, str | None]:
    if backend == "sqlite":
        return Settings(environment="test", instance_path=root), None
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Settings(environment="test", instance_path=root,
                    database_url=PG_ADMIN.rsplit("/", 1)[0] + "/" + name), name


def drop(name: str | None) -> None:
    if name:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(backend: str, n_towns: int, repeat: int, bulk_above: int) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-{n_towns}-"))
    settings, pg_name = database(backend, root)
    try:
        engine = make_engine(settings.sqlalchemy_url)
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            seeded = seed(session, n_towns, bulk=n_towns > bulk_above)
        print(f"\n## {backend}, {n_towns} towns: {seeded.marks} marks seeded in {seeded.seconds:.0f} s"
              f" ({'bulk' if n_towns > bulk_above else 'record_mark'})")
        measure(settings, engine, factory, seeded, repeat)
        engine.dispose()
    finally:
        drop(pg_name)


def measure(settings, engine, factory, seeded, repeat: int) -> None:
    from web import create_app

    logging.getLogger("scoring.requests").setLevel(logging.WARNING)  # one JSON line a request
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    aid = seeded.assessment_id
    town_id = next(iter(seeded.towns.values()))
    with factory() as session:
        rubric = queries.assessment_rubric(session, aid)
    item = next(i for c, i in rubric.all_items() if c.id in "ABC" and i.method.kind == "deduct")
    reviewer = seeded.users["sifaju"]
    admin, sheet = app.test_client(), app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    sheet.post("/login", data={"username": "sifaju", "password": PASSWORD})
    counter = iter(range(10**6))
    rule = item.method.rules[0].id

    def score(count: int, comment: str = "") -> dict:
        return {"deductions": [{"rule": rule, "count": count, "reason": "基准"}], "comment": comment}

    def version() -> int:
        with factory() as session:
            return queries.reviewer_marks(session, aid, town_id, reviewer)[item.id].version

    def save_service(inputs: dict, running_total: bool = False) -> Timed:
        """One save through services.record_mark as the endpoint calls it, timed alone; with
        ``running_total`` also the town's total, which the service can give and no page shows
        (reviewers see their own items' points only)."""
        expected = version()
        with factory() as session:
            one = Timed()
            one.add(lambda: services.record_mark(
                session, Actor(reviewer, "sifaju"), assessment_id=aid, town_id=town_id, item_id=item.id,
                reviewer_id=reviewer, inputs=inputs, expected_version=expected, running_total=running_total))
            return one

    known: dict[str, int] = {}

    def save_endpoint() -> None:
        """A comment typed into the sheet: the version is the one the last reply gave, as in the browser."""
        response = sheet.post(f"/review/{aid}/towns/{town_id}/items/{item.id}/mark",
                              json={"fields": {"comment": f"基准{next(counter)}"}, "version": known["version"]})
        assert response.status_code == 200, response.status_code
        known["version"] = response.get_json()["version"]

    def merged(runs: list[Timed]) -> Timed:
        return Timed([t for r in runs for t in r.wall], [t for r in runs for t in r.cpu])

    pages = {
        "town scorecard": lambda: admin.get(f"/admin/assessments/{aid}/towns/{town_id}/scorecard"),
        "reviewer sheet": lambda: sheet.get(f"/review/{aid}/towns/{town_id}"),
        "admin assessment": lambda: admin.get(f"/admin/assessments/{aid}"),
    }
    n = max(repeat, 20)
    floor = database_floor(engine, aid, town_id, item.id, reviewer, n)  # its audit rows: computed again below
    for call in pages.values():
        assert call().status_code == 200
    save_service(score(1))
    comment = merged([save_service(score(1, f"基准{k}")) for k in range(n)])
    scored = merged([save_service(score(2 + k % 900)) for k in range(n)])  # a count not seen before
    totalled = merged([save_service(score(2 + (n + k) % 900), running_total=True) for k in range(n)])
    known["version"] = version()
    endpoint = timed(save_endpoint, n)[1]
    page_target = 100 if len(seeded.towns) <= 200 else 150
    print(f"{'what':38} {'wall ms':>8} {'CPU ms':>8}   target")
    print(f"{'database floor (update + audit row)':38} {ms(floor)}")
    verdict("save, a new comment on a score", *comment.median, 5, floor)
    verdict("save, a new score (its points computed)", *scored.median, 5, floor)
    verdict("save, endpoint (Flask, JSON, session)", *endpoint.median, 5, floor)
    verdict("  + the town's running total (no page)", *totalled.median, None, floor)
    for name, call in pages.items():
        save_service(score(next(counter) % 900 + 1))  # a new total: the next view catches up
        first, warm = timed(call, repeat)
        verdict(f"{name}, first view after a save", *first.median, page_target)
        verdict(f"{name}, warm", *warm.median, page_target)
    sensitivity(admin, aid, lambda: save_service(score(next(counter) % 900 + 1)), repeat, page_target)
    if len(seeded.towns) <= 200:  # a province's ranking is a background job (bench_documents.py times it)
        ranking_pdf(settings, factory, aid, lambda n: save_service(score(n % 900 + 1)), len(seeded.towns))


def sensitivity(admin, aid: int, save, repeat: int, target: float) -> None:
    """The admin page with the ranking's sensitivity flags (shown from review on): it answers
    with the flags last computed while the current ones are computed in the background."""
    page = f"/admin/assessments/{aid}?sensitivity=1"
    assert admin.get(page).status_code == 200
    background.settle()  # the flags of the data before the save exist
    save()
    first = Timed()
    first.add(lambda: admin.get(page))
    started = time.perf_counter()
    background.settle()
    computed = time.perf_counter() - started
    warm = timed(lambda: admin.get(page), repeat)[1]  # the flags current; nothing computing
    verdict("admin with sensitivity, first view after a save", *first.median, target)
    print(f"  current flags shown after (background)  {ms(first.wall[0] + computed)}")
    verdict("admin with sensitivity, warm", *warm.median, target)


def ranking_pdf(settings, factory, aid: int, save, towns: int) -> None:
    """The ranking PDF after a change of the data: in a process that rendered before (the
    renderer's fonts and stylesheets loaded, as in a serving worker), and in a fresh one; then
    the render alone in this process, by CPU time (the worker's cost without the wait for a core)."""
    from scoring.report.pdf import get_renderer
    from scoring.services.documents import ranking_pdf as render

    first = Timed()
    with factory() as session:
        first.add(lambda: render(settings, session, aid))  # WeasyPrint imported, fonts loaded, then the PDF
    verdict("ranking PDF, first in the process", *first.median, None)
    get_renderer()
    warm = Timed()
    for n in range(3):
        save(n + 1)
        shutil.rmtree(settings.instance_path / "pdf-cache", ignore_errors=True)  # not rendered before
        with factory() as session:
            warm.add(lambda: render(settings, session, aid))
    verdict("ranking PDF after a change (warm worker)", *warm.median, 1000 if towns <= 200 else None)
    # The worker's own cost, which the wall time above hides on a shared machine: the same
    # render in this process (renderer warm), CPU time of the render alone.
    from scoring.report.render import render_ranking_html
    from scoring.report.worker import render_document

    with factory() as session:
        html = render_ranking_html(services.district_ranking(session, aid))
    render_document(html)
    cpu = []
    for _ in range(5):
        start = time.process_time()
        render_document(html)
        cpu.append(time.process_time() - start)
    print(f"{'  its render alone (CPU, in-process)':38} {'':8} {ms(statistics.median(cpu))}")


def database_floor(engine, aid: int, town_id: int, item: str, reviewer: int, repeat: int) -> float:
    """Median seconds of the save's own SQL alone: version check, update, audit row, commit."""
    times = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        sqlite = engine.dialect.name == "sqlite"
        p = "?" if sqlite else "%s"
        for n in range(repeat):
            start = time.perf_counter()
            cursor.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            cursor.execute(f"SELECT id, version FROM marks WHERE assessment_id={p} AND town_id={p} AND item_id={p}"
                           f" AND reviewer_id={p}" + ("" if sqlite else " FOR UPDATE"), (aid, town_id, item, reviewer))
            mark_id, version = cursor.fetchone()
            cursor.execute(f"UPDATE marks SET inputs={p}, version={p} WHERE id={p}",
                           (f'{{"comment": "floor{n}"}}', version + 1, mark_id))
            cursor.execute(f"INSERT INTO audit_events (at, actor_id, actor_name, action, object_type, object_key,"
                           f" reason, prev_hash, hash) VALUES ({p}, NULL, 'bench', 'bench.floor', 'mark', {p}, '',"
                           f" {p}, {p})", ("2026-01-01 00:00:00", str(mark_id), "0" * 64, "0" * 64))
            cursor.execute("COMMIT")
            times.append(time.perf_counter() - start)
    finally:
        raw.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, nargs="+", default=[8, 200, 2000])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL as well as SQLite")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], help="instead of --postgres")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--bulk-above", type=int, default=500,
                        help="districts larger than this get their marks in bulk (200 towns through "
                             "record_mark take several minutes here)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for backend in args.backends or (["sqlite", "postgres"] if args.postgres else ["sqlite"]):
        for n in args.towns:
            run(backend, n, args.repeat, args.bulk_above)
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    met = sum(wall for _, wall, _ in VERDICTS)
    print(f"targets met: {met} of {len(VERDICTS)} by wall time, {sum(cpu for _, _, cpu in VERDICTS)} of "
          f"{len(VERDICTS)} by CPU time" + "".join(f"\n  NOT met: {name}" for name, wall, _ in VERDICTS if not wall))


if __name__ == "__main__":
    main()
