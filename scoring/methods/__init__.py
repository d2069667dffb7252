"""The scoring methods, one module each, and the registry that maps ``method.kind`` to its module.

Adding a method (e.g. 评议, a survey-weighted item) means adding a module here with the
names listed in ``scoring.methods.base`` and its two template partials, then naming it in
``METHODS`` below. Nothing else branches on the kind of method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scoring.methods import binary, deduct, judgement, levels, ratio
from scoring.methods.base import Batch, Column, Computed, Explanation, Found, ScoringMethod

if TYPE_CHECKING:
    from scoring.rubric.model import Item

METHODS: dict[str, ScoringMethod] = {m.KIND: m for m in (deduct, levels, binary, ratio, judgement)}  # type: ignore[misc]
KINDS: tuple[str, ...] = tuple(METHODS)


def method_of(item: Item) -> ScoringMethod:
    """The module of an item's scoring method."""
    return METHODS[item.method.kind]


def mark_inputs() -> dict[str, tuple[Any, Any]]:
    """Every method's Mark fields (name -> (type, default)), for building the Mark model."""
    fields: dict[str, tuple[Any, Any]] = {}
    for method in METHODS.values():
        fields.update(method.INPUTS)
    return fields


def input_owner() -> dict[str, str]:
    """Mark field -> the kind of method that reads it."""
    return {name: kind for kind, method in METHODS.items() for name in method.FIELDS}


def frame_columns() -> dict:
    """Marks-frame column -> the function of a mark that fills it, for every method."""
    columns: dict = {}
    for method in METHODS.values():
        columns.update(method.FRAME)
    return columns


def file_columns() -> tuple[Column, ...]:
    """Every method's columns in a marks table file, in registry order."""
    return tuple(column for method in METHODS.values() for column in method.COLUMNS)


__all__ = ["KINDS", "METHODS", "Batch", "Column", "Computed", "Explanation", "Found", "ScoringMethod",
           "file_columns", "frame_columns", "input_owner", "mark_inputs", "method_of"]
