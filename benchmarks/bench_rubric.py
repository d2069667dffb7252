"""Time to check a large rubric, and to refuse a YAML alias bomb.

    python benchmarks/bench_rubric.py              # 5,000 items
    python benchmarks/bench_rubric.py --items 2000 --repeat 3

Builds a rubric of ``--items`` items (50 categories, every scoring method, flow-style
YAML as a hand-written file would be), then times ``parse_rubric`` (YAML, line map, model,
cross-field checks) on the valid text and on a text with one duplicate id per category.
Also times the refusal of a "billion laughs" alias bomb, alone and after ~1 MB of rubric
text (the worst case under the size limit). Prints figures only.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from scoring.errors import RubricError
from scoring.rubric.load import parse_rubric

CATEGORIES = 50
METHODS = [
    "{kind: deduct, rules: [{id: %(id)s-a, reason: 未落实, amount: 0.5}, {id: %(id)s-b, reason: 每少一次, amount: 0.2, cap: 1}]}",
    "{kind: levels, levels: [{name: 好, points: 2}, {name: 一般, points: 1}, {name: 差, points: 0}]}",
    "{kind: binary}",
    "{kind: ratio, full_at: 0.95}",
    "{kind: judgement}",
]


def big_rubric(items: int, duplicate: bool = False) -> str:
    per = max(1, items // CATEGORIES)
    lines = ["id: big", "version: 1", "title: 大型考核细则", "year: 2025", "issuer: 区委依法治区办",
             f"total_points: {2 * per * CATEGORIES}",
             "grades:", "  - {name: 优秀, min_total: 90}", "  - {name: 不合格, min_total: 0}",
             "categories:"]
    for c in range(CATEGORIES):
        lines += [f"  - id: C{c}", f"    title: 一级指标{c}", f"    points: {2 * per}", "    items:"]
        for i in range(per):
            ident = f"C{c}-{i}" if not (duplicate and i == 1) else f"C{c}-0"
            method = METHODS[i % len(METHODS)] % {"id": ident}
            lines.append(f"      - {{id: {ident}, title: 项目{i}, max_points: 2, method: {method}, "
                         f"criteria: 按要求完成, department: 区司法局}}")
    return "\n".join(lines) + "\n"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(6))


def timed(text: str, repeat: int) -> tuple[float, int]:
    times, problems = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            parse_rubric(text, "big.yaml")
        except RubricError as error:
            problems = len(error.problems)
        times.append(time.perf_counter() - start)
    return statistics.median(times), problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for duplicate in (False, True):
        text = big_rubric(args.items, duplicate)
        seconds, problems = timed(text, args.repeat)
        print(f"{args.items} items, {len(text.encode()) / 1024:.0f} KB, "
              f"{'one duplicate id per category' if duplicate else 'valid'}: "
              f"{seconds:.2f} s (median of {args.repeat}), {problems} problem(s)")
    seconds, problems = timed(BOMB, args.repeat)
    print(f"alias bomb, {len(BOMB.encode())} bytes: {seconds * 1000:.1f} ms, {problems} problem(s)")
    # The worst case under the 1 MB limit: a bomb after ~1 MB of valid rubric text.
    late = big_rubric(5800) + "x: " + BOMB.splitlines()[0].split(": ", 1)[1] + "\n"
    seconds, problems = timed(late, args.repeat)
    print(f"anchor after {len(late.encode()) / 1024:.0f} KB of rubric: {seconds:.2f} s, {problems} problem(s)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
