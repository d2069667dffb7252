"""The outcome of an assessment as stored: rubric, marks and towns through the one core computation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scoring.marks import mark_table
from scoring.outcome import Outcome, compute_outcome
from scoring.rubric import Rubric
from scoring.store import queries


def assessment_outcome(session: Session, assessment_id: int) -> tuple[Rubric, Outcome]:
    """Return the rubric and the computed outcome of every town of an assessment."""
    rubric = queries.assessment_rubric(session, assessment_id)
    towns = queries.assessment_towns(session, assessment_id)
    marks = queries.complete_marks(session, assessment_id)
    return rubric, compute_outcome(rubric, mark_table(marks), list(towns.values()))


def unusable_marks(session: Session, assessment_id: int) -> list[queries.UnusableMark]:
    """Stored complete marks that are not valid for the assessment's rubric (they do not count)."""
    found: list[queries.UnusableMark] = []
    queries.complete_marks(session, assessment_id, unusable=found)
    return found
