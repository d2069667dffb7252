"""From marks to results: item scores per town and item, then per-town totals (pandas).

All points are integer hundredths (see ``scoring.points``); frames hold them as floats
only so that "no score yet" can be NaN. The steps, each a pure function:

``method_points.mark_points``  one row per item mark: the points a reviewer's inputs give.
``item_scores``                one row per town × item: reviewers combined by the rule.
``town_results``               one row per town: category sums, bonus, veto, total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from scoring.bonus_veto import bonus_points, veto_findings
from scoring.marks import MarkTable
from scoring.method_points import (
    ItemTables,
    MarkPoints,
    compute_mark_points,
    item_tables,
    town_codes,
)
from scoring.points import div_round_half_up, to_cents
from scoring.rubric import Rubric


def item_scores(rubric: Rubric, table: MarkTable, towns: Sequence[str] | None = None,
                offsets: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Return one row per town × item: reviewers' points combined by the rubric's rule.

    Combination (rounded half up to the hundredth, once): ``mean`` of all marks;
    ``median``; ``trimmed_mean`` drops one highest and one lowest mark when there are at
    least 3, then takes the mean. ``disagreement`` is set when the highest and lowest
    marks differ by more than the rubric's threshold. An item is not applicable only
    when every mark says so; under ``full_marks`` it then earns its maximum. Items with no
    mark are ``missing`` (points NaN), never zero. ``towns`` lists towns with no marks yet.
    Rows come town by town (towns sorted by name), items in rubric order.
    ``offsets`` (reviewer -> share of an item's maximum, from ``calibration.offsets``)
    corrects each of that reviewer's marks by that share before combining: the
    normalised figures shown beside the raw ones, never instead of them.
    """
    tables = item_tables(rubric)
    computed = compute_mark_points(tables, table)
    if offsets:
        computed = corrected(tables, table, computed, offsets)
    mark_towns, town_names = town_codes(table, towns)
    columns = combine_marks(rubric, computed, mark_towns, len(town_names))
    item_index = np.tile(np.arange(len(tables.ids)), len(town_names))
    return pd.DataFrame({
        "town": pd.Categorical.from_codes(np.repeat(np.arange(len(town_names)), len(tables.ids)),
                                          categories=town_names),
        "item": pd.Categorical.from_codes(item_index, categories=tables.ids),
        "category": pd.Categorical.from_codes(tables.category[item_index], categories=tables.category_ids),
        **columns,
    })


def combine_marks(rubric: Rubric, computed: MarkPoints, mark_towns: np.ndarray, n_towns: int) -> dict[str, np.ndarray]:
    """``item_scores``' columns after town, item and category, as arrays (town by town, items
    in rubric order), from each mark's points and town position: the combination itself."""
    tables = item_tables(rubric)
    n_items, cells = len(tables.ids), n_towns * len(tables.ids)
    is_item = computed.item >= 0
    key_all = mark_towns[is_item] * n_items + computed.item[is_item]
    applicable = ~computed.not_applicable[is_item]
    key = key_all[applicable]
    values = computed.points[is_item][applicable]
    scored = ~np.isnan(values)
    key, values = key[scored], values[scored]

    n = np.bincount(key, minlength=cells)
    total = np.bincount(key, weights=values, minlength=cells)
    low = np.full(cells, np.inf)
    high = np.full(cells, -np.inf)
    np.minimum.at(low, key, values)
    np.maximum.at(high, key, values)
    has = n > 0
    low, high = np.where(has, low, 0.0), np.where(has, high, 0.0)  # no mark: no inf to subtract
    rule = rubric.aggregation.rule
    # The exact combined value is numerator / denominator (cents); it is rounded once here,
    # and rescaled categories use the exact value so that they too round once.
    if rule == "median":
        numerator, denominator = _group_median(key, values, n), np.full(cells, 2, dtype=np.int64)
    elif rule == "trimmed_mean":
        trim = n >= 3
        numerator = np.where(trim, total - low - high, total).astype(np.int64)
        denominator = np.where(trim, n - 2, n).astype(np.int64)
    else:
        numerator, denominator = total.astype(np.int64), n.astype(np.int64)
    numerator = np.where(has, numerator, 0)
    denominator = np.where(has, np.maximum(denominator, 1), 1)
    points = np.where(has, div_round_half_up(numerator, denominator), np.nan).astype(float)
    occurrences = np.bincount(key, weights=computed.occurrences[is_item][applicable][scored], minlength=cells)

    marked = np.bincount(key_all, minlength=cells)
    marked_na = np.bincount(key_all[~applicable], minlength=cells)
    not_applicable = (marked > 0) & (marked_na == marked)
    item_index = np.tile(np.arange(n_items), n_towns)
    policy = tables.na_policy[item_index]
    max_cents = tables.max[item_index]
    full_marks = not_applicable & (policy == "full_marks")
    points[full_marks] = max_cents[full_marks]
    numerator = np.where(full_marks, max_cents, numerator)
    denominator = np.where(full_marks, 1, denominator)
    rescaled = not_applicable & (policy == "rescale_category")
    threshold = to_cents(rubric.aggregation.disagreement_threshold)
    return {
        "max": max_cents,
        "points": points,
        "exact_num": numerator,
        "exact_den": denominator,
        "n_marks": n,
        "lowest": np.where(has, low, np.nan),
        "highest": np.where(has, high, np.nan),
        "deductions": np.where(has, occurrences / np.maximum(n, 1), 0.0),
        "not_applicable": not_applicable,
        "rescaled": rescaled,
        "missing": np.isnan(points) & ~rescaled,
        "disagreement": has & (high - low > threshold),
    }


def corrected(tables: ItemTables, table: MarkTable, computed: MarkPoints, offsets: Mapping[str, float]) -> MarkPoints:
    """Each mark's points less its reviewer's offset × the item's maximum, rounded, kept in [0, max]."""
    codes, reviewers = pd.factorize(table.marks["reviewer"].astype(str).to_numpy())  # each name looked up once
    share = np.array([offsets.get(r, 0.0) for r in reviewers], dtype=float)[codes] if len(codes) else np.zeros(0)
    maximum = tables.max[computed.item.clip(0)].astype(float)
    points = np.clip(np.floor(computed.points - share * maximum + 0.5), 0, maximum)  # half up, as everywhere
    return replace(computed, points=np.where(np.isnan(computed.points), np.nan, points))


def _group_median(key: np.ndarray, values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Twice the median per key (lower + upper middle value): exact integer cents × 2."""
    order = np.lexsort((values, key))
    ordered = values[order]
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    has = n > 0
    lower = ordered[np.where(has, starts + (n - 1) // 2, 0)] if len(ordered) else np.zeros(len(n))
    upper = ordered[np.where(has, starts + n // 2, 0)] if len(ordered) else np.zeros(len(n))
    return (lower + upper).astype(np.int64)


def town_results(rubric: Rubric, scores: pd.DataFrame, table: MarkTable) -> pd.DataFrame:
    """Return one row per town: category sums, bonus, veto findings and total (cents).

    Columns: town, one ``cat:<id>`` per category, items_total, bonus, total, missing
    (items without a mark), complete, applicable (items not marked not applicable), deductions (occurrences), disagreements,
    veto_findings (count), vetoes (ids, comma separated), max_grade (best grade a veto
    still allows, or None). A category with items under ``rescale_category`` that do not
    apply is scaled up: ``earned × category points / applicable maximum``, where
    ``earned`` is the sum of its items' exact (unrounded) reviewer combinations, so the
    category is rounded half up once; if none of its items apply it earns its full points. ``scores`` must come from
    ``item_scores`` (town by town, items in rubric order). Bonus and veto: see helpers.
    """
    n_items = sum(1 for _ in rubric.all_items())
    towns = list(scores["town"].to_numpy()[::n_items]) if len(scores) else []
    shape = (len(towns), n_items)

    def grid(column: str) -> np.ndarray:
        return scores[column].to_numpy().reshape(shape)

    return results_of(rubric, towns, grid, bonus_points(rubric, table), veto_findings(rubric, table))


def results_of(rubric: Rubric, towns: Sequence[str], grid: Callable[[str], np.ndarray], bonus: Mapping[str, int],
               vetoes: pd.DataFrame) -> pd.DataFrame:
    """``town_results``' frame from ``item_scores``' columns as (town × item) grids and the towns'
    ``bonus_points`` and ``veto_findings`` (the ranking's sensitivity reuses these between its variants)."""
    towns = list(towns)
    columns: dict[str, object] = {"town": towns}  # built as arrays, framed once (a frame per column is slow)
    columns.update(category_points(rubric, grid, len(towns)))
    missing = grid("missing").sum(axis=1).astype(np.int64)
    columns["missing"] = missing
    columns["complete"] = missing == 0
    columns["applicable"] = (~grid("not_applicable").astype(bool)).sum(axis=1).astype(np.int64)
    columns["deductions"] = grid("deductions").astype(float).sum(axis=1)
    columns["disagreements"] = grid("disagreement").sum(axis=1).astype(np.int64)
    columns["bonus"] = np.array([bonus.get(str(town), 0) for town in towns], dtype=np.int64)
    vetoes = vetoes.reindex(towns)
    columns["veto_findings"] = vetoes["veto_findings"].fillna(0).astype(np.int64).to_numpy()
    columns["vetoes"] = vetoes["vetoes"].fillna("").to_numpy()
    columns["max_grade"] = [g if isinstance(g, str) else None for g in vetoes["max_grade"]]
    columns["total"] = capped_total(columns["items_total"] + columns["bonus"],
                                    vetoes["total_cap"].astype(float).to_numpy())
    return pd.DataFrame(columns)


def category_points(rubric: Rubric, grid: Callable[[str], np.ndarray], n_towns: int) -> dict[str, np.ndarray]:
    """Each category's points (``cat:<id>``) and their sum (``items_total``) per town, from
    ``item_scores``' columns as (town × item) grids: see ``town_results``."""
    earned = np.nan_to_num(grid("points")).astype(np.int64)
    rescaled = grid("rescaled").astype(bool)
    applicable_max = np.where(rescaled, 0, grid("max"))
    numerator, denominator = grid("exact_num").astype(np.int64), grid("exact_den").astype(np.int64)
    columns: dict[str, np.ndarray] = {}
    start = 0
    for category in rubric.categories:
        width = sum(1 for _ in category.all_items())
        part = slice(start, start + width)
        start += width
        got = earned[:, part].sum(axis=1)
        columns[f"cat:{category.id}"] = np.where(rescaled[:, part].any(axis=1), _rescaled(
            numerator[:, part], denominator[:, part], applicable_max[:, part].sum(axis=1),
            to_cents(category.points)), got).astype(np.int64)
    items_total = sum((columns[f"cat:{c.id}"] for c in rubric.categories), np.zeros(n_towns, dtype=np.int64))
    columns["items_total"] = np.asarray(items_total, dtype=np.int64)
    return columns


def capped_total(total: np.ndarray, total_cap: np.ndarray) -> np.ndarray:
    """Items and bonus, capped by the strictest veto's cap (NaN: no cap)."""
    return np.where(np.isnan(total_cap), total, np.minimum(total, np.nan_to_num(total_cap))).astype(np.int64)


def town_total(rubric: Rubric, computed: MarkPoints, bonus: int, total_cap: float) -> int:
    """One town's total from its counting marks' points (``compute_mark_points`` of that town's
    marks, bonus and veto rows included or not) and its known bonus and veto cap: the steps of
    ``item_scores`` and ``town_results`` on arrays, no frame built (a save's running total)."""
    n_items = len(item_tables(rubric).ids)
    columns = combine_marks(rubric, computed, np.zeros(len(computed.item), dtype=np.int64), 1)
    items_total = category_points(rubric, lambda column: columns[column].reshape((1, n_items)), 1)["items_total"]
    return int(capped_total(items_total + bonus, np.array([total_cap], dtype=float))[0])


def _rescaled(numerator: np.ndarray, denominator: np.ndarray, possible: np.ndarray, cat_points: int) -> np.ndarray:
    """Category points ``Σ(num/den) × cat_points / possible`` per town, rounded once (exact integers).

    Denominators are reviewer counts (or 2 for a median), so their least common multiple
    stays small and every product fits in 64 bits.
    """
    common = np.lcm.reduce(denominator, axis=1)
    earned = (numerator * (common[:, None] // denominator)).sum(axis=1)
    scaled = div_round_half_up(earned * cat_points, np.maximum(possible * common, 1))
    return np.where(possible > 0, scaled, cat_points)
