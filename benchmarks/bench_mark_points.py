"""Time of one saved mark's points and of a reviewer's handful of marks (not a test): prints figures.

    PYTHONPATH=. python benchmarks/bench_mark_points.py [--repeat 2000]

On the demo rubric, for one item of each scoring method: ``running.item_points`` (the save's
call: the mark read and validated, then its points) and ``running._mark_points`` (the points
alone, from the mark's frame values), each with the remembering cache cleared before every
call (new values, as a save that changes the mark); then ``running.points_text`` of ten marks
(the scoring sheet's handful). Medians and 5th-95th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from scoring.marks import frame_values, read_mark
from scoring.methods import METHODS
from scoring.rubric.load import load_rubric
from scoring.services import running

RUBRIC = "rubrics/town-rule-of-law-2025.yaml"


def spread(times: list[float]) -> str:
    ordered = sorted(times)
    p5, p95 = (ordered[round(q * (len(ordered) - 1))] for q in (0.05, 0.95))
    return (f"median {statistics.median(times) * 1000:7.3f} ms   p5 {p5 * 1000:7.3f}   "
            f"p95 {p95 * 1000:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    rubric = load_rubric(RUBRIC)
    rng = random.Random(7)
    items = {}
    for _, item in rubric.all_items():
        items.setdefault(item.method.kind, item)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for kind, item in items.items():
        method = METHODS[kind]
        inputs = [method.demo_inputs(item, rng.random() < 0.3, rng.random(), rng) for _ in range(args.repeat)]
        values = [frame_values(read_mark(rubric, town="-", item=item.id, reviewer="-", inputs=i)) for i in inputs]
        running.item_points(rubric, 1, item.id, inputs[0])  # warm: the rubric's tables built
        saves, alone = [], []
        for given, value in zip(inputs, values, strict=True):
            running._points.clear()
            start = time.perf_counter()
            running.item_points(rubric, 1, item.id, given)
            saves.append(time.perf_counter() - start)
            running._points.clear()
            start = time.perf_counter()
            running._mark_points(rubric, 1, item.id, value)
            alone.append(time.perf_counter() - start)
        print(f"{kind:10} item_points   {spread(saves)}")
        print(f"{'':10} _mark_points  {spread(alone)}")
    sheet = []
    for index, (_, item) in enumerate(rubric.all_items()):
        if index % 3 == 0 and len(sheet) < 10:
            inputs = METHODS[item.method.kind].demo_inputs(item, False, 0.6, rng)
            sheet.append(read_mark(rubric, town="镇", item=item.id, reviewer="r", inputs=inputs))
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        running.points_text(rubric, sheet)
        times.append(time.perf_counter() - start)
    print(f"{'10 marks':10} points_text   {spread(times)}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
