"""Sensitivity of the ranking: which ranks and grades depend on one choice of combination.

The ranking is computed again (by ``outcome.compute_outcome``, the one computation) under
each alternative choice, one at a time:

* ``rule:mean`` / ``rule:median`` — the reviewers' marks combined by the other rule(s)
  than the rubric's (mean vs median; a rubric's ``trimmed_mean`` is compared with both);
* ``normalised`` — each reviewer's marks corrected by their calibration offset
  (``calibration.offsets``);
* ``without:<reviewer>`` — one reviewer left out, on the town × item pairs another
  reviewer also marked (where they are the only reviewer, leaving them out would leave
  the item unscored, which says nothing about the choice of reviewers).

A town's rank or grade *depends* on a choice when it differs under it from the ranking
that counts. Unranked towns have no rank or grade, and stay unranked under every choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.calibration import calibration, offsets
from scoring.marks import MarkTable
from scoring.messages import N_, Message
from scoring.outcome import Outcome, compute_outcome
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
    default ``table``); ``base`` the outcome already computed from ``table``; ``names``
    the reviewers' names for people (labels only).
    """
    base = base or compute_outcome(rubric, table, towns)
    outcomes: list[tuple[Variant, Outcome]] = []
    for rule in ("mean", "median"):
        if rule != rubric.aggregation.rule:
            changed = rubric.model_copy(update={"aggregation": rubric.aggregation.model_copy(update={"rule": rule})})
            outcomes.append((Variant(f"rule:{rule}", N_("按%(rule)s合并", rule=RULE_NAMES[rule])),
                             compute_outcome(changed, table, towns)))
    correction = offsets(calibration(rubric, raw if raw is not None else table))
    if correction:
        outcomes.append((Variant("normalised", N_("按评分人校准后")), compute_outcome(rubric, table, towns, correction)))
    for reviewer, fewer in _without_each(table):
        outcomes.append((Variant(f"without:{reviewer}", N_("去掉评分人 %(reviewer)s", reviewer=(names or {}).get(reviewer, reviewer))),
                         compute_outcome(rubric, fewer, towns)))
    frame = _places(base).rename(columns={"rank_": "rank", "grade_": "grade"})
    depends: dict[str, list[Variant]] = {}
    for variant, outcome in outcomes:
        other = _places(outcome).set_index("town").reindex(frame["town"])
        frame[f"rank:{variant.key}"] = other["rank_"].to_numpy()
        frame[f"grade:{variant.key}"] = other["grade_"].to_numpy()
        changed = (frame["rank"].to_numpy() != other["rank_"].to_numpy()) | \
                  (frame["grade"].to_numpy() != other["grade_"].to_numpy())
        for town in frame.loc[changed, "town"]:
            depends.setdefault(town, []).append(variant)
    return Sensitivity(tuple(v for v, _ in outcomes), frame, {t: tuple(v) for t, v in depends.items()})


def _places(outcome: Outcome) -> pd.DataFrame:
    """Town, rank (0 when unranked) and grade ("" when none), comparable with ``!=``."""
    ranking = outcome.ranking
    return pd.DataFrame({"town": ranking["town"].astype(str).to_numpy(),
                         "rank_": ranking["rank"].fillna(0).astype(int).to_numpy(),
                         "grade_": ranking["grade"].fillna("").astype(str).to_numpy()})


def _without_each(table: MarkTable):
    """(reviewer, the table without that reviewer's marks on pairs another reviewer marked too)."""
    marks = table.marks
    town, item, reviewer = (marks[c].astype(str).to_numpy() for c in ("town", "item", "reviewer"))
    pair = pd.Series(np.char.add(np.char.add(town.astype(str), "\x1f"), item.astype(str)))
    shared = (pair.map(pair.value_counts()) > 1).to_numpy()
    for name in sorted(set(reviewer[shared])):
        drop = shared & (reviewer == name)
        kept = marks[~drop]
        ids = set(kept.index)
        yield name, MarkTable(marks=kept,
                              deductions=table.deductions[table.deductions["mark_id"].isin(ids)],
                              claims=table.claims[table.claims["mark_id"].isin(ids)])
