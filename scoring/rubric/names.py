"""Ids and names that must be told apart: duplicates, look-alikes and stray whitespace.

"优秀 " beside "优秀", or a full-width "Ａ1" beside "A1", read the same to a person but are
different strings to the scorer: a mark for one would not count for the other. Names are
compared after Unicode NFKC normalisation (full-width to half-width) and stripping, and
leading or trailing whitespace in an id or name is refused outright. Works on the raw data,
so these problems are found even when other parts of the rubric are invalid.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scoring.lookalike import duplicates, look_alike, normalised  # noqa: F401 - re-exported
from scoring.messages import N_, Message
from scoring.rubric.routes import Loc, route_text

Found = tuple[Loc, Message]
# Fields that name or refer to an object: whitespace around them is never intended.
_NAMED = ("id", "name", "max_grade")


def name_problems(data: Any) -> list[Found]:
    """Every id, name or grade reference with leading or trailing whitespace."""
    found: list[Found] = []
    stack: list[tuple[Any, Loc]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _NAMED and isinstance(value, str) and value != value.strip():
                    found.append(((*loc, key), N_("首尾不能有空白字符：“%(value)s”", value=value)))
                elif isinstance(value, dict | list):
                    stack.append((value, (*loc, key)))
        elif isinstance(node, list):
            stack.extend((value, (*loc, index)) for index, value in enumerate(node)
                         if isinstance(value, dict | list))
    found.sort(key=lambda f: [str(s) for s in f[0]])
    return found


def duplicate_ids(data: dict) -> list[Found]:
    """Ids of categories, groups, items, bonus and veto items share one namespace."""
    seen: dict[str, tuple[Loc, str]] = {}
    found: list[Found] = []
    for loc, ident in _all_ids(data):
        key = normalised(ident)
        if key not in seen:
            seen[key] = (loc, ident)
            continue
        first_loc, first = seen[key]
        where = route_text(data, first_loc)
        if first == ident:
            found.append(((*loc, "id"), N_("编号 %(id)s 重复（已用于 %(first)s）", id=ident, first=where)))
        else:
            found.append(((*loc, "id"), N_("编号 %(id)s 与 %(first)s 的编号 %(other)s 只差空白或全角/半角，容易混淆",
                                           id=ident, first=where, other=first)))
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
