"""Resolved disagreements (裁定): a resolution's mark replaces the item's marks for that town.

When reviewers' marks of an item differ beyond the rubric's threshold (the flag is
``results.item_scores``'s ``disagreement``, the one home of that rule), an administrator
resolves it: they choose one reviewer's mark, or set the mark themselves. From then on
the resolved mark is the only one that counts for that town × item, so every result,
ranking and scorecard uses it, and the item no longer shows a disagreement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring.marks import Mark, MarkTable, mark_table


def apply_resolutions(table: MarkTable, resolved: Sequence[Mark]) -> MarkTable:
    """Return ``table`` with each resolved town × item's marks replaced by its one resolved mark."""
    if not resolved:
        return table
    keys = {(m.town, m.item) for m in resolved}
    marks = table.marks
    town, item = marks["town"].astype(str), marks["item"].astype(str)
    # only rows of a resolved town and a resolved item can be a resolved pair: the others are kept unasked
    maybe = np.flatnonzero(town.isin({t for t, _ in keys}).to_numpy(dtype=bool)
                           & item.isin({i for _, i in keys}).to_numpy(dtype=bool))
    keep = np.ones(len(marks), dtype=bool)
    keep[maybe] = [pair not in keys for pair in zip(town.to_numpy()[maybe], item.to_numpy()[maybe], strict=True)]
    kept = marks[keep]
    renumber = pd.Series(np.arange(len(kept)), index=kept.index)  # old mark_id -> new position
    extra = mark_table(resolved)
    offset = len(kept)

    def children(frame: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
        own = frame[frame["mark_id"].isin(kept.index)].copy()
        own["mark_id"] = renumber.reindex(own["mark_id"]).to_numpy()
        added = added.assign(mark_id=added["mark_id"] + offset)
        parts = [part for part in (own, added) if len(part)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [own])[0].reset_index(drop=True)

    combined = pd.concat([kept, extra.marks], ignore_index=True) if len(kept) else extra.marks.reset_index(drop=True)
    return MarkTable(marks=combined.rename_axis("mark_id"),
                     deductions=children(table.deductions, extra.deductions),
                     claims=children(table.claims, extra.claims))


def resolve_marks(marks: Sequence[Mark], resolved: Sequence[Mark]) -> list[Mark]:
    """The same replacement on a list of marks (the scorecard quotes the resolved mark's reasons)."""
    keys = {(m.town, m.item) for m in resolved}
    return [m for m in marks if (m.town, m.item) not in keys] + list(resolved)
