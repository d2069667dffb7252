"""Which marks carry over when an assessment moves to a new rubric version.

A mark carries over when its item persists unchanged — the same id names the same kind of
object with the same scoring definition (method, points, not-applicable policy; a bonus
item's levels and cap; a veto's effect) — and its inputs are still a valid mark under the
new version (``marks.read_mark``, the check every save passes). Wording (title, criteria,
department) may change without re-scoring. Every other mark is kept with the version it
was given under, does not count, and is listed for re-scoring.
"""

from __future__ import annotations

from typing import Any

from scoring.errors import InvalidMark
from scoring.marks import Mark, read_mark
from scoring.rubric import Rubric


def definition(rubric: Rubric, item_id: str) -> tuple[Any, ...] | None:
    """What scoring an id depends on in a rubric, None when the rubric has no such id."""
    kind = rubric.kind_of(item_id)
    if kind == "item":
        item = rubric.item(item_id)
        return kind, item.method, item.max_points, item.not_applicable
    if kind == "bonus":
        bonus = rubric.bonus_item(item_id)
        return kind, tuple(bonus.levels), bonus.max_points
    if kind == "veto":
        veto = rubric.veto(item_id)
        return kind, veto.max_grade, veto.total, veto.total_cap
    return None


def carried_mark(old: Rubric, new: Rubric, *, town: str, item: str, reviewer: str, inputs: dict) -> Mark | None:
    """The mark under ``new`` when it carries over from ``old``, else None (to be re-scored)."""
    now = definition(new, item)
    if now is None or now != definition(old, item):
        return None
    try:
        return read_mark(new, town=town, item=item, reviewer=reviewer, inputs=inputs)
    except InvalidMark:
        return None
