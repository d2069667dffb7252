"""The ranking's sensitivity at 200 and 2,000 towns: the computation alone, and the admin page after a change.

    PYTHONPATH=. python benchmarks/bench_sensitivity.py                 # 200 and 2,000 towns, SQLite
    PYTHONPATH=. python benchmarks/bench_sensitivity.py --towns 200 --repeat 9

Each district is seeded as bench_pages.py seeds it (district.py; marks in bulk by default:
the same marks as through ``services.record_mark``, minutes faster). Then:

* ``sensitivity(...)`` on the tables the admin page reads, beside the straightforward
  computation it replaced (each variant's whole outcome: ``reference`` in
  tests/scoring/test_sensitivity.py), and checked equal to it;
* the admin assessment page with the sensitivity (``?sensitivity=1``: the district is being
  scored; from review on it is shown unasked), first view after a save, and after a
  resolution of a disagreement, beside the page without it. An appeal decision is a save of
  one town's mark too (``mark.adjust``), so it costs what the save does. The page answers
  with the flags last computed while the current ones are computed in the background
  (``services/background.py``); the time until they are current is printed below it.

Figures are wall and CPU ms (the machine is shared: wall time includes waiting for a core),
each target with met / NOT met. Asserts nothing but the equality.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from bench_pages import PASSWORD, Timed, ms, verdict
from district import seed
from pandas.testing import assert_frame_equal

from scoring import services
from scoring.sensitivity import sensitivity
from scoring.services import background
from scoring.services import calibration as calibration_pages
from scoring.services.disagreements import disagreement_queue
from scoring.settings import Settings
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database
from tests.scoring.test_sensitivity import reference


def run(n_towns: int, repeat: int, bulk: bool) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"bench-sensitivity-{n_towns}-"))
    settings = Settings(environment="test", instance_path=root)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        seeded = seed(session, n_towns, bulk=bulk)
    print(f"\n## {n_towns} towns: {seeded.marks} marks seeded in {seeded.seconds:.0f} s")
    aid = seeded.assessment_id
    with factory() as session:
        rubric, outcome, raw, resolved, towns = calibration_pages._tables(session, aid)
        names = {u.username: u.display_name for u in queries.users(session)}
    old, new = Timed(), Timed()
    for _ in range(max(2, repeat // 3)):
        old.add(lambda: reference(rubric, resolved, towns, raw=raw, base=outcome, names=names))
    for _ in range(repeat):
        new.add(lambda: sensitivity(rubric, resolved, towns, raw=raw, base=outcome, names=names))
    fast = sensitivity(rubric, resolved, towns, raw=raw, base=outcome, names=names)
    variants, frame, depends = reference(rubric, resolved, towns, raw=raw, base=outcome, names=names)
    assert fast.variants == variants and fast.depends == depends
    assert_frame_equal(fast.table, frame, check_exact=True)
    print(f"{'what':38} {'wall ms':>8} {'CPU ms':>8}   target")
    verdict("sensitivity, each variant's outcome", *old.median, None)
    verdict("sensitivity, shared work (equal)", *new.median, None)
    pages(settings, factory, seeded, repeat)
    engine.dispose()


def pages(settings, factory, seeded, repeat: int) -> None:
    from web import create_app

    logging.getLogger("scoring.requests").setLevel(logging.WARNING)
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    aid, town_id, reviewer = seeded.assessment_id, next(iter(seeded.towns.values())), seeded.users["sifaju"]
    with factory() as session:
        rubric = queries.assessment_rubric(session, aid)
    item = next(i for c, i in rubric.all_items() if c.id in "ABC" and i.method.kind == "deduct")
    counts = iter(range(1, 10**6))

    def save() -> None:
        with factory() as session:
            version = queries.reviewer_marks(session, aid, town_id, reviewer)[item.id].version
            services.record_mark(session, Actor(reviewer, "sifaju"), assessment_id=aid, town_id=town_id,
                                 item_id=item.id, reviewer_id=reviewer, expected_version=version,
                                 inputs={"deductions": [{"rule": item.method.rules[0].id, "count": next(counts) % 900 + 1,
                                                         "reason": "基准"}]})

    def view(path: str) -> None:
        assert admin.get(f"/admin/assessments/{aid}{path}").status_code == 200

    target = 100 if len(seeded.towns) <= 200 else 150
    for label, path in (("admin page", ""), ("admin page + sensitivity", "?sensitivity=1")):
        view(path)  # computed once before: the change is caught up with
        background.settle()
        first, warm, current = Timed(), Timed(), Timed()
        for _ in range(repeat):
            save()
            first.add(lambda path=path: view(path))
            current.add(background.settle)  # the flags computed in the background, then shown
            warm.add(lambda path=path: view(path))
        verdict(f"{label}, after a save", *first.median, target)
        if path:
            print(f"  flags current after (background)       {ms(first.median[0] + current.median[0])}")
        verdict(f"{label}, warm", *warm.median, target)
    with factory() as session:
        queue = disagreement_queue(session, aid)[:repeat]
    resolved, current = Timed(), Timed()
    for d in queue:
        with factory() as session:
            operations.resolve_disagreement(session, Actor(seeded.users["admin"], "admin"), assessment_id=aid,
                                            town_id=d.town_id, item_id=d.item_id, reason="基准",
                                            reviewer_id=d.marks[0].reviewer_id)
        resolved.add(lambda: view("?sensitivity=1"))
        current.add(background.settle)
    if queue:
        verdict("admin page + sensitivity, resolution", *resolved.median, target)
        print(f"  flags current after (background)       {ms(resolved.median[0] + current.median[0])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record-mark", action="store_true", help="seed through services.record_mark, not in bulk")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    start = time.perf_counter()
    for n in args.towns:
        run(n, args.repeat, bulk=not args.record_mark)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
