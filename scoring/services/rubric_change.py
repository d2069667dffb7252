"""What a new rubric version would do to a running assessment (what-if), and applying it.

The what-if outcome is the one computation (``scoring.outcome.compute_outcome``) under the
new rubric over exactly the marks that would carry over, so the figures shown before
applying are the figures the assessment has after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.marks import mark_table
from scoring.outcome import Outcome, compute_outcome
from scoring.rubric import Rubric
from scoring.rubric.diff import Change, diff_rubrics
from scoring.services import cache
from scoring.services.outcomes import assessment_outcome
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.operations import MarkToRescore


@dataclass(frozen=True)
class TownEffect:
    """One town's total (cents), rank and grade now and under the new rubric (None: not ranked)."""

    town: str
    total_before: int | None
    rank_before: int | None
    grade_before: str | None
    total_after: int | None
    rank_after: int | None
    grade_after: str | None

    @property
    def changed(self) -> bool:
        return (self.total_before, self.rank_before, self.grade_before) != \
            (self.total_after, self.rank_after, self.grade_after)


@dataclass(frozen=True)
class RubricChangePreview:
    changes: list[Change]
    towns: list[TownEffect]
    rescore: list[MarkToRescore]
    carried: int


def preview(session: Session, assessment_id: int, rubric_version_id: int) -> RubricChangePreview:
    """The rubric diff, every town's figures before and after, and the marks to re-score."""
    old, now = assessment_outcome(session, assessment_id)
    new = queries.rubric_of_version(session, rubric_version_id)
    split = operations.split_marks(session, assessment_id, rubric_version_id)
    towns = list(queries.assessment_towns(session, assessment_id).values())
    after = compute_outcome(new, mark_table(split.carried), towns)
    return RubricChangePreview(diff_rubrics(old, new), effects(now, after), split.rescore, len(split.carried))


def apply(session: Session, actor: Actor, assessment_id: int, rubric_version_id: int,
          reason: str) -> list[MarkToRescore]:
    """Apply the version (one audited transaction); return the marks listed for re-scoring."""
    return operations.apply_rubric_version(session, actor, assessment_id, rubric_version_id, reason).rescore


def marks_to_rescore(session: Session, assessment_id: int) -> list[MarkToRescore]:
    """Marks left behind by a rubric change: kept with their version, not counting.

    Kept through saves while there are none (reading every mark: 30 ms at 2,000 towns):
    a save can only add its own town's; once some are listed, each change reads them all again.
    """
    def update(known: list[MarkToRescore], towns: set[int]) -> list[MarkToRescore] | None:
        return operations.marks_to_rescore(session, assessment_id, towns) if not known else None

    return cache.through_marks(session, assessment_id, "marks-to-rescore",
                               lambda: operations.marks_to_rescore(session, assessment_id), update)


def current_figures(session: Session, assessment_id: int) -> tuple[Rubric, Outcome]:
    """The assessment's rubric and outcome as stored now (what pages show)."""
    return assessment_outcome(session, assessment_id)


def effects(before: Outcome, after: Outcome) -> list[TownEffect]:
    """Each town's figures in two outcomes, in the order of the first."""
    return [TownEffect(town, *_figures(before, town), *_figures(after, town))
            for town in before.ranking["town"]]


def _figures(outcome: Outcome, town: str) -> tuple[int | None, int | None, str | None]:
    try:
        row = outcome.town(town)
    except KeyError:
        return None, None, None
    if row["rank"] is None:
        return None, None, None
    return int(row["total"]), row["rank"], row["grade"]
