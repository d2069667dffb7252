"""Time and peak memory of results + ranking for synthetic assessments.

    python benchmarks/bench_results.py            # 60 towns and 40,000 towns
    python benchmarks/bench_results.py --towns 60 --repeat 20

Each size runs in a fresh subprocess so that its peak memory (max RSS) is its own.
Builds 40 items (8 categories × 5, every scoring method), 3 reviewers per item, two
deduction rules per deduct item, some bonus claims and veto findings, then times
``compute_outcome`` (item scores -> results -> ranking).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd

from scoring.marks import MarkTable
from scoring.outcome import compute_outcome
from scoring.rubric import Rubric

METHODS = ["deduct", "levels", "binary", "ratio", "judgement"]


def synthetic_rubric() -> Rubric:
    categories = []
    for c in range(8):
        items = []
        for i in range(5):
            kind = METHODS[i]
            method: dict = {"kind": kind}
            if kind == "deduct":
                method["rules"] = [
                    {"id": "each", "reason": "每少一次", "amount": Decimal("0.5"), "cap": 2},
                    {"id": "none", "reason": "未建立制度", "amount": 1},
                ]
            elif kind == "levels":
                method["levels"] = [
                    {"name": n, "points": p}
                    for n, p in (("好", Decimal("2.5")), ("较好", 2), ("一般", 1), ("差", 0))
                ]
            elif kind == "ratio":
                method["full_at"] = Decimal("0.95")
            items.append(
                {
                    "id": f"C{c}I{i}",
                    "title": f"项目{c}-{i}",
                    "max_points": Decimal("2.5"),
                    "method": method,
                    "criteria": "要求",
                    "department": "区司法局",
                }
            )
        categories.append(
            {"id": f"C{c}", "title": f"类别{c}", "points": Decimal("12.5"), "items": items}
        )
    return Rubric.model_validate(
        {
            "id": "bench",
            "version": 1,
            "title": "bench",
            "year": 2025,
            "issuer": "bench",
            "total_points": 100,
            "aggregation": {"rule": "trimmed_mean", "disagreement_threshold": 1},
            "grades": [
                {"name": "优秀", "min_total": 90, "quota": Decimal("0.3")},
                {"name": "良好", "min_total": 80},
                {"name": "合格", "min_total": 60},
                {"name": "不合格", "min_total": 0},
            ],
            "tie_break": ["total", "category:C4", "fewer_veto_findings"],
            "categories": categories,
            "bonus": {
                "cap": 5,
                "items": [
                    {
                        "id": f"X{b}",
                        "title": "加分",
                        "max_points": 3,
                        "levels": [{"name": "国家", "points": 3}, {"name": "市", "points": 2}],
                    }
                    for b in range(3)
                ],
            },
            "vetoes": [
                {"id": "V1", "title": "弄虚作假"},
                {"id": "V2", "title": "拒不履行", "max_grade": "良好"},
            ],
        }
    )


def synthetic_marks(rubric: Rubric, towns: int, reviewers: int = 3, seed: int = 7) -> MarkTable:
    """Marks of every town × item × reviewer, built directly as frames (no per-row objects).

    Columns are categorical, as a bulk loader would build them; a tenth of the towns
    claim a bonus and one in fifty has a veto finding.
    """
    rng = np.random.default_rng(seed)
    item_ids = [item.id for _, item in rubric.all_items()]
    all_ids = [*item_ids, "X0", "V2"]
    n_items = len(item_ids)
    lucky = rng.choice(towns, size=max(1, towns // 10), replace=False)
    vetoed = rng.choice(towns, size=max(1, towns // 50), replace=False)
    n_scored = towns * n_items * reviewers
    n = n_scored + len(lucky) + len(vetoed)
    town_codes = np.concatenate([np.repeat(np.arange(towns), n_items * reviewers), lucky, vetoed])
    item_codes = np.concatenate([np.tile(np.repeat(np.arange(n_items), reviewers), towns),
                                 np.full(len(lucky), n_items), np.full(len(vetoed), n_items + 1)])
    kind = np.where(item_codes < n_items, item_codes % 5, -1)
    quality = rng.beta(8, 2, size=towns)[town_codes]
    level_pick = np.clip((rng.random(n) * (1.6 - quality) * 4).astype(int), 0, 3)
    reviewer_codes = np.concatenate([np.tile(np.arange(reviewers), towns * n_items), np.zeros(n - n_scored, int)])
    marks = pd.DataFrame({
        "town": pd.Categorical.from_codes(town_codes, categories=[f"镇{t:05d}" for t in range(towns)]),
        "item": pd.Categorical.from_codes(item_codes, categories=all_ids),
        "reviewer": pd.Categorical.from_codes(reviewer_codes, categories=[f"r{r}" for r in range(reviewers)]),
        "level": pd.Categorical.from_codes(np.where(kind == 1, level_pick, -1), categories=["好", "较好", "一般", "差"]),
        "met": np.where(kind == 2, (rng.random(n) < quality).astype(float), np.nan),
        "ratio_bp": np.where(kind == 3, np.round(quality * 10_000 * rng.uniform(0.9, 1.05, n)).clip(0, 10_000), np.nan),
        "points": np.where(kind == 4, np.round(250 * quality * rng.uniform(0.8, 1.0, n)), np.nan),
        "triggered": item_codes == n_items + 1,
        "not_applicable": np.zeros(n, dtype=bool),
    })
    marks.index.name = "mark_id"
    deduct_rows = np.flatnonzero((kind == 0) & (rng.random(n) > quality))
    deductions = pd.DataFrame({
        "mark_id": deduct_rows,
        "rule": pd.Categorical.from_codes((rng.random(len(deduct_rows)) < 0.8).astype(int), categories=["none", "each"]),
        "count": rng.integers(1, 5, size=len(deduct_rows)),
    })
    claims = pd.DataFrame({"mark_id": np.arange(n_scored, n_scored + len(lucky)), "matter": "创新做法", "level": "市"})
    return MarkTable(marks=marks, deductions=deductions, claims=claims)


def run_one(towns: int, repeat: int) -> dict:
    rubric = synthetic_rubric()
    table = synthetic_marks(rubric, towns)
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        outcome = compute_outcome(rubric, table)
        times.append(time.perf_counter() - start)
    first, warm = times[0], times[1:]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "towns": towns,
        "marks": len(table.marks),
        "first_s": first,
        "median_s": statistics.median(warm),
        "min_s": min(warm),
        "max_s": max(warm),
        "peak_mb": peak_mb,
        "ranked": int(outcome.ranking["rank"].notna().sum()),
        "excellent": int((outcome.ranking["grade"] == "优秀").sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, nargs="*", default=[60, 40_000])
    parser.add_argument(
        "--repeat", type=int, default=0, help="warm runs (default: 20 small, 3 large)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.towns[0], args.repeat)))
        return
    targets = {60: (0.020, None), 40_000: (2.0, 2048)}
    print(
        f"{'towns':>7} {'marks':>10} {'first s':>9} {'median s':>9} {'min s':>8} {'max s':>8} {'peak MB':>8}  target"
    )
    for towns in args.towns:
        repeat = args.repeat or (20 if towns <= 1000 else 3)
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--repeat", str(repeat), "--towns", str(towns)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        limit_s, limit_mb = targets.get(towns, (None, None))
        target = (
            f"< {limit_s * 1000:.0f} ms"
            if limit_s and limit_s < 1
            else f"< {limit_s} s"
            if limit_s
            else ""
        )
        target += f", < {limit_mb} MB" if limit_mb else ""
        print(
            f"{r['towns']:>7} {r['marks']:>10,} {r['first_s']:>9.4f} {r['median_s']:>9.4f} {r['min_s']:>8.4f} "
            f"{r['max_s']:>8.4f} {r['peak_mb']:>8.0f}  {target}  (ranked {r['ranked']}, 优秀 {r['excellent']})"
        )


if __name__ == "__main__":
    main()
