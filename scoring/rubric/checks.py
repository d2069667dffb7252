"""Checks that span several fields of a rubric: sums, duplicates, caps, bands, references.

Each check returns problems located by a *loc* (the path of keys and indexes into the
rubric's data, as pydantic reports them) so the loader can turn it into a file line.
Messages are Chinese message ids (``N_``) with parameters.
"""

from __future__ import annotations

from decimal import Decimal

from scoring.messages import N_, Message
from scoring.methods import method_of
from scoring.rubric.model import (
    BonusSection,
    Category,
    GradeBand,
    Item,
    Rubric,
    VetoItem,
)
from scoring.rubric.names import duplicate_ids, duplicates, name_problems
from scoring.rubric.routes import Loc

Found = tuple[Loc, Message]

__all__ = ["Found", "Loc", "bonus_problems", "check_category", "check_item", "check_rubric", "duplicate_ids",
           "grade_problems", "name_problems", "tie_break_problems", "veto_problems"]


def check_rubric(rubric: Rubric, data: dict | None = None) -> list[Found]:
    """Return every cross-field problem of a structurally valid rubric (``data``: its raw form)."""
    data = rubric.model_dump() if data is None else data
    found: list[Found] = [*name_problems(data), *duplicate_ids(data)]
    for index, category in enumerate(rubric.categories):
        found += check_category(category, ("categories", index))
    total = sum((c.points for c in rubric.categories), Decimal(0))
    if total != rubric.total_points:
        found.append((("total_points",), N_("各一级指标分值合计 %(sum)s 分，与总分 %(total)s 分不符",
                                            sum=fmt(total), total=fmt(rubric.total_points))))
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
            found.append(((*group_loc, "points"), N_("各考核项目分值合计 %(sum)s 分，与二级指标分值 %(points)s 分不符",
                                                     sum=fmt(subtotal), points=fmt(group.points))))
        for i_index, item in enumerate(group.items):
            found += check_item(item, (*group_loc, "items", i_index))
    for i_index, item in enumerate(category.items):
        found += check_item(item, (*loc, "items", i_index))
    if not category.items and not category.groups:
        found.append(((*loc, "items"), N_("一级指标至少需要一个考核项目")))
    parts = _max_sum(category.items) + sum((g.points for g in category.groups), Decimal(0))
    if parts != category.points:
        message = (N_("考核项目和二级指标分值合计 %(sum)s 分，与一级指标分值 %(points)s 分不符",
                      sum=fmt(parts), points=fmt(category.points)) if category.groups else
                   N_("各考核项目分值合计 %(sum)s 分，与一级指标分值 %(points)s 分不符",
                      sum=fmt(parts), points=fmt(category.points)))
        found.append(((*loc, "points"), message))
    return found


def check_item(item: Item, loc: Loc) -> list[Found]:
    """Return problems of one item's scoring method against its maximum (the method's own checks)."""
    return list(method_of(item).check(item, loc))


def _max_sum(items: list[Item]) -> Decimal:
    return sum((i.max_points for i in items), Decimal(0))


def grade_problems(grades: list[GradeBand]) -> list[Found]:
    """Quotas in (0, 1], bands strictly descending, the lowest starting at 0."""
    found: list[Found] = []
    for index, band in enumerate(grades):
        if band.quota is not None and not (Decimal(0) < band.quota <= Decimal(1)):
            found.append((("grades", index, "quota"), N_("名额比例 %(quota)s 应大于 0 且不超过 1", quota=band.quota)))
        if index and band.min_total >= grades[index - 1].min_total:
            found.append((("grades", index, "min_total"),
                          N_("等次须按最低总分从高到低排列：%(min)s 分不低于 %(above)s 的 %(above_min)s 分",
                             min=fmt(band.min_total), above=grades[index - 1].name,
                             above_min=fmt(grades[index - 1].min_total))))
    if grades and grades[-1].min_total != 0:
        found.append((("grades", len(grades) - 1, "min_total"), N_("最低一个等次的最低总分须为 0")))
    if grades and grades[-1].quota is not None:
        found.append((("grades", len(grades) - 1, "quota"), N_("最低一个等次不能设名额比例")))
    found += duplicates([b.name for b in grades], ("grades",), "name")
    return found


def tie_break_problems(tie_break: list[str], category_ids: set[str]) -> list[Found]:
    """The chain starts with total and names only this rubric's categories."""
    found: list[Found] = []
    if tie_break[:1] != ["total"]:
        found.append((("tie_break", 0), N_("同分排序的第一条须为 total")))
    for index, key in enumerate(tie_break):
        if key.startswith("category:") and key.split(":", 1)[1] not in category_ids:
            found.append((("tie_break", index), N_("%(key)s 指向的一级指标在本细则中不存在", key=key)))
    found += duplicates(list(tie_break), ("tie_break",), None)
    return found


def bonus_problems(section: BonusSection | None) -> list[Found]:
    """Item caps within the section cap, level points within the item cap."""
    found: list[Found] = []
    if section is None:
        return found
    for index, bonus in enumerate(section.items):
        loc: Loc = ("bonus", "items", index)
        if bonus.max_points > section.cap:
            found.append(((*loc, "max_points"), N_("本项最多加 %(max)s 分，超过加分合计上限 %(cap)s 分",
                                                   max=fmt(bonus.max_points), cap=fmt(section.cap))))
        for l_index, level in enumerate(bonus.levels):
            if level.points > bonus.max_points:
                found.append(((*loc, "levels", l_index, "points"),
                              N_("级别 %(level)s 加 %(points)s 分，超过本项最多加分 %(max)s 分",
                                 level=level.name, points=fmt(level.points), max=fmt(bonus.max_points))))
        found += duplicates([lv.name for lv in bonus.levels], (*loc, "levels"), "name")
    return found


def veto_problems(vetoes: list[VetoItem], grade_names: set[str]) -> list[Found]:
    """Vetoes name existing grades and state a cap exactly when they cap the total."""
    found: list[Found] = []
    for index, veto in enumerate(vetoes):
        loc: Loc = ("vetoes", index)
        if veto.max_grade is not None and veto.max_grade not in grade_names:
            found.append(((*loc, "max_grade"), N_("%(grade)s 不是本细则的等次", grade=veto.max_grade)))
        if veto.total == "cap" and veto.total_cap is None:
            found.append(((*loc, "total_cap"), N_("total 为 cap 时须填写 total_cap")))
        if veto.total != "cap" and veto.total_cap is not None:
            found.append(((*loc, "total_cap"), N_("total_cap 仅在 total 为 cap 时使用")))
    return found


def fmt(value: Decimal) -> str:
    """Points without trailing zeros: 1.50 -> '1.5'."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quota_rule_problems(rubric: Rubric) -> list[Found]:
    """quota_rounding and quota_min_places only mean something when a band has a quota."""
    if any(band.quota is not None for band in rubric.grades):
        return []
    found: list[Found] = []
    if rubric.quota_min_places is not None:
        found.append((("quota_min_places",), N_("没有设名额比例的等次，此项无效")))
    if rubric.quota_rounding != "floor":  # the default, which an editor may state explicitly
        found.append((("quota_rounding",), N_("没有设名额比例的等次，此项无效")))
    return found
