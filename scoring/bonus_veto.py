"""Bonus items (加分项) and veto items (一票否决): per-town bonus and veto findings.

Few marks concern these items (a handful per town), so plain Python over those rows
is both clearest and fast; the rows are found with one vectorised filter.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

from scoring.errors import InvalidMark
from scoring.marks import MarkTable
from scoring.method_points import rows_of
from scoring.points import to_cents
from scoring.rubric import Rubric


def normalise_matter(text: str) -> str:
    """A matter's identity: NFKC (full-width → half-width) with whitespace runs folded to one space."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split())


def bonus_points(rubric: Rubric, table: MarkTable) -> dict[str, int]:
    """Return each town's bonus in cents (towns without a bonus are absent).

    A bonus is a finding of fact (a recognition by a level of government), not a judgement
    to average, so reviewers' findings are combined, never averaged:

    * A matter is identified by its normalised text (``normalise_matter``) per town and
      bonus item; one reviewer recording it at several levels gave its highest.
    * ``bonus.combine: highest`` (the default) counts each matter once, at the highest
      level any reviewer confirmed: 镇江's rule "同一事项被各级…的，按最高的加分，不重复
      加分", and a reviewer who has not seen the certificate cannot undo one who has (as
      with vetoes, a disputed finding goes to the appeal procedure). ``majority`` counts it
      at the level most of the reviewers who recorded it gave, a tie going to the lower
      level. Either way a reviewer who records nothing changes nothing.
    * The matters of one item add up to at most the item's ``max_points``; the items' sum
      is capped by the section's ``cap``. A bonus item nobody marked gives 0 (a bonus is
      never "missing").
    """
    matters = bonus_matters(rubric, table)
    if rubric.bonus is None or matters.empty:
        return {}
    item_cap = {b.id: to_cents(b.max_points) for b in rubric.bonus.items}
    per_item = matters.groupby(["town", "item"], sort=False)["cents"].sum()
    per_town: dict[str, int] = defaultdict(int)
    for (town, item), cents in per_item.items():
        per_town[town] += min(int(cents), item_cap[item])
    cap = to_cents(rubric.bonus.cap)
    return {town: min(cents, cap) for town, cents in per_town.items()}


def bonus_matters(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return one row per counted matter: town, item, matter (normalised), level, cents, reviewers.

    ``level`` and ``cents`` are what the rubric's ``bonus.combine`` rule counts (before the
    item and section caps, see ``bonus_points``); ``reviewers`` lists, comma separated, those
    who gave that level. Scorecards list these rows, so each matter is shown once.
    """
    columns = ["town", "item", "matter", "level", "cents", "reviewers"]
    if rubric.bonus is None or table.claims.empty:
        return pd.DataFrame(columns=columns)
    level_cents = {(b.id, lv.name): to_cents(lv.points) for b in rubric.bonus.items for lv in b.levels}
    bonus_ids = {b.id for b in rubric.bonus.items}
    level_name: dict[tuple[str, int], str] = {}
    for (item_id, name), cents in level_cents.items():
        level_name.setdefault((item_id, cents), name)  # equal points: the rubric's first such level
    rows = rows_of(table.marks, table.claims["mark_id"].to_numpy())
    towns = table.marks["town"].to_numpy()
    items = table.marks["item"].to_numpy()
    reviewers = table.marks["reviewer"].to_numpy()
    given: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)  # (town, item, matter) -> reviewer -> cents
    for row, matter, level in zip(rows, table.claims["matter"], table.claims["level"], strict=True):
        item = str(items[row]) if row >= 0 else None
        if item not in bonus_ids:
            continue
        cents = level_cents.get((item, level))
        if cents is None:
            raise InvalidMark(item, "claims", f"unknown level {level!r}")
        by_reviewer = given[(str(towns[row]), item, normalise_matter(matter))]
        reviewer = str(reviewers[row])
        by_reviewer[reviewer] = max(by_reviewer.get(reviewer, 0), cents)
    pick = _majority if rubric.bonus.combine == "majority" else max
    out = []
    for (town, item, matter), by_reviewer in given.items():
        cents = pick(by_reviewer.values())
        out.append((town, item, matter, level_name[(item, cents)], cents,
                    ",".join(sorted(r for r, c in by_reviewer.items() if c == cents))))
    return pd.DataFrame(out, columns=columns)


def _majority(levels: Iterable[int]) -> int:
    """The level (in cents) most reviewers gave; among equally frequent levels the lower."""
    counts = Counter(levels)
    return max(counts, key=lambda cents: (counts[cents], -cents))


def veto_findings(rubric: Rubric, table: MarkTable) -> pd.DataFrame:
    """Return per town with a finding: veto_findings, vetoes, max_grade, total_cap (NaN = none).

    A veto counts as triggered when any reviewer's mark records it, whatever the other
    reviewers recorded (never averaged, never outvoted): it is a finding of fact (弄虚作假, 拒不履行裁判) that the appeal procedure, not averaging, settles. With
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
