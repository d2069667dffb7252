"""The one computation of an assessment's numbers, shared by pages, PDFs, CLI and exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.bonus_veto import bonus_matters
from scoring.marks import MarkTable
from scoring.ranking import RANKED, rank_towns
from scoring.results import item_scores, town_results
from scoring.rubric import Rubric


@dataclass(frozen=True)
class Outcome:
    """Item scores (town × item), per-town results, and the ranking (all in cents).

    ``ranking["status"]`` says whether a town is ranked (``"ranked"``), ``"incomplete"``
    or ``"not_rankable"``; only ranked towns have a rank, a grade and a total to show, the
    others a note (``grade_note``, a Message) saying why. ``places`` holds each quota
    band's places (band name -> towns), as ``rank_towns`` applied them; ``bonus_matters``
    each counted bonus matter once (see ``scoring.bonus_veto.bonus_matters``).
    """

    item_scores: pd.DataFrame
    results: pd.DataFrame
    ranking: pd.DataFrame
    places: dict[str, int] = field(default_factory=dict)
    bonus_matters: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["town", "item", "matter", "level", "cents", "reviewers"]))

    def town(self, town: str) -> dict:
        """Return the ranking row of one town as a plain dict (rank None when unranked); KeyError if unknown."""
        rows = self.ranking[self.ranking["town"] == town]
        if rows.empty:
            raise KeyError(town)
        row = rows.iloc[0].to_dict()
        row["rank"] = None if pd.isna(row["rank"]) else int(row["rank"])
        return row

    @property
    def ranked(self) -> pd.DataFrame:
        """The ranking rows of ranked towns, best first."""
        return self.ranking[self.ranking["status"] == RANKED]


def compute_outcome(rubric: Rubric, table: MarkTable, towns: Sequence[str] | None = None,
                    offsets: Mapping[str, float] | None = None) -> Outcome:
    """Return item scores, results and ranking of every town in ``table`` and ``towns``.

    ``offsets`` gives the normalised outcome (see ``results.item_scores``); without them,
    the outcome that counts.
    """
    scores = item_scores(rubric, table, towns, offsets)
    results = town_results(rubric, scores, table)
    ranking, places = rank_towns(rubric, results)
    return Outcome(scores, results, ranking, places, bonus_matters(rubric, table))


_LABELS = ("town", "item", "category")  # item_scores columns a town's recomputation never changes


def with_towns(rubric: Rubric, outcome: Outcome, table: MarkTable, towns: Sequence[str]) -> Outcome:
    """Return ``outcome`` with ``towns`` computed again from ``table`` (all their counting marks).

    A town's item scores and results depend on its own marks alone, so the other towns'
    rows are kept; only the ranking (and the quotas' places) is the district's, so it is
    computed again from the results. Equal to ``compute_outcome`` over every town's marks
    (bonus matters: each town's in the same order). ``towns`` must be towns of ``outcome``.
    """
    if not towns:
        return outcome
    scores = item_scores(rubric, table, towns)
    results = town_results(rubric, scores, table)
    order = list(outcome.results["town"])
    position = {name: k for k, name in enumerate(order)}
    changed = [position[name] for name in results["town"]]  # KeyError: not a town of the outcome
    n_items = len(scores) // len(changed)
    rows = (np.asarray(changed)[:, None] * n_items + np.arange(n_items)).ravel()
    all_scores = {c: _spliced(outcome.item_scores[c], rows, scores[c]) if c not in _LABELS else outcome.item_scores[c]
                  for c in outcome.item_scores.columns}
    all_results = {c: _spliced(outcome.results[c], np.asarray(changed), results[c]) if c != "town"
                   else outcome.results[c] for c in outcome.results.columns}
    merged = pd.DataFrame(all_results, columns=outcome.results.columns)
    ranking, places = rank_towns(rubric, merged)
    kept = outcome.bonus_matters[~outcome.bonus_matters["town"].isin(set(towns))]
    fresh = bonus_matters(rubric, table)
    parts = [part for part in (kept, fresh) if len(part)]  # an empty part would turn the columns' types to object
    matters = pd.concat(parts, ignore_index=True) if len(parts) > 1 else \
        parts[0].reset_index(drop=True) if parts else fresh
    return Outcome(pd.DataFrame(all_scores, columns=outcome.item_scores.columns), merged, ranking, places, matters)


def _spliced(column: pd.Series, rows: np.ndarray, values: pd.Series) -> np.ndarray:
    """The column's values with ``rows`` replaced by ``values`` (a copy: outcomes are shared)."""
    out = column.to_numpy().copy()
    out[rows] = values.to_numpy()
    return out
