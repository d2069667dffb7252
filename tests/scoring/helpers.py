"""Builders for marks in core tests: a full set of marks for a town in a few words."""

from __future__ import annotations

from scoring.marks import Deduction, Mark, mark_table
from scoring.outcome import compute_outcome

FULL = {  # inputs giving full marks on tests/data/rubrics/minimal.yaml
    "A1": {}, "A2": {"level": "好"}, "B1": {"ratio": "1"}, "B2": {"met": True},
    "B3": {"points": "1", "comment": "全面履职"},
}


def town_marks(town: str, reviewers=("r1",), **overrides) -> list[Mark]:
    """Marks of every item of the minimal rubric; ``A1={...}`` overrides one item's inputs."""
    marks = []
    for item, inputs in FULL.items():
        for reviewer in reviewers:
            values = overrides.get(item, inputs)
            if callable(values):
                values = values(reviewer)
            marks.append(Mark(town=town, item=item, reviewer=reviewer, **values))
    return marks


def deduct(rule: str, count: int = 1) -> dict:
    return {"deductions": [Deduction(rule=rule, count=count)]}


def outcome_of(rubric, marks, towns=()):
    return compute_outcome(rubric, mark_table(marks), towns)


def points(outcome, town: str, item: str) -> float:
    scores = outcome.item_scores
    row = scores[(scores["town"] == town) & (scores["item"] == item)]
    return float(row["points"].iloc[0]) / 100
