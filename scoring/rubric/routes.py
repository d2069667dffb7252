"""The one builder of a rubric object's human route: ``一级指标 C → 考核项目 C2 → 扣分规则 C2-a``.

A *loc* is a path of keys and indexes into the rubric's data (as pydantic reports it). The
route names each object on the way by kind and id (or name, or position); the keys between
objects (``items``, ``method.rules``) are not in it, the kind says them. Error messages,
checks, version diffs and the web editor all use these functions, so their routes agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Loc = tuple[str | int, ...]

# The kind of an element, by the key of the list holding it.
KINDS = {
    "categories": "一级指标",
    "groups": "二级指标",
    "items": "考核项目",
    "rules": "扣分规则",
    "levels": "档次",
    "vetoes": "否决项",
    "grades": "等次",
}
BONUS_ITEM = "加分项"
TIE_BREAK = "同分排序"


def kind_of(list_loc: Loc) -> str | None:
    """The kind of the elements of the list at ``list_loc``; None for plain lists (tie_break)."""
    if list_loc[-2:] == ("bonus", "items") and len(list_loc) == 2:
        return BONUS_ITEM
    return KINDS.get(str(list_loc[-1])) if list_loc else None


def label(kind: str, element: Any, index: int) -> str:
    """``一级指标 C``: the kind and the element's id, else its name, else its position."""
    ident = None
    if isinstance(element, Mapping):
        ident = element.get("id") or element.get("name")
    return f"{kind} {ident if ident not in (None, '') else f'#{index + 1}'}"


def split(data: Any, loc: Loc) -> tuple[tuple[str, ...], str]:
    """Turn a loc into (route, field): (('一级指标 C', '考核项目 C2'), 'method.cap')."""
    route: list[str] = []
    field: list[str] = []
    node = data
    for position, step in enumerate(loc):
        child = _child(node, step)
        kind = kind_of(loc[:position]) if isinstance(step, int) and position else None
        if kind and isinstance(child, Mapping) and field and field[-1] == loc[position - 1]:
            route.append(label(kind, child, step))
            field = []  # the keys leading to the list are said by the kind
        elif isinstance(step, int):
            field[-1:] = [f"{field[-1]}[{step}]"] if field else [f"[{step}]"]
        else:
            field.append(str(step))
        node = child
    return tuple(route), ".".join(field)


def route_text(data: Any, loc: Loc) -> str:
    """The route of the object at ``loc`` as one line."""
    route, field = split(data, loc)
    return " → ".join([*route, field] if field else route)


def objects(data: Any) -> Iterator[tuple[Loc, tuple[str, ...]]]:
    """Yield (loc, route) for every object of the rubric data that has a route."""
    def walk(node: Any, loc: Loc, route: tuple[str, ...]) -> Iterator[tuple[Loc, tuple[str, ...]]]:
        if isinstance(node, Mapping):
            for key, value in node.items():
                yield from walk(value, (*loc, key), route)
        elif isinstance(node, list):
            kind = kind_of(loc)
            for index, element in enumerate(node):
                if kind and isinstance(element, Mapping):
                    here = (*route, label(kind, element, index))
                    yield (*loc, index), here
                    yield from walk(element, (*loc, index), here)

    yield from walk(data, (), ())


def _child(node: Any, step: str | int) -> Any:
    try:
        return node[step]
    except (KeyError, IndexError, TypeError):
        return None
