"""The outcome of an assessment as stored: rubric, marks and towns through the one core computation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from scoring.outcome import Outcome
from scoring.rubric import Rubric
from scoring.services import cache
from scoring.store import queries


def assessment_outcome(session: Session, assessment_id: int) -> tuple[Rubric, Outcome]:
    """Return the rubric and the computed outcome of every town of an assessment.

    Computed once per change of the data (``scoring.services.cache``), not once per page.
    """
    rubric, cached = cache.assessment_outcome(session, assessment_id)
    return rubric, cached.outcome


def unusable_marks(session: Session, assessment_id: int) -> list[queries.UnusableMark]:
    """Stored complete marks that are not valid for the assessment's rubric (they do not count)."""
    return list(cache.assessment_outcome(session, assessment_id)[1].unusable)


def assessment_towns(session: Session, assessment_id: int) -> dict[int, str]:
    """Town id -> name of the assessment's towns (``queries.assessment_towns``), read once per
    data version: a page asks for them several times (7 ms each at 2,000 towns). Not to be changed."""
    return cache.derived(session, assessment_id, "towns", lambda: queries.assessment_towns(session, assessment_id))
