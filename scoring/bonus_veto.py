"""Bonus items (加分项) and veto items (一票否决): per-town bonus and veto findings.

Few marks concern these items (a handful per town), so plain Python over those rows
is both clearest and fast; the rows are found with one vectorised filter.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring.errors import InvalidMark
from scoring.marks import MarkTable
from scoring.method_points import rows_of
from scoring.points import to_cents
from scoring.rubric import Rubric


def combine(values: Sequence[int], rule: str) -> int:
    """Combine reviewers' cents by the rubric's rule, rounded half up (see item_scores)."""
    ordered = sorted(values)
    n = len(ordered)
    if rule == "median":
        return math.floor((ordered[(n - 1) // 2] + ordered[n // 2]) / 2 + 0.5)
    if rule == "trimmed_mean" and n >= 3:
        ordered = ordered[1:-1]
    return (2 * sum(ordered) + len(ordered)) // (2 * len(ordered))


def bonus_points(rubric: Rubric, table: MarkTable) -> dict[str, int]:
    """Return each town's bonus in cents (towns without a bonus are absent).

    Per reviewer's mark: one matter recognised at several levels counts only its highest
    level; the matters' sum is capped by the item's ``max_points``. Reviewers are combined
    by the rubric's rule like scored items; the bonus items' sum is capped by the
    section's ``cap``. A bonus item nobody marked gives 0 (a bonus is never "missing").
    """
    if rubric.bonus is None or table.claims.empty:
        return {}
    level_cents = {(b.id, lv.name): to_cents(lv.points) for b in rubric.bonus.items for lv in b.levels}
    item_cap = {b.id: to_cents(b.max_points) for b in rubric.bonus.items}
    rows = rows_of(table.marks, table.claims["mark_id"].to_numpy())
    towns = table.marks["town"].to_numpy()
    items = table.marks["item"].to_numpy()
    best: dict[tuple[int, str], int] = {}  # (mark row, matter) -> highest level's cents
    for row, matter, level in zip(rows, table.claims["matter"], table.claims["level"], strict=True):
        item = str(items[row]) if row >= 0 else None
        if item not in item_cap:
            continue
        cents = level_cents.get((item, level))
        if cents is None:
            raise InvalidMark(item, "claims", f"unknown level {level!r}")
        best[(row, matter)] = max(best.get((row, matter), 0), cents)
    per_mark: dict[int, int] = defaultdict(int)
    for (row, _), cents in best.items():
        per_mark[row] += cents
    per_item: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, cents in per_mark.items():
        item = str(items[row])
        per_item[(str(towns[row]), item)].append(min(cents, item_cap[item]))
    per_town: dict[str, int] = defaultdict(int)
    for (town, _), values in per_item.items():
        per_town[town] += combine(values, rubric.aggregation.rule)
    cap = to_cents(rubric.bonus.cap)
    return {town: min(cents, cap) for town, cents in per_town.items()}


def veto_findings(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return per town with a finding: veto_findings, vetoes, max_grade, total_cap (NaN = none).

    A veto counts as triggered when any reviewer's mark records it: it is a finding of
    fact (弄虚作假, 拒不履行裁判) that the appeal procedure, not averaging, settles. With
    several vetoes the strictest effect wins: the lowest allowed grade and the lowest cap
    (``zero`` caps the total at 0).
    """
    columns = ["veto_findings", "vetoes", "max_grade", "total_cap"]
    lowest = len(rubric.grades) - 1
    grade_rank = {band.name: index for index, band in enumerate(rubric.grades)}
    effects = {}
    for veto in rubric.vetoes:
        cap = 0 if veto.total == "zero" else to_cents(veto.total_cap) if veto.total_cap is not None else None
        effects[veto.id] = (grade_rank.get(veto.max_grade, lowest) if veto.max_grade else lowest, cap)
    marks = table.marks
    triggered = np.flatnonzero(marks["triggered"].to_numpy(dtype=bool))  # few rows: find them first
    found: dict[str, set[str]] = defaultdict(set)
    for town, item in zip(marks["town"].to_numpy()[triggered], marks["item"].to_numpy()[triggered], strict=True):
        if str(item) in effects:
            found[str(town)].add(str(item))
    rows = {}
    for town, ids in found.items():
        caps = [effects[i][1] for i in ids if effects[i][1] is not None]
        grade = rubric.grades[max(effects[i][0] for i in ids)].name
        rows[town] = (len(ids), ",".join(sorted(ids)), grade, min(caps) if caps else np.nan)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.index.name = "town"
    return frame
