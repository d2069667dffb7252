"""评定: the reviewer gives points between 0 and the item's maximum, with a required reason."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
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
    decimal_text,
    first_citation,
    require,
)
from scoring.points import format_points, to_cents
from scoring.values import Loc, Model, Points

if TYPE_CHECKING:
    import random

    from scoring.marks import Mark
    from scoring.rubric.model import Item

KIND = "judgement"


class Method(Model):
    """The reviewer gives points between 0 and the maximum, with a required reason."""

    kind: Literal["judgement"]


INPUTS = {"points": (Points | None, None)}
FIELDS = ("points",)
EMPTY_IS_FULL = False  # nothing chosen is no mark
FRAME = {"points": lambda mark: float("nan") if mark.points is None else float(to_cents(mark.points))}


def check(item: Item, loc: Loc) -> list[Found]:
    return []


def validate(item: Item, mark: Mark) -> None:
    require(item.id, mark.points is not None, "points", N_("请填写得分"))
    require(item.id, mark.points is None or mark.points <= item.max_points, "points",
            N_("得分不能超过 %(max)s 分", max=format_points(item.max_cents)))
    require(item.id, bool(mark.comment.strip()), "comment", N_("评定得分须写明理由"))


def points(items: Sequence[Item], batch: Batch) -> Computed:
    given = np.asarray(batch.columns["points"], dtype=float)
    return Computed(np.minimum(given, batch.max_cents))


def explain(item: Item, mark: Mark) -> list[Explanation]:
    return [Explanation(mark.comment, citation=first_citation(mark))] if mark.comment else []


def parse_fields(fields: dict[str, str]) -> dict:
    text = fields.get("points", "").strip()
    return {"points": text} if text else {}


COLUMNS = (Column("points", "得分", lambda text: Decimal(text.strip()) if text.strip() else None, decimal_text),)


def demo_inputs(item: Item, good: bool, quality: float, rng: random.Random) -> dict:
    share = 1 if good else rng.choice([0.5, 0.7, 0.8])
    points = (item.max_points * Decimal(str(share))).quantize(Decimal("0.1"))
    return {"points": str(points), "comment": "演示：工作开展较好" if good else "演示：部分工作未达到要求"}


def cell_rule(item: Item) -> CellRule:
    return CellRule("points", N_("填得分，0–%(max)s 分，并写明理由", max=format_points(item.max_cents)),
                    low="0", high=str(item.max_points))
