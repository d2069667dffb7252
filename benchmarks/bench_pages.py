"""Server time of the pages and of a mark save at 8, 200 and 2,000 towns, beside the database's floor.

    PYTHONPATH=. python benchmarks/bench_pages.py                    # SQLite, 8 / 200 / 2,000 towns
    PYTHONPATH=. python benchmarks/bench_pages.py --towns 8 200 --postgres

Each district is seeded through the store's operations (up to ``--bulk-above`` towns: every mark
through ``services.record_mark``, audited; larger: marks inserted in bulk, see district.py).
Pages are requested through the Flask app in-process (server time: routing, services,
templates; no network). "after a save" is the first view after a mark changed (the outcome
is computed again, once); "warm" the median of the views after it. The floor is the same
update of a mark plus an audit row in raw SQL on the same database. Prints figures and
ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from district import PASSWORD, seed
from sqlalchemy import create_engine, text

from scoring import services
from scoring.services import cache
from scoring.settings import Settings
from scoring.store import queries
from scoring.store.audit import Actor
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGETS = {"save (service)": 5, "town scorecard": 100, "reviewer sheet": 100, "admin assessment": 100}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def timed(call, repeat: int) -> tuple[float, float]:
    """(first, median of the rest) in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:] or times)


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

    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    aid = seeded.assessment_id
    town_id = next(iter(seeded.towns.values()))
    with factory() as session:
        rubric = queries.assessment_rubric(session, aid)
    item = next(i.id for c, i in rubric.all_items() if c.id in "ABC" and i.method.kind == "deduct")
    reviewer = seeded.users["sifaju"]
    admin, sheet = app.test_client(), app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    sheet.post("/login", data={"username": "sifaju", "password": PASSWORD})
    counter = iter(range(10**6))

    def save_service():
        with factory() as session:
            version = queries.reviewer_marks(session, aid, town_id, reviewer)[item].version
            session.rollback()
            start = time.perf_counter()
            services.record_mark(session, Actor(reviewer, "sifaju"), assessment_id=aid, town_id=town_id,
                                 item_id=item, reviewer_id=reviewer, inputs={"comment": f"基准{next(counter)}"},
                                 expected_version=version)
            return time.perf_counter() - start

    def save_endpoint():
        with factory() as session:
            version = queries.reviewer_marks(session, aid, town_id, reviewer)[item].version
        response = sheet.post(f"/review/{aid}/towns/{town_id}/items/{item}/mark",
                              json={"fields": {"comment": f"基准{next(counter)}"}, "version": version})
        assert response.status_code == 200, response.status_code

    pages = {
        "town scorecard": lambda: admin.get(f"/admin/assessments/{aid}/towns/{town_id}/scorecard"),
        "reviewer sheet": lambda: sheet.get(f"/review/{aid}/towns/{town_id}"),
        "admin assessment": lambda: admin.get(f"/admin/assessments/{aid}"),
    }
    for call in pages.values():
        assert call().status_code == 200
    service = [save_service() for _ in range(max(repeat, 20))]
    endpoint = timed(save_endpoint, max(repeat, 20))
    floor = database_floor(engine, aid, town_id, item, reviewer, max(repeat, 20))
    print(f"{'what':24} {'first/after save ms':>20} {'warm ms':>9} {'target':>7}")
    save_ms = statistics.median(service)
    print(f"{'save (service)':24} {'':>20} {ms(save_ms)} {'< 5':>7}   p95 {ms(sorted(service)[int(len(service) * .95) - 1])}")
    print(f"{'save (endpoint)':24} {'':>20} {ms(endpoint[1])}")
    print(f"{'database floor':24} {'':>20} {ms(floor)}   save/floor {save_ms / floor:5.1f}×,"
          f" endpoint/floor {endpoint[1] / floor:5.1f}×")
    for name, call in pages.items():
        save_service()  # a change: the next view computes the outcome again
        first, warm = timed(call, repeat)
        print(f"{name:24} {ms(first):>20} {ms(warm)} {'< 100':>7}")
    ranking_pdf(settings, factory, aid)


def ranking_pdf(settings, factory, aid: int) -> None:
    from scoring.services.documents import ranking_pdf as render

    cache.clear()
    with factory() as session:
        start = time.perf_counter()
        data = render(settings, session, aid)
    print(f"{'ranking PDF (cold)':24} {ms(time.perf_counter() - start):>20} {'':9} {'< 1000':>7}"
          f"   {len(data) // 1024} KB")


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
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--bulk-above", type=int, default=500,
                        help="districts larger than this get their marks in bulk (200 towns through "
                             "record_mark take several minutes here)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for backend in ["sqlite", "postgres"] if args.postgres else ["sqlite"]:
        for n in args.towns:
            run(backend, n, args.repeat, args.bulk_above)
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
