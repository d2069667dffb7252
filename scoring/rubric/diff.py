"""What changed between two versions of a rubric, in the administrator's terms.

``diff_rubrics`` compares the rubrics as data: objects with an id (categories, groups,
items, deduction rules, bonus and veto items) or a name (levels, grade bands) are matched
by it, so a change reads ``一级指标 C → 考核项目 C2 → max_points: 4 → 5`` and an item that
appears or disappears is reported once, not as a cascade of field changes. Routes come from
``scoring.rubric.routes``, as in the loader's error messages. ``yaml_diff`` is the second
view: a unified diff of the two YAML texts.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from scoring.rubric import routes
from scoring.rubric.model import Rubric

# Fields that say nothing about the rubric's content: the store numbers versions itself.
_IGNORED = frozenset({"version"})


@dataclass(frozen=True)
class Change:
    """One difference: an object added or removed, or one field's old and new value.

    ``path`` is the route to the object (``('一级指标 C', '考核项目 C2')``); ``field`` the key
    inside it (``'max_points'``, ``'method.cap'``), empty when the object itself was added
    or removed. For an added or removed object ``new``/``old`` holds its title or name.
    ``None`` means "not set".
    """

    kind: Literal["added", "removed", "changed"]
    path: tuple[str, ...]
    field: str = ""
    old: str | None = None
    new: str | None = None

    def __str__(self) -> str:
        where = " → ".join([*self.path, self.field] if self.field else self.path) or "细则"
        if self.kind == "added":
            return f"新增 {where}" + (f"（{self.new}）" if self.new else "")
        if self.kind == "removed":
            return f"删除 {where}" + (f"（{self.old}）" if self.old else "")
        return f"{where}: {_shown(self.old)} → {_shown(self.new)}"


def diff_rubrics(old: Rubric, new: Rubric) -> list[Change]:
    """Return the changes that turn ``old`` into ``new``, in rubric order; [] if none.

    The ``version`` field is ignored. Elements matched by id that changed place among
    their siblings are reported as one change of the list's order.
    """
    return _diff(old.model_dump(mode="python"), new.model_dump(mode="python"), (), ())


def yaml_diff(old_text: str, new_text: str, old_name: str = "old", new_name: str = "new",
              context: int = 3) -> list[str]:
    """Return the unified diff of two YAML texts as lines without line ends; [] if equal."""
    return list(difflib.unified_diff(old_text.splitlines(), new_text.splitlines(),
                                     fromfile=old_name, tofile=new_name, n=context, lineterm=""))


def _diff(old: Any, new: Any, route: tuple[str, ...], fields: tuple[str, ...]) -> list[Change]:
    if isinstance(old, dict) or isinstance(new, dict):
        if isinstance(old, dict | None) and isinstance(new, dict | None):
            return _diff_mappings(old or {}, new or {}, route, fields)
    if fields and routes.kind_of(fields) and _keyed(old) and _keyed(new):
        return _diff_keyed(old or [], new or [], route, fields)
    if _comparable(old) != _comparable(new):
        return [Change("changed", route, ".".join(fields), _text(old), _text(new))]
    return []


def _diff_mappings(old: dict, new: dict, route: tuple[str, ...], fields: tuple[str, ...]) -> list[Change]:
    changes: list[Change] = []
    for key in [*old, *(k for k in new if k not in old)]:
        if not route and not fields and key in _IGNORED:
            continue
        changes += _diff(old.get(key), new.get(key), route, (*fields, key))
    return changes


def _diff_keyed(old: list[dict], new: list[dict], route: tuple[str, ...], fields: tuple[str, ...]) -> list[Change]:
    """Match elements by id (or name); report removed, then matched, then added ones."""
    kind = routes.kind_of(fields) or ""
    # The keys leading to the list are said by the kind: "考核项目 C2 → 扣分规则 C2-a".
    old_by = {_ident(e, i): (i, e) for i, e in enumerate(old)}
    new_by = {_ident(e, i): (i, e) for i, e in enumerate(new)}

    def at(ident: str, by: dict) -> tuple[str, ...]:
        return (*route, routes.label(kind, by[ident][1], by[ident][0]))

    changes: list[Change] = []
    for ident, (_, element) in old_by.items():
        if ident not in new_by:
            changes.append(Change("removed", at(ident, old_by), old=_summary(element)))
    common_old = [i for i in old_by if i in new_by]
    common_new = [i for i in new_by if i in old_by]
    if common_old != common_new:
        changes.append(Change("changed", route, ".".join((*fields, "order")),
                              ", ".join(common_old), ", ".join(common_new)))
    for ident in common_new:
        changes += _diff(old_by[ident][1], new_by[ident][1], at(ident, new_by), ())
    for ident, (_, element) in new_by.items():
        if ident not in old_by:
            changes.append(Change("added", at(ident, new_by), new=_summary(element)))
    return changes


def _keyed(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(e, dict) for e in value))


def _ident(element: dict, index: int) -> str:
    return str(element.get("id") or element.get("name") or f"#{index + 1}")


def _summary(element: dict) -> str | None:
    value = element.get("title") or element.get("reason")  # levels and grades: the name is the label
    return str(value) if value is not None else None


def _comparable(value: Any) -> Any:
    """Values as compared: 3 and 3.00 are the same number of points."""
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list):
        return "; ".join(_text(v) or "" for v in value) if value else "[]"
    return str(value)


def _shown(value: str | None) -> str:
    return "（无）" if value is None else value
