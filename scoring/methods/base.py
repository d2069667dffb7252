"""What every scoring method provides, and the pieces they share.

A scoring method is a module of ``scoring.methods`` (``deduct``, ``levels`` ...) with:

``KIND``          the rubric's ``method.kind``
``Method``        its pydantic rubric model (a member of the ``ScoringMethod`` union)
``INPUTS``        the Mark fields it reads, with their pydantic types and defaults
``FIELDS``        their names; ``FRAME`` the marks-frame columns computed from them
``EMPTY_IS_FULL`` whether a mark with none of them is complete at full marks (then confirmed)
``check``         rubric problems of an item using it (points it cannot reach ...)
``validate``      whether a mark's inputs fit the item (raises InvalidMark)
``points``        its slice of the vectorised computation: cents per mark row
``explain``       what the scorecard says of a mark that lost points
``parse_fields``  the scoring form's fields -> mark inputs
``columns``       its columns in a marks table file (CSV/XLSX): read and written
``cell_rule``     what an offline score sheet's cell of an item accepts (choices or a range)
``demo_inputs``   plausible inputs for the demo district

and a template partial ``web/templates/review/methods/<kind>.html`` (its form inputs) and
``web/templates/rubrics/methods/<kind>.html`` (how the rubric page states it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import numpy as np

from scoring.errors import InvalidMark
from scoring.frames import Labels
from scoring.messages import Message
from scoring.values import Loc

if TYPE_CHECKING:
    import random

    from scoring.marks import Citation, Mark
    from scoring.rubric.model import Item

Found = tuple[Loc, Message | str]
T = TypeVar("T")
A = TypeVar("A")


class Deductions(NamedTuple):
    """A batch's deductions: the batch row each one belongs to, its rule and its count."""

    rows: np.ndarray
    rules: np.ndarray | Labels
    counts: np.ndarray


NO_DEDUCTIONS = Deductions(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Batch:
    """The marks of one method's items, as arrays, for its points: the one home of its rule.

    Built from the district's MarkTable or from a few marks' values alike (``method_points``),
    so a single saved mark is scored by the same code as 4.8 M. ``items`` is each row's item
    index (rubric order) and ``max_cents`` its item's maximum; ``columns`` holds the method's
    ``FRAME`` columns, a value per row (text may come as ``Labels``: look it up with
    ``frames.positions``; a number column may be of dtype object); ``deductions`` its rows'.
    """

    items: np.ndarray
    max_cents: np.ndarray
    columns: Mapping[str, np.ndarray | Labels]
    deductions: Deductions = NO_DEDUCTIONS


class Computed(NamedTuple):
    """Cents per batch row (NaN: no points, e.g. an unusable input) and deduction occurrences."""

    points: np.ndarray
    occurrences: np.ndarray | None = None


@dataclass(frozen=True)
class Explanation:
    """Why a mark lost points, as the scorecard states it (Chinese: an official document)."""

    text: str
    points_lost: int | None = None  # cents, when the method knows them per finding
    citation: Citation | None = None


class Column(NamedTuple):
    """A marks-file column of a method: header, Chinese header, cell -> input, input -> cell."""

    name: str
    chinese: str
    read: Callable[[str], Any]
    write: Callable[[Any], str]


class CellRule(NamedTuple):
    """What a score sheet's input cell of one item accepts: a list of choices or a number range."""

    column: str  # the marks-file column (``Column.name``) the item is scored in
    hint: Message  # what to type, shown as the cell's input message
    choices: tuple[str, ...] = ()
    low: str | None = None  # decimal bounds, as text (openpyxl writes them into the rule)
    high: str | None = None


class ScoringMethod(Protocol):
    KIND: str
    Method: type
    INPUTS: dict[str, tuple[Any, Any]]
    COLUMNS: tuple[Column, ...]
    FIELDS: tuple[str, ...]
    FRAME: dict[str, Callable[[Mark], Any]]
    EMPTY_IS_FULL: bool

    def check(self, item: Item, loc: Loc) -> list[Found]: ...
    def validate(self, item: Item, mark: Mark) -> None: ...
    def points(self, items: Sequence[Item], batch: Batch) -> Computed: ...
    def explain(self, item: Item, mark: Mark) -> list[Explanation]: ...
    def parse_fields(self, fields: dict[str, str]) -> dict: ...
    def demo_inputs(self, item: Item, good: bool, quality: float, rng: random.Random) -> dict: ...
    def cell_rule(self, item: Item) -> CellRule: ...


def require(item_id: str, condition: bool, field: str, message: Message) -> None:
    """Raise InvalidMark(item, field, message) unless ``condition`` holds."""
    if not condition:
        raise InvalidMark(item_id, field, message)


def with_comment(text: str, comment: str) -> str:
    """A finding's text with the reviewer's comment after it, as the scorecard prints it."""
    return text + (f"：{comment}" if comment else "")


def first_citation(mark: Mark) -> Citation | None:
    return mark.citations[0] if mark.citations else None


def decimal_text(value: Any) -> str:
    """A Decimal input as a file cell: 0.5, 12 (no exponent, no trailing zeros)."""
    return "" if value is None else f"{value.normalize():f}"


def per_item(items: Sequence[Item], value: Callable[[Item], float], default: float = np.nan) -> np.ndarray:
    """One value per rubric item (rubric order), ``default`` where ``value`` returns None."""
    out = np.full(len(items), default, dtype=float)
    for index, item in enumerate(items):
        got = value(item)
        if got is not None:
            out[index] = got
    return out


def by_identity(build: Callable[[A], T]) -> Callable[[A], T]:
    """``build(value)`` remembered per object (a frozen rubric, its item list): built once, not per save.

    The object is held beside its value, so its id is not reused while remembered."""
    memo: dict[int, tuple[A, T]] = {}

    @wraps(build)
    def remembered(value: A) -> T:
        found = memo.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if len(memo) > 64:
            memo.clear()
        built = build(value)
        memo[id(value)] = (value, built)
        return built

    return remembered


per_items = by_identity  # a method's per-item tables, built once per rubric's item list
