"""Who scores what, as data: departments matched to items, loads, shortfalls, item ranges.

A rubric item names its responsible department(s) (责任单位), e.g.
"区委依法治区办（区司法局）；区委组织部（述法）"; a reviewer belongs to a department. Here,
from plain values, the store and pages learn which reviewers a department assignment
gives each item, how many (item, town) pairs each reviewer carries, which items have
fewer reviewers for a town than the rubric asks, and how to name a set of items briefly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.rubric import Rubric

_SEPARATORS = re.compile(r"[；;、，,/]")
_PAREN = re.compile(r"[（(]([^）)]*)[）)]")

Cell = tuple[int, str, int]  # (reviewer id, item id, town id)


def assignable_ids(rubric: Rubric) -> list[str]:
    """Every id a reviewer can be assigned, in rubric order: items, bonus items, veto items."""
    ids = [item.id for _, item in rubric.all_items()]
    ids += [b.id for b in (rubric.bonus.items if rubric.bonus else [])]
    return ids + [v.id for v in rubric.vetoes]


def department_of(rubric: Rubric, item_id: str) -> str:
    kind = rubric.kind_of(item_id)
    if kind == "item":
        return rubric.item(item_id).department
    return rubric.bonus_item(item_id).department if kind == "bonus" else rubric.veto(item_id).department


def department_names(text: str) -> set[str]:
    """The department names in a 责任单位 text.

    "区委依法治区办（区司法局）；区委组织部（述法）" names 区委依法治区办, 区司法局 and 区委组织部:
    a bracket naming a district body (区…) is a department, any other bracket is a note
    (述法, 提供数据) or a section of the department before it (行政复议科).
    """
    names = set()
    for part in _SEPARATORS.split(text or ""):
        main = _PAREN.sub("", part).strip()
        if main:
            names.add(main)
        names.update(inner.strip() for inner in _PAREN.findall(part) if inner.strip().startswith("区"))
    return names


def responsible(item_department: str, reviewer_department: str) -> bool:
    """Whether a reviewer of this department scores items of that 责任单位 (exact names)."""
    return bool(department_names(reviewer_department) & department_names(item_department))


def department_plan(rubric: Rubric, departments: Mapping[int, str]) -> dict[str, list[int]]:
    """Item id -> the reviewers (by id, of ``departments``: reviewer -> department) responsible for it."""
    return {item_id: [r for r, dept in departments.items() if responsible(department_of(rubric, item_id), dept)]
            for item_id in assignable_ids(rubric)}


def cells_of(rows: Iterable[tuple[int, str, int | None]], towns: Iterable[int],
             conflicts: Mapping[int, set[int]]) -> set[Cell]:
    """Expand assignment rows (town None: every town) to (reviewer, item, town), without conflicted towns."""
    towns = list(towns)
    known = set(towns)  # a set: a list made this quadratic (2.4 s at 2,000 towns)
    out: set[Cell] = set()
    for reviewer, item, town in rows:
        barred = conflicts.get(reviewer, set())
        out.update((reviewer, item, t) for t in ([town] if town is not None else towns)
                   if t in known and t not in barred)
    return out


def loads(cells: Iterable[Cell]) -> dict[int, int]:
    """Reviewer id -> how many (item, town) marks they are to give."""
    out: dict[int, int] = {}
    for reviewer, _, _ in cells:
        out[reviewer] = out.get(reviewer, 0) + 1
    return out


@dataclass(frozen=True)
class Shortfall:
    """An item with fewer reviewers than the rubric asks, for some towns."""

    item: str
    needed: int
    fewest: int  # reviewers assigned for the worst-served town
    towns: tuple[int, ...]  # the towns short of reviewers


def shortfalls(rubric: Rubric, cells: Iterable[Cell], towns: Iterable[int]) -> list[Shortfall]:
    """Items (rubric order) that some town would get fewer marks of than ``Rubric.reviewers_of`` asks."""
    count: dict[tuple[str, int], int] = {}
    for _, item, town in cells:
        count[(item, town)] = count.get((item, town), 0) + 1
    towns = list(towns)
    out = []
    for item in assignable_ids(rubric):
        needed = rubric.reviewers_of(item)
        short = tuple(t for t in towns if count.get((item, t), 0) < needed)
        if short:
            out.append(Shortfall(item, needed, min(count.get((item, t), 0) for t in short), short))
    return out


def item_ranges(order: list[str], items: Iterable[str]) -> str:
    """Name a set of ids briefly in rubric order: "A1–A4、B2" (a run stops where the letter changes)."""
    chosen = set(items)
    runs: list[list[str]] = []
    previous = None
    for index, item in enumerate(order):
        if item not in chosen:
            continue
        if runs and previous == index - 1 and _prefix(runs[-1][-1]) == _prefix(item):
            runs[-1].append(item)
        else:
            runs.append([item])
        previous = index
    unknown = sorted(chosen - set(order))
    names = [run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]
    return "、".join(names + unknown)


def _prefix(item_id: str) -> str:
    return re.sub(r"[\d.\-]+$", "", item_id)
