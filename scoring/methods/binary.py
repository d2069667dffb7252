"""达标: the requirement is met (full marks) or not (zero)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from scoring.messages import N_
from scoring.methods.base import (
    Batch,
    CellRule,
    Column,
    Computed,
    Explanation,
    Found,
    first_citation,
    require,
    with_comment,
)
from scoring.values import Loc, Model

if TYPE_CHECKING:
    import random

    from scoring.marks import Mark
    from scoring.rubric.model import Item

KIND = "binary"
_TRUE = {"1", "true", "yes", "y", "是", "√", "达标"}
_FALSE = {"0", "false", "no", "n", "否", "×", "不达标"}


class Method(Model):
    """Met or not: full marks or zero."""

    kind: Literal["binary"]


INPUTS = {"met": (bool | None, None)}
FIELDS = ("met",)
EMPTY_IS_FULL = False  # nothing chosen is no mark
FRAME = {"met": lambda mark: float("nan") if mark.met is None else float(mark.met)}


def check(item: Item, loc: Loc) -> list[Found]:
    return []


def validate(item: Item, mark: Mark) -> None:
    require(item.id, mark.met is not None, "met", N_("请选择是否达到要求"))


def points(items: Sequence[Item], batch: Batch) -> Computed:
    met = np.asarray(batch.columns["met"], dtype=float)
    return Computed(met * batch.max_cents)


def explain(item: Item, mark: Mark) -> list[Explanation]:
    if mark.met is False:
        return [Explanation(with_comment("未达到要求", mark.comment), citation=first_citation(mark))]
    return []


def parse_fields(fields: dict[str, str]) -> dict:
    met = fields.get("met", "").strip()
    return {"met": met == "yes"} if met in ("yes", "no") else {}


def _read(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if not value:
        return None
    raise ValueError(text)


COLUMNS = (Column("met", "达标", _read, lambda value: "" if value is None else ("是" if value else "否")),)


def demo_inputs(item: Item, good: bool, quality: float, rng: random.Random) -> dict:
    return {"met": good} | ({} if good else {"comment": "演示：未按要求完成"})


def cell_rule(item: Item) -> CellRule:
    return CellRule("met", N_("填“是”或“否”"), choices=("是", "否"))
