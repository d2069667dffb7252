"""比例: points times an achieved share (a completion rate), optionally full from a threshold.

``full_at`` lets a rubric say that 95 % already counts as complete: an item earns
``max × min(ratio, full_at) / full_at``, rounded half up to the hundredth.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from scoring.messages import N_
from scoring.methods.base import (
    Batch,
    CellRule,
    Column,
    Computed,
    Explanation,
    Found,
    decimal_text,
    first_citation,
    per_item,
    per_items,
    require,
    with_comment,
)
from scoring.points import div_round_half_up
from scoring.values import RATIO_SCALE, Fraction, Loc, Model

if TYPE_CHECKING:
    import random

    from scoring.marks import Mark
    from scoring.rubric.model import Item

KIND = "ratio"


class Method(Model):
    """Points times an achieved fraction (e.g. a completion rate)."""

    kind: Literal["ratio"]
    full_at: Fraction = Field(Decimal(1), gt=0)


INPUTS = {"ratio": (Fraction | None, None)}
FIELDS = ("ratio",)
EMPTY_IS_FULL = False  # nothing chosen is no mark
FRAME = {"ratio_bp": lambda mark: float("nan") if mark.ratio is None else float(int(mark.ratio * RATIO_SCALE))}


def check(item: Item, loc: Loc) -> list[Found]:
    return []


def validate(item: Item, mark: Mark) -> None:
    require(item.id, mark.ratio is not None, "ratio", N_("请填写完成率（0–100%%）"))


@per_items
def _full_at(items: Sequence[Item]) -> np.ndarray:
    """Each item's ``full_at`` in basis points (other methods' items: 1)."""
    return per_item(items, lambda i: int(i.method.full_at * RATIO_SCALE) if i.method.kind == KIND else None,
                    RATIO_SCALE).astype(np.int64)


def points(items: Sequence[Item], batch: Batch) -> Computed:
    full = _full_at(items)[batch.items]
    ratio = np.asarray(batch.columns["ratio_bp"], dtype=float)
    achieved = np.minimum(np.nan_to_num(ratio), full).astype(np.int64)
    cents = div_round_half_up(batch.max_cents * achieved, full).astype(float)
    cents[np.isnan(ratio)] = np.nan
    return Computed(cents)


def explain(item: Item, mark: Mark) -> list[Explanation]:
    if mark.ratio is None:
        return []
    return [Explanation(with_comment(f"完成率 {mark.ratio * 100:.0f}%", mark.comment), citation=first_citation(mark))]


def parse_fields(fields: dict[str, str]) -> dict:
    """The form asks for a percentage (87.5); the mark holds the share (0.875)."""
    text = fields.get("ratio", "").strip()
    if not text:
        return {}
    try:
        return {"ratio": str(Decimal(text) / 100)}
    except InvalidOperation:
        return {"ratio": text}  # kept as typed; validation says what is wrong


def _read(text: str) -> Decimal | None:
    """0.9 or 90%."""
    text = text.strip()
    if not text:
        return None
    if text.endswith("%"):
        return (Decimal(text[:-1]) / 100).quantize(Decimal("0.0001"))
    return Decimal(text)


COLUMNS = (Column("ratio", "完成率", _read, decimal_text),)


def demo_inputs(item: Item, good: bool, quality: float, rng: random.Random) -> dict:
    ratio = min(1.0, quality + rng.uniform(-0.08, 0.08))
    return {"ratio": str(round(max(ratio, 0), 2))}


def cell_rule(item: Item) -> CellRule:
    return CellRule("ratio", N_("填完成率，如 0.9 或 90%%"), low="0", high="1")
