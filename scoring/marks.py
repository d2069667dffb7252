"""A reviewer's mark (评分) of one item for one town, and the table of many marks.

A ``Mark`` is what a reviewer records: deductions (rule, count, reason, cited passage),
a level, met or not, an achieved ratio, or points with a reason; for a bonus item the
recognitions claimed, for a veto item whether it is triggered. ``validate_mark`` checks
that the inputs fit the item's method. Turning marks into points happens in
``scoring.results`` on a ``MarkTable``, so one computation serves every caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from scoring.errors import InvalidMark
from scoring.points import to_cents
from scoring.rubric import (
    BinaryMethod,
    DeductMethod,
    JudgementMethod,
    LevelsMethod,
    Points,
    RatioMethod,
    Rubric,
)

Fraction = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]
RATIO_SCALE = 10_000  # ratios are held as integer basis points: exact arithmetic


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Model):
    """A passage of a town's evidence that a finding rests on."""

    evidence_id: str = Field(min_length=1, max_length=64)
    passage_id: str = Field(min_length=1, max_length=64)
    quote: str = Field("", max_length=1000)


class Deduction(Model):
    rule: str = Field(min_length=1, max_length=40)
    count: int = Field(1, ge=1, le=1000)
    reason: str = Field("", max_length=4000)
    citation: Citation | None = None


class BonusClaim(Model):
    """One recognition of a matter at a level (e.g. 普法创新做法, 市)."""

    matter: str = Field(min_length=1, max_length=200)
    level: str = Field(min_length=1, max_length=40)


class Mark(Model):
    """One reviewer's judgement of one item for one town."""

    town: str = Field(min_length=1, max_length=100)
    item: str = Field(min_length=1, max_length=40)
    reviewer: str = Field(min_length=1, max_length=100)
    deductions: list[Deduction] = Field(default_factory=list)
    level: str | None = None
    met: bool | None = None
    ratio: Fraction | None = None
    points: Points | None = None
    triggered: bool | None = None
    claims: list[BonusClaim] = Field(default_factory=list)
    not_applicable: bool = False
    comment: str = Field("", max_length=20000)
    citations: list[Citation] = Field(default_factory=list)


def validate_mark(rubric: Rubric, mark: Mark) -> None:
    """Raise InvalidMark unless the mark's inputs fit its item's scoring method."""
    kind = rubric.kind_of(mark.item)
    if kind is None:
        raise InvalidMark(mark.item, "item", "no such item in this rubric")
    if kind == "veto":
        _require(mark, mark.triggered is not None, "triggered", "say whether the veto applies")
        _require(mark, not mark.triggered or bool(mark.comment.strip()), "comment",
                 "a triggered veto needs a reason")
        return
    if kind == "bonus":
        levels = {lv.name for lv in rubric.bonus_item(mark.item).levels}
        for claim in mark.claims:
            _require(mark, claim.level in levels, "claims", f"unknown level {claim.level!r}")
        return
    item = rubric.item(mark.item)
    if mark.not_applicable:
        _require(mark, item.not_applicable != "not_allowed", "not_applicable",
                 "this item cannot be marked not applicable")
        _require(mark, bool(mark.comment.strip()), "comment", "say why the item does not apply")
        return
    method = item.method
    if isinstance(method, DeductMethod):
        rules = {r.id for r in method.rules}
        for deduction in mark.deductions:
            _require(mark, deduction.rule in rules, "deductions", f"unknown rule {deduction.rule!r}")
    elif isinstance(method, LevelsMethod):
        _require(mark, mark.level in {lv.name for lv in method.levels}, "level",
                 f"choose one of {', '.join(lv.name for lv in method.levels)}")
    elif isinstance(method, BinaryMethod):
        _require(mark, mark.met is not None, "met", "say whether the requirement is met")
    elif isinstance(method, RatioMethod):
        _require(mark, mark.ratio is not None, "ratio", "give the achieved ratio between 0 and 1")
    elif isinstance(method, JudgementMethod):
        _require(mark, mark.points is not None, "points", "give points")
        _require(mark, mark.points is None or mark.points <= item.max_points, "points",
                 f"at most {item.max_points} points")
        _require(mark, bool(mark.comment.strip()), "comment", "a judgement needs a reason")


def _require(mark: Mark, condition: bool, field: str, message: str) -> None:
    if not condition:
        raise InvalidMark(mark.item, field, message)


@dataclass(frozen=True)
class MarkTable:
    """Many marks as three frames, the shape the results pipeline computes on.

    ``marks``: one row per mark, index ``mark_id``; columns town, item, reviewer,
    level (str or None), met (1.0/0.0/NaN), ratio_bp (basis points or NaN), points
    (cents or NaN), triggered (bool), not_applicable (bool).
    ``deductions``: mark_id, rule, count.  ``claims``: mark_id, matter, level.
    """

    marks: pd.DataFrame
    deductions: pd.DataFrame
    claims: pd.DataFrame

    @property
    def towns(self) -> list[str]:
        return sorted(pd.unique(self.marks["town"].astype(str)))


MARK_COLUMNS = ["town", "item", "reviewer", "level", "met", "ratio_bp", "points", "triggered",
                "not_applicable"]


def mark_table(marks: Iterable[Mark]) -> MarkTable:
    """Return the table of these marks (for the web and the CLI; benchmarks build frames)."""
    rows, deductions, claims = [], [], []
    for mark_id, mark in enumerate(marks):
        rows.append((
            mark.town, mark.item, mark.reviewer, mark.level,
            float("nan") if mark.met is None else float(mark.met),
            float("nan") if mark.ratio is None else float(int(mark.ratio * RATIO_SCALE)),
            float("nan") if mark.points is None else float(to_cents(mark.points)),
            bool(mark.triggered), mark.not_applicable,
        ))
        deductions += [(mark_id, d.rule, d.count) for d in mark.deductions]
        claims += [(mark_id, c.matter, c.level) for c in mark.claims]
    return MarkTable(
        marks=pd.DataFrame(rows, columns=MARK_COLUMNS).rename_axis("mark_id"),
        deductions=pd.DataFrame(deductions, columns=["mark_id", "rule", "count"]),
        claims=pd.DataFrame(claims, columns=["mark_id", "matter", "level"]),
    )
