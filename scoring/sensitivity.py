"""Sensitivity of the ranking: which ranks and grades depend on one choice of combination.

The ranking is computed again under each alternative choice, one at a time, through the
steps of ``outcome.compute_outcome`` (the one computation: ``results.combine_marks``,
``results.results_of``, ``ranking.rank_towns``):

* ``rule:mean`` / ``rule:median`` — the reviewers' marks combined by the other rule(s)
  than the rubric's (mean vs median; a rubric's ``trimmed_mean`` is compared with both);
* ``normalised`` — each reviewer's marks corrected by their calibration offset
  (``calibration.offsets``);
* ``without:<reviewer>`` — one reviewer left out, on the town × item pairs another
  reviewer also marked (where they are the only reviewer, leaving them out would leave
  the item unscored, which says nothing about the choice of reviewers).

A town's rank or grade *depends* on a choice when it differs under it from the ranking
that counts. Unranked towns have no rank or grade, and stay unranked under every choice.

The variants share the work that does not depend on the choice: each mark's points are
computed once, and leaving a reviewer out combines again only the pairs it changes (the
other pairs keep the base outcome's item scores, since a pair's score depends on its own
marks alone), all reviewers' pairs in one pass; bonus and veto findings are found again
only when a left-out mark is a bonus or veto mark. Equal to computing each variant's
outcome from its marks (``tests/scoring/test_sensitivity.py`` checks it on random districts).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from scoring.bonus_veto import bonus_points, veto_findings
from scoring.calibration import calibration, offsets
from scoring.marks import MarkTable
from scoring.messages import N_, Message
from scoring.method_points import MarkPoints, compute_mark_points, item_tables, town_codes
from scoring.outcome import Outcome, compute_outcome
from scoring.ranking import rank_towns
from scoring.results import combine_marks, corrected, results_of
from scoring.rubric import Rubric


@dataclass(frozen=True)
class Variant:
    key: str  # "rule:median", "normalised", "without:sifaju"
    label: Message


@dataclass(frozen=True)
class Sensitivity:
    """Per town: the rank and grade that count, and under each variant (``rank:<key>``, ``grade:<key>``).

    ``depends`` maps a town to the variants under which its rank or grade changes.
    """

    variants: tuple[Variant, ...]
    table: pd.DataFrame
    depends: dict[str, tuple[Variant, ...]]


RULE_NAMES = {"mean": N_("平均值"), "median": N_("中位数"), "trimmed_mean": N_("去掉最高最低后的平均值")}


def sensitivity(rubric: Rubric, table: MarkTable, towns: Sequence[str] | None = None,
                raw: MarkTable | None = None, base: Outcome | None = None,
                names: Mapping[str, str] | None = None) -> Sensitivity:
    """Return how the ranking of ``table``'s marks changes under each variant (see the module).

    ``raw`` is the table before resolutions (calibration reads all reviewers' marks; by
    default ``table``); ``base`` the outcome already computed from ``table`` (and ``towns``);
    ``names`` the reviewers' names for people (labels only).
    """
    base = base or compute_outcome(rubric, table, towns)
    district = _District(rubric, table, towns, base)
    rankings: list[tuple[Variant, pd.DataFrame]] = []
    for rule in ("mean", "median"):
        if rule != rubric.aggregation.rule:
            changed = rubric.model_copy(update={"aggregation": rubric.aggregation.model_copy(update={"rule": rule})})
            columns = combine_marks(changed, district.points, district.mark_towns, district.n_towns)
            rankings.append((Variant(f"rule:{rule}", N_("按%(rule)s合并", rule=RULE_NAMES[rule])),
                             district.ranking(changed, columns)))
    shared = raw is None or raw is table  # no resolutions: calibration reads the same marks' points
    correction = offsets(calibration(rubric, table, district.points, district.mark_towns) if shared
                         else calibration(rubric, raw))
    if correction:
        shifted = corrected(district.tables, table, district.points, correction)
        rankings.append((Variant("normalised", N_("按评分人校准后")),
                         district.ranking(rubric, combine_marks(rubric, shifted, district.mark_towns, district.n_towns))))
    for reviewer, ranking in district.without_each():
        rankings.append((Variant(f"without:{reviewer}", N_("去掉评分人 %(reviewer)s",
                                                            reviewer=(names or {}).get(reviewer, reviewer))), ranking))
    return _compared(base, rankings)


class _District:
    """What the variants share: each mark's points and town, the base item scores, bonus and vetoes."""

    def __init__(self, rubric: Rubric, table: MarkTable, towns: Sequence[str] | None, base: Outcome) -> None:
        self.rubric, self.table, self.towns = rubric, table, towns
        self.tables = item_tables(rubric)
        self.points = compute_mark_points(self.tables, table)
        self.mark_towns, self.town_names = town_codes(table, towns)
        self.n_towns, self.n_items = len(self.town_names), len(self.tables.ids)
        scores = base.item_scores
        self.base_results, self.base_ranking = base.results, base.ranking
        if list(base.results["town"]) == self.town_names and len(scores) == self.n_towns * self.n_items:
            self.base = {c: scores[c].to_numpy() for c in scores.columns if c not in ("town", "item", "category")}
        else:  # an outcome of other towns: the base's columns from these marks
            self.base = combine_marks(rubric, self.points, self.mark_towns, self.n_towns)
        scored = self.points.item >= 0
        self.cell = np.where(scored, self.mark_towns * self.n_items + self.points.item.clip(0), -1)
        self.extra = ~scored  # bonus and veto marks (and marks of no item of the rubric)
        extras = _rows(table, self.extra)
        self.bonus, self.vetoes = bonus_points(rubric, extras), veto_findings(rubric, extras)

    def ranking(self, rubric: Rubric, columns: Mapping[str, np.ndarray], bonus: Mapping[str, int] | None = None,
                vetoes: pd.DataFrame | None = None) -> pd.DataFrame:
        """``rank_towns`` of the results from these item score columns (town by town, items in rubric order)."""
        shape = (self.n_towns, self.n_items)
        results = results_of(rubric, self.town_names, lambda column: np.asarray(columns[column]).reshape(shape),
                             self.bonus if bonus is None else bonus, self.vetoes if vetoes is None else vetoes)
        if results.equals(self.base_results):  # the same results rank the same (no combination rule is read there)
            return self.base_ranking
        return rank_towns(rubric, results)[0]

    def without_each(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(reviewer, the ranking without their marks on pairs another reviewer marked too), by reviewer name."""
        marks = self.table.marks
        reviewer_codes, found = pd.factorize(marks["reviewer"].astype(str).to_numpy())
        # a pair is a town and an item, scored or not (bonus, veto): scored items by their position,
        # the few other rows' items numbered after them
        other_codes, others = pd.factorize(marks["item"].to_numpy()[self.extra].astype(str))
        item_codes = self.points.item.copy()
        item_codes[self.extra] = self.n_items + other_codes
        pair = self.mark_towns * (self.n_items + len(others)) + item_codes
        shared = np.bincount(pair, minlength=1)[pair] > 1 if len(pair) else np.zeros(0, dtype=bool)
        present = np.unique(reviewer_codes[shared])
        order = sorted(present, key=lambda code: str(found[code]))
        drops = [shared & (reviewer_codes == code) for code in order]
        cells_of, rows_of = [], []  # per reviewer: the pairs they change, and the marks left on those pairs
        scored = ~self.extra
        for drop in drops:
            touched = np.zeros(self.n_towns * self.n_items + 1, dtype=bool)  # the last: "no pair" (-1)
            touched[self.cell[drop & scored]] = True
            touched[-1] = False
            cells_of.append(np.flatnonzero(touched[:-1]))
            rows_of.append(np.flatnonzero(touched[self.cell] & ~drop))
        # one combination for all reviewers: reviewer k's towns are numbered from k × n_towns
        rows = np.concatenate(rows_of) if rows_of else np.zeros(0, dtype=np.int64)
        shift = np.repeat(np.arange(len(rows_of), dtype=np.int64), [len(r) for r in rows_of]) * self.n_towns
        combined = combine_marks(self.rubric, _take(self.points, rows), self.mark_towns[rows] + shift,
                                 self.n_towns * len(rows_of))
        size = self.n_towns * self.n_items
        marks_of_town = np.bincount(self.mark_towns, minlength=self.n_towns)
        named = set(self.towns or [])
        for k, (code, drop) in enumerate(zip(order, drops, strict=True)):
            name = str(found[code])
            emptied = np.flatnonzero(np.bincount(self.mark_towns[drop], minlength=self.n_towns) == marks_of_town)
            if any(self.town_names[t] not in named for t in emptied if marks_of_town[t]):
                # a town left with no mark and not named in ``towns``: the variant ranks fewer towns
                yield name, compute_outcome(self.rubric, _rows(self.table, ~drop), self.towns).ranking
                continue
            cells = cells_of[k]
            columns = {}
            for column, values in self.base.items():
                spliced = values.copy()
                spliced[cells] = combined[column][k * size + cells]
                columns[column] = spliced
            if (drop & self.extra).any():  # a bonus or veto mark left out: found again without it
                extras = _rows(self.table, self.extra & ~drop)
                yield name, self.ranking(self.rubric, columns, bonus_points(self.rubric, extras),
                                         veto_findings(self.rubric, extras))
            else:
                yield name, self.ranking(self.rubric, columns)


def _take(points: MarkPoints, rows: np.ndarray) -> MarkPoints:
    """The marks' points at these rows."""
    return MarkPoints(*(getattr(points, f.name)[rows] for f in fields(MarkPoints)))


def _rows(table: MarkTable, keep: np.ndarray) -> MarkTable:
    """The table of the marks where ``keep`` is true, with their deductions and claims (mark ids kept)."""
    marks = table.marks[keep]
    ids = marks.index
    return MarkTable(marks=marks, deductions=table.deductions[table.deductions["mark_id"].isin(ids)],
                     claims=table.claims[table.claims["mark_id"].isin(ids)])


def _compared(base: Outcome, rankings: list[tuple[Variant, pd.DataFrame]]) -> Sensitivity:
    """Each variant's rank and grade beside the base's, and the towns whose rank or grade changes."""
    towns, rank, grade = _places(base.ranking)
    columns: dict[str, np.ndarray] = {"town": towns, "rank": rank, "grade": grade}
    index = pd.Index(towns)
    depends: dict[str, list[Variant]] = {}
    for variant, ranking in rankings:
        other_towns, other_rank, other_grade = _places(ranking)
        at = pd.Index(other_towns).get_indexer(index)  # each base town's row in the variant (-1: not there)
        there = at >= 0
        columns[f"rank:{variant.key}"] = np.where(there, other_rank[at], np.nan) if not there.all() else other_rank[at]
        columns[f"grade:{variant.key}"] = np.where(there, other_grade[at], np.nan) if not there.all() \
            else other_grade[at]
        changed = (rank != columns[f"rank:{variant.key}"]) | (grade != columns[f"grade:{variant.key}"])
        for town in towns[changed]:
            depends.setdefault(town, []).append(variant)
    return Sensitivity(tuple(v for v, _ in rankings), pd.DataFrame(columns), {t: tuple(v) for t, v in depends.items()})


def _places(ranking: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Town, rank (0 when unranked) and grade ("" when none), comparable with ``!=``."""
    return (ranking["town"].astype(str).to_numpy(), ranking["rank"].fillna(0).astype(int).to_numpy(),
            ranking["grade"].fillna("").astype(str).to_numpy())
