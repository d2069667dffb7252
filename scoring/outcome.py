"""The one computation of an assessment's numbers, shared by pages, PDFs, CLI and exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scoring.marks import MarkTable
from scoring.ranking import rank_towns
from scoring.results import item_scores, town_results
from scoring.rubric import Rubric


@dataclass(frozen=True)
class Outcome:
    """Item scores (town × item), per-town results, and the ranking (all in cents)."""

    item_scores: pd.DataFrame
    results: pd.DataFrame
    ranking: pd.DataFrame

    def town(self, town: str) -> dict:
        """Return the ranking row of one town as a plain dict; KeyError if unknown."""
        rows = self.ranking[self.ranking["town"] == town]
        if rows.empty:
            raise KeyError(town)
        return rows.iloc[0].to_dict()


def compute_outcome(rubric: Rubric, table: MarkTable, towns: Sequence[str] | None = None) -> Outcome:
    """Return item scores, results and ranking of every town in ``table`` and ``towns``."""
    scores = item_scores(rubric, table, towns)
    results = town_results(rubric, scores, table)
    return Outcome(scores, results, rank_towns(rubric, results))
