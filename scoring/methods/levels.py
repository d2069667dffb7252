"""档次: named levels (好/较好/一般/差), each worth fixed points; the reviewer picks one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field

from scoring.frames import positions
from scoring.lookalike import duplicates
from scoring.messages import N_
from scoring.methods.base import (
    Batch,
    CellRule,
    Column,
    Computed,
    Explanation,
    Found,
    first_citation,
    per_items,
    require,
    with_comment,
)
from scoring.points import format_points, to_cents
from scoring.values import Loc, Model, Points

if TYPE_CHECKING:
    import random

    from scoring.marks import Mark
    from scoring.rubric.model import Item

KIND = "levels"


class Level(Model):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    points: Points
    description: str = ""


class Method(Model):
    """Named levels (好/较好/一般/差), each worth fixed points."""

    kind: Literal["levels"]
    levels: list[Level] = Field(min_length=2)


INPUTS = {"level": (Annotated[str, Field(min_length=1, max_length=40)] | None, None)}
FIELDS = ("level",)
# Its columns in the marks frame the vectorised points read.
EMPTY_IS_FULL = False  # nothing chosen is no mark
FRAME = {"level": lambda mark: mark.level}


def check(item: Item, loc: Loc) -> list[Found]:
    found: list[Found] = []
    mloc = (*loc, "method")
    names = [level.name for level in item.method.levels]  # type: ignore[union-attr]
    for index, level in enumerate(item.method.levels):  # type: ignore[union-attr]
        if level.points > item.max_points:
            found.append(((*mloc, "levels", index, "points"),
                          N_("档次 %(level)s 得 %(points)s 分，超过本项目的 %(max)s 分", level=level.name,
                             points=format_points(to_cents(level.points)), max=format_points(item.max_cents))))
    return found + duplicates(names, (*mloc, "levels"), "name")


def validate(item: Item, mark: Mark) -> None:
    names = [level.name for level in item.method.levels]  # type: ignore[union-attr]
    require(item.id, mark.level in names, "level", N_("请选择档次：%(choices)s", choices="、".join(names)))


@per_items
def _level_table(items: Sequence[Item]) -> tuple[dict[str, int], np.ndarray]:
    """Every level name's column, and per item × name the level's cents (NaN: no such level)."""
    names = sorted({lv.name for item in items if item.method.kind == KIND for lv in item.method.levels})
    table = np.full((len(items), max(len(names), 1)), np.nan)
    for index, item in enumerate(items):
        if item.method.kind == KIND:
            for level in item.method.levels:
                table[index, names.index(level.name)] = to_cents(level.points)
    table.setflags(write=False)  # shared between calls
    return {name: column for column, name in enumerate(names)}, table


def points(items: Sequence[Item], batch: Batch) -> Computed:
    """The chosen level's cents; NaN for a level the item does not have."""
    names, table = _level_table(items)
    chosen = positions(batch.columns["level"], names)
    cents = np.where(chosen >= 0, table[batch.items, chosen.clip(0)], np.nan)
    return Computed(cents)


def explain(item: Item, mark: Mark) -> list[Explanation]:
    # Without a comment the level's own description says why it is not full marks.
    level = next((lv for lv in item.method.levels if lv.name == mark.level), None)  # type: ignore[union-attr]
    described = f"（{level.description}）" if level is not None and level.description and not mark.comment else ""
    return [Explanation(with_comment(f"评定档次：{mark.level}{described}", mark.comment),
                        citation=first_citation(mark))]


def parse_fields(fields: dict[str, str]) -> dict:
    level = fields.get("level", "").strip()
    return {"level": level} if level else {}


COLUMNS = (Column("level", "档次", str.strip, lambda value: value or ""),)


def demo_inputs(item: Item, good: bool, quality: float, rng: random.Random) -> dict:
    ordered = sorted(item.method.levels, key=lambda level: level.points, reverse=True)  # type: ignore[union-attr]
    step = 0 if good else min(len(ordered) - 1, 1 + int(rng.random() * 2))
    return {"level": ordered[step].name}


def cell_rule(item: Item) -> CellRule:
    names = tuple(level.name for level in item.method.levels)  # type: ignore[union-attr]
    return CellRule("level", N_("选择档次：%(choices)s", choices="、".join(names)), choices=names)
