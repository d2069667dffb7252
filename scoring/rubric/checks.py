"""Checks that span several fields of a rubric: sums, duplicates, caps, bands, references.

Each check returns problems located by a *loc* (the path of keys and indexes into the
rubric's data, as pydantic reports them) so the loader can turn it into a file line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from scoring.methods import method_of
from scoring.rubric.model import (
    BonusSection,
    Category,
    GradeBand,
    Item,
    Rubric,
    VetoItem,
)

Loc = tuple[str | int, ...]
Found = tuple[Loc, str]


def check_rubric(rubric: Rubric) -> list[Found]:
    """Return every cross-field problem of a structurally valid rubric."""
    found: list[Found] = []
    found += duplicate_ids(rubric.model_dump())
    for index, category in enumerate(rubric.categories):
        found += check_category(category, ("categories", index))
    total = sum((c.points for c in rubric.categories), Decimal(0))
    if total != rubric.total_points:
        found.append(
            (("total_points",), f"categories sum to {_fmt(total)}, rubric says {_fmt(rubric.total_points)}")
        )
    found += grade_problems(rubric.grades)
    found += tie_break_problems(rubric.tie_break, {c.id for c in rubric.categories})
    found += bonus_problems(rubric.bonus)
    found += veto_problems(rubric.vetoes, {b.name for b in rubric.grades})
    found += quota_rule_problems(rubric)
    return found


def check_category(category: Category, loc: Loc) -> list[Found]:
    """Return the problems inside one category: sums and each item's method."""
    found: list[Found] = []
    for g_index, group in enumerate(category.groups):
        group_loc = (*loc, "groups", g_index)
        subtotal = _max_sum(group.items)
        if subtotal != group.points:
            found.append(
                ((*group_loc, "points"), f"items sum to {_fmt(subtotal)}, group says {_fmt(group.points)}")
            )
        for i_index, item in enumerate(group.items):
            found += check_item(item, (*group_loc, "items", i_index))
    for i_index, item in enumerate(category.items):
        found += check_item(item, (*loc, "items", i_index))
    if not category.items and not category.groups:
        found.append(((*loc, "items"), "a category needs at least one item"))
    parts = _max_sum(category.items) + sum((g.points for g in category.groups), Decimal(0))
    if parts != category.points:
        what = "items and groups" if category.groups else "items"
        found.append(
            ((*loc, "points"), f"{what} sum to {_fmt(parts)}, category says {_fmt(category.points)}")
        )
    return found


def check_item(item: Item, loc: Loc) -> list[Found]:
    """Return problems of one item's scoring method against its maximum (the method's own checks)."""
    return list(method_of(item).check(item, loc))


def _max_sum(items: list[Item]) -> Decimal:
    return sum((i.max_points for i in items), Decimal(0))


def duplicate_ids(data: dict) -> list[Found]:
    """Ids of categories, groups, items, bonus and veto items share one namespace.

    Works on the raw data so that duplicates are found even when other parts are invalid.
    """
    seen: dict[str, Loc] = {}
    found: list[Found] = []
    for loc, ident in _all_ids(data):
        if ident in seen:
            found.append(((*loc, "id"), f"duplicate id {ident!r} (first used by {_route_text(data, seen[ident])})"))
        else:
            seen[ident] = loc
    return found


def _all_ids(data: dict) -> Iterator[tuple[Loc, str]]:
    def elements(container: object, key: str) -> list[tuple[int, dict]]:
        values = container.get(key) if isinstance(container, dict) else None
        return [(i, v) for i, v in enumerate(values) if isinstance(v, dict)] if isinstance(values, list) else []

    for c_index, category in elements(data, "categories"):
        cloc: Loc = ("categories", c_index)
        yield cloc, str(category.get("id"))
        for i_index, item in elements(category, "items"):
            yield (*cloc, "items", i_index), str(item.get("id"))
        for g_index, group in elements(category, "groups"):
            gloc = (*cloc, "groups", g_index)
            yield gloc, str(group.get("id"))
            for i_index, item in elements(group, "items"):
                yield (*gloc, "items", i_index), str(item.get("id"))
    for b_index, bonus in elements(data.get("bonus"), "items"):
        yield ("bonus", "items", b_index), str(bonus.get("id"))
    for v_index, veto in elements(data, "vetoes"):
        yield ("vetoes", v_index), str(veto.get("id"))


def grade_problems(grades: list[GradeBand]) -> list[Found]:
    """Quotas in (0, 1], bands strictly descending, the lowest starting at 0."""
    found: list[Found] = []
    for index, band in enumerate(grades):
        if band.quota is not None and not (Decimal(0) < band.quota <= Decimal(1)):
            found.append((("grades", index, "quota"), f"quota {band.quota} is outside (0, 1]"))
        if index and band.min_total >= grades[index - 1].min_total:
            found.append(
                (("grades", index, "min_total"),
                 f"bands must be ordered from highest to lowest minimum; {_fmt(band.min_total)} "
                 f"is not below {grades[index - 1].name}'s {_fmt(grades[index - 1].min_total)}")
            )
    if grades and grades[-1].min_total != 0:
        found.append((("grades", len(grades) - 1, "min_total"), "the lowest band must start at 0"))
    if grades and grades[-1].quota is not None:
        found.append((("grades", len(grades) - 1, "quota"), "the lowest band cannot have a quota"))
    found += _duplicates([b.name for b in grades], ("grades",), "grade name")
    return found


def tie_break_problems(tie_break: list[str], category_ids: set[str]) -> list[Found]:
    """The chain starts with total and names only this rubric's categories."""
    found: list[Found] = []
    if tie_break[:1] != ["total"]:
        found.append((("tie_break", 0), "the tie-break chain must start with total"))
    for index, key in enumerate(tie_break):
        if key.startswith("category:") and key.split(":", 1)[1] not in category_ids:
            found.append((("tie_break", index), f"{key!r} names no category of this rubric"))
    found += _duplicates(list(tie_break), ("tie_break",), "tie-break key")
    return found


def bonus_problems(section: BonusSection | None) -> list[Found]:
    """Item caps within the section cap, level points within the item cap."""
    found: list[Found] = []
    if section is None:
        return found
    for index, bonus in enumerate(section.items):
        loc: Loc = ("bonus", "items", index)
        if bonus.max_points > section.cap:
            found.append(
                ((*loc, "max_points"),
                 f"item cap {_fmt(bonus.max_points)} is above the bonus cap {_fmt(section.cap)}")
            )
        for l_index, level in enumerate(bonus.levels):
            if level.points > bonus.max_points:
                found.append(
                    ((*loc, "levels", l_index, "points"),
                     f"level {level.name} gives {_fmt(level.points)}, above the item cap {_fmt(bonus.max_points)}")
                )
        found += _duplicates([lv.name for lv in bonus.levels], (*loc, "levels"), "level name")
    return found


def veto_problems(vetoes: list[VetoItem], grade_names: set[str]) -> list[Found]:
    """Vetoes name existing grades and state a cap exactly when they cap the total."""
    found: list[Found] = []
    for index, veto in enumerate(vetoes):
        loc: Loc = ("vetoes", index)
        if veto.max_grade is not None and veto.max_grade not in grade_names:
            found.append(((*loc, "max_grade"), f"{veto.max_grade!r} is not a grade of this rubric"))
        if veto.total == "cap" and veto.total_cap is None:
            found.append(((*loc, "total_cap"), "total: cap needs a total_cap"))
        if veto.total != "cap" and veto.total_cap is not None:
            found.append(((*loc, "total_cap"), "total_cap is only used with total: cap"))
    return found


def _duplicates(values: list[str], loc: Loc, what: str) -> list[Found]:
    counts = Counter(values)
    return [(loc, f"duplicate {what} {value!r}") for value, n in counts.items() if n > 1]


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _route_text(data: dict, loc: Loc) -> str:
    """'category A → item A1' for a loc of an object with an id."""
    parts, node = [], data
    for position, step in enumerate(loc):
        node = node[step]
        if isinstance(step, int):
            kind = {"categories": "category", "groups": "group", "vetoes": "veto"}.get(str(loc[position - 1]), "item")
            if loc[:2] == ("bonus", "items"):
                kind = "bonus item"
            parts.append(f"{kind} {node.get('id')}")
    return " → ".join(parts)


def quota_rule_problems(rubric: Rubric) -> list[Found]:
    """quota_rounding and quota_min_places only mean something when a band has a quota."""
    if any(band.quota is not None for band in rubric.grades):
        return []
    found: list[Found] = []
    if rubric.quota_min_places is not None:
        found.append((("quota_min_places",), "no grade band has a quota"))
    if "quota_rounding" in rubric.model_fields_set:
        found.append((("quota_rounding",), "no grade band has a quota"))
    return found
