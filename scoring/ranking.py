"""Ranks and grades (等次) of towns from their results (pandas)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from scoring.messages import N_, Message
from scoring.points import to_cents
from scoring.rubric import GradeBand, Rubric

RANKED, INCOMPLETE, NOT_RANKABLE = "ranked", "incomplete", "not_rankable"
_ROUNDING = {"floor": ROUND_FLOOR, "round": ROUND_HALF_UP, "ceil": ROUND_CEILING}


def quota_places(rubric: Rubric, band: GradeBand, ranked: int) -> int | None:
    """How many towns a band with a quota admits among ``ranked`` towns (None: no quota).

    ``quota × ranked`` rounded by the rubric's ``quota_rounding`` (``floor`` by default;
    ``round`` is half up, as everywhere), raised to ``quota_min_places`` when set, and
    never more than the ranked towns. The one home of this rule: documents take the
    places from ``rank_towns``.
    """
    if band.quota is None:
        return None
    places = int((Decimal(band.quota) * ranked).quantize(Decimal(1), rounding=_ROUNDING[rubric.quota_rounding]))
    if rubric.quota_min_places is not None:
        places = max(places, rubric.quota_min_places)
    return min(places, ranked)


def rank_towns(rubric: Rubric, results: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return ``results`` with status, rank, grade and grade_note, best first; and each quota band's places.

    Ranking rule (stated once, here):

    * ``status`` says whether a town is ranked. ``incomplete``: a town with unscored items
      gets no rank, no grade and no total is shown for it; its note says how many items
      are missing ("未完成，缺 n 项"): missing items never count as 0. ``not_rankable``: a
      complete town none of whose items applies earned its points on nothing, so it is not
      ranked either ("无适用的考核项目，不参与排名"). Neither takes part in quotas.
    * Towns are ordered by the rubric's tie-break chain: ``total`` (higher first), then
      each ``category:<id>`` (higher first), ``fewer_veto_findings``, ``fewer_deductions``.
      Totals are exact hundredths, so equal means equal.
    * Competition ranking ("1, 2, 2, 4"): towns equal on every key of the chain share the
      best rank of their group, and the next town's rank counts everyone above it.
    * Grade: the best band whose ``min_total`` the total reaches. A triggered veto caps
      the grade at its ``max_grade`` (the lowest band when it names none), whatever the
      points. A band with a quota admits at most ``quota_places`` towns, filled in rank
      order; a group of towns still tied at the edge is admitted whole only if it fits,
      otherwise the whole group falls to the next band, and the band closes so that no
      lower-ranked town takes the place. So quotas are never exceeded, tied towns always
      share a grade, and a better rank never gets a worse grade. When every ranked town
      is tied and they do not fit, none gets the band: all fall to the next one.
    * Notes say why a town was demoted: the band's places were used up
      ("优秀名额已满（限n个）"), its tie group did not fit in the places left
      ("同分单位超出优秀名额（限n个），整组顺延"), or a better-ranked tie group closed the
      band with places left; a veto note says which grade the veto allows.

    ``grade_note`` holds a ``Message`` (or None); the places are keyed by band name.
    """
    complete = results["complete"].to_numpy(dtype=bool)
    on_nothing = complete & (results["applicable"].to_numpy() == 0)
    ranked = results[complete & ~on_nothing].copy()
    unranked = results[~complete | on_nothing].copy()
    keys, ascending = _sort_keys(rubric)
    ranked = ranked.sort_values([*keys, "town"], ascending=[*ascending, True], kind="mergesort")
    key_values = ranked[keys].to_numpy()
    new_group = np.ones(len(ranked), dtype=bool)
    if len(ranked) > 1:
        new_group[1:] = (key_values[1:] != key_values[:-1]).any(axis=1)
    positions = np.arange(1, len(ranked) + 1)
    ranked["status"] = RANKED
    ranked["rank"] = np.maximum.accumulate(np.where(new_group, positions, 0))
    places = {b.name: p for b in rubric.grades if (p := quota_places(rubric, b, len(ranked))) is not None}
    ranked["grade"], ranked["grade_note"] = _grades(rubric, ranked, new_group, places)
    unranked["status"] = np.where(unranked["complete"].to_numpy(dtype=bool), NOT_RANKABLE, INCOMPLETE)
    unranked["rank"] = pd.NA
    unranked["grade"] = None
    unranked["grade_note"] = [N_("未完成，缺 %(n)s 项", n=int(n)) if status == INCOMPLETE
                              else N_("无适用的考核项目，不参与排名")
                              for status, n in zip(unranked["status"], unranked["missing"], strict=True)]
    out = pd.concat([ranked, unranked.sort_values("town")], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out, places


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


def _grades(rubric: Rubric, ranked: pd.DataFrame, new_group: np.ndarray,
            places: dict[str, int]) -> tuple[list[str], list[Message | None]]:
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
    notes = np.array([N_("一票否决，最高%(grade)s", grade=bands[c].name) if c > p else None
                      for c, p in zip(caps, by_points, strict=True)], dtype=object)
    group = np.cumsum(new_group)
    for index, spec in enumerate(bands):
        if spec.name not in places:
            continue
        limit = places[spec.name]
        members = np.flatnonzero(band == index)
        # towns admitted so far, counted at the end of each member's tie group
        _, first, sizes = np.unique(group[members], return_index=True, return_counts=True)
        fits = np.cumsum(sizes) <= limit
        if fits.all():
            continue
        refused = int(np.argmin(fits))
        used = int(sizes[:refused].sum())
        start, end = first[refused], first[refused] + sizes[refused]
        band[members[start:]] = index + 1
        if used == limit:  # every place taken by better-ranked towns
            notes[members[start:]] = N_("%(grade)s名额已满（限%(n)s个）", grade=spec.name, n=limit)
        else:
            notes[members[start:end]] = N_("同分单位超出%(grade)s名额（限%(n)s个），整组顺延", grade=spec.name, n=limit)
            notes[members[end:]] = N_("排名在前的同分单位整组顺延，%(grade)s不再评定（限%(n)s个）",
                                      grade=spec.name, n=limit)
    return [bands[b].name for b in band], list(notes)
