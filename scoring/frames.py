"""Positions in frames: the lookups the vectorised computations share (no rule lives here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scoring.marks import MarkTable


def rows_of(marks: pd.DataFrame, mark_ids: np.ndarray) -> np.ndarray:
    """Row positions of these mark ids in ``marks`` (-1 if absent); positional when possible."""
    index = marks.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        mark_ids = mark_ids.astype(np.int64)
        return np.where((mark_ids >= 0) & (mark_ids < len(index)), mark_ids, -1)
    return index.get_indexer(mark_ids)


def codes_of(values: pd.Series, names: list[str] | pd.Index) -> np.ndarray:
    """Position of each value in ``names``, -1 when absent; fast for categorical columns.

    ``names`` may be an Index built once (its hash table is then built once too)."""
    index = names if isinstance(names, pd.Index) else pd.Index(names)
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.append(index.get_indexer(values.cat.categories), -1)
        return lookup[values.cat.codes.to_numpy()]  # code -1 (missing) picks the appended -1
    return index.get_indexer(values.to_numpy())


class Labels(NamedTuple):
    """A text column as a categorical holds it: each row's code into ``names`` (-1: no value)."""

    codes: np.ndarray
    names: Sequence


_SHORT = 64  # up to this many values a Python loop beats building a hash table


def column_values(column: pd.Series, rows: np.ndarray) -> np.ndarray | Labels:
    """These rows of a frame's column as an array, a categorical one as Labels (not expanded)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return Labels(column.cat.codes.to_numpy()[rows], column.cat.categories)
    return column.to_numpy()[rows]


def positions(values: np.ndarray | Labels, names: Mapping[str, int]) -> np.ndarray:
    """Position of each value in ``names`` (name -> position), -1 when absent or no value.

    Labels are looked up once per distinct name; a long plain column is factorised first, a
    short one (a single mark's) looked up value by value without building any table."""
    if not isinstance(values, Labels):
        if len(values) <= _SHORT:
            return np.array([names.get(value, -1) for value in values.tolist()], dtype=np.int64)
        codes, uniques = pd.factorize(values)  # a missing value (None, NaN) gets code -1
        values = Labels(codes, uniques)
    lookup = np.array([names.get(name, -1) for name in values.names] + [-1], dtype=np.int64)
    return lookup[values.codes]  # code -1 picks the appended -1


def town_codes(table: MarkTable, extra: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """Return each mark's town position in the sorted list of towns, and that list."""
    column = table.marks["town"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.unique(column.cat.codes.to_numpy())
        present = [str(name) for name in column.cat.categories[used[used >= 0]]]
        names = sorted(set(present) | set(extra or []))
        return codes_of(column, names), names
    codes, found = pd.factorize(column.to_numpy(), use_na_sentinel=False)  # each town's name read once
    present = [str(name) for name in found]
    names = sorted(set(present) | set(extra or []))
    return pd.Index(names).get_indexer(present)[codes], names
