"""Ranks and grades (等次) of towns from their results (pandas)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scoring.points import to_cents
from scoring.rubric import Rubric


def rank_towns(rubric: Rubric, results: pd.DataFrame) -> pd.DataFrame:
    """Return ``results`` with rank, grade and grade_note, best first.

    Ranking rule (stated once, here):

    * Only complete towns are ranked. A town with unscored items keeps rank and grade
      empty and a note with the number of missing marks: missing items never count as 0.
    * Towns are ordered by the rubric's tie-break chain: ``total`` (higher first), then
      each ``category:<id>`` (higher first), ``fewer_veto_findings``, ``fewer_deductions``.
      Totals are exact hundredths, so equal means equal.
    * Competition ranking ("1, 2, 2, 4"): towns equal on every key of the chain share the
      best rank of their group, and the next town's rank counts everyone above it.
    * Grade: the best band whose ``min_total`` the total reaches. A triggered veto caps
      the grade at its ``max_grade`` (the lowest band when it names none), whatever the
      points. A band with a quota admits at most ``floor(quota × ranked towns)`` towns,
      filled in rank order; a group of towns still tied at the edge is admitted whole only
      if it fits, otherwise the whole group falls to the next band, and the band closes
      so that no lower-ranked town takes the place. So quotas are never exceeded, tied
      towns always share a grade, and a better rank never gets a worse grade.
    """
    ranked = results[results["complete"]].copy()
    unranked = results[~results["complete"]].copy()
    keys, ascending = _sort_keys(rubric)
    ranked = ranked.sort_values([*keys, "town"], ascending=[*ascending, True], kind="mergesort")
    key_values = ranked[keys].to_numpy()
    new_group = np.ones(len(ranked), dtype=bool)
    if len(ranked) > 1:
        new_group[1:] = (key_values[1:] != key_values[:-1]).any(axis=1)
    positions = np.arange(1, len(ranked) + 1)
    ranked["rank"] = np.maximum.accumulate(np.where(new_group, positions, 0))
    ranked["grade"], ranked["grade_note"] = _grades(rubric, ranked, new_group)
    unranked["rank"] = pd.NA
    unranked["grade"] = None
    unranked["grade_note"] = [f"未完成评分：缺 {n} 项" for n in unranked["missing"]]
    out = pd.concat([ranked, unranked.sort_values("town")], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out


def _sort_keys(rubric: Rubric) -> tuple[list[str], list[bool]]:
    keys, ascending = [], []
    for key in rubric.tie_break:
        if key == "total":
            keys.append("total")
            ascending.append(False)
        elif key.startswith("category:"):
            keys.append("cat:" + key.split(":", 1)[1])
            ascending.append(False)
        elif key == "fewer_veto_findings":
            keys.append("veto_findings")
            ascending.append(True)
        elif key == "fewer_deductions":
            keys.append("deductions")
            ascending.append(True)
    return keys, ascending


def _grades(rubric: Rubric, ranked: pd.DataFrame, new_group: np.ndarray) -> tuple[list, list]:
    """Assign grades in rank order (see ``rank_towns`` for the rule), band by band.

    Bands are settled from the best down: a town demoted from a band joins the next one's
    candidates in its rank order, which gives the same result as walking the ranking.
    """
    bands = rubric.grades
    mins = np.array([to_cents(b.min_total) for b in bands])
    band_of = {b.name: i for i, b in enumerate(bands)}
    totals = ranked["total"].to_numpy()
    by_points = (totals[:, None] < mins[None, :]).sum(axis=1).clip(max=len(bands) - 1)  # first band reached
    caps = np.array([band_of.get(g, -1) if g else -1 for g in ranked["max_grade"]], dtype=np.int64)
    band = np.maximum(by_points, caps)
    notes = np.where(caps > by_points, np.array([f"一票否决，最高{bands[c].name}" for c in caps.clip(0)],
                                                dtype=object), "")
    group = np.cumsum(new_group)
    for index, spec in enumerate(bands):
        if spec.quota is None:
            continue
        limit = math.floor(spec.quota * len(ranked))
        members = np.flatnonzero(band == index)
        # towns admitted so far, counted at the end of each member's tie group
        groups, first, sizes = np.unique(group[members], return_index=True, return_counts=True)
        fits = np.cumsum(sizes) <= limit
        refused_from = first[np.argmin(fits)] if not fits.all() else len(members)
        demoted = members[refused_from:]
        band[demoted] = index + 1
        notes[demoted] = f"{spec.name}名额已满（限{limit}个）"
    return [bands[b].name for b in band], list(notes)
