"""Results recomputed from the audit trail alone, to check them against the stored marks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scoring.errors import InvalidMark
from scoring.marks import mark_table, read_mark
from scoring.outcome import compute_outcome
from scoring.resolutions import apply_resolutions
from scoring.services.outcomes import assessment_outcome
from scoring.store import queries
from scoring.store.replay import ReplayReport, compare, counted_keys, replayed_inputs
from scoring.store.resolutions import resolved_marks

RANKING_COLUMNS = ["town", "total", "rank", "grade", "status"]


@dataclass(frozen=True)
class ReplayCheck:
    marks: ReplayReport
    assessments: int
    results_differ: tuple[int, ...]  # assessments whose ranking from the replay is not the stored one

    @property
    def passed(self) -> bool:
        return self.marks.reproduced and not self.results_differ


def check_replay(session: Session) -> ReplayCheck:
    """Replay every mark from the audit trail; recompute every assessment's results from it."""
    report = compare(session)
    replayed = replayed_inputs(session)
    differ = []
    assessments = queries.all_assessments(session)
    for assessment in assessments:
        towns = queries.assessment_towns(session, assessment.id)
        users = queries.users_by_id(session)
        rubric = queries.assessment_rubric(session, assessment.id)
        counted = counted_keys(session, assessment.id)
        marks = []
        for town_id, item_id, reviewer_id in counted:
            mark = replayed.get((assessment.id, town_id, item_id, reviewer_id))
            if mark is None or not mark.complete or town_id not in towns:
                continue
            try:
                marks.append(read_mark(rubric, town=towns[town_id], item=item_id,
                                       reviewer=users[reviewer_id].username, inputs=mark.inputs))
            except InvalidMark:
                continue  # not counted from the table either
        table = apply_resolutions(mark_table(marks), resolved_marks(session, assessment.id))
        ranking = compute_outcome(rubric, table, list(towns.values())).ranking[RANKING_COLUMNS]
        _, stored = assessment_outcome(session, assessment.id)
        if not ranking.reset_index(drop=True).equals(stored.ranking[RANKING_COLUMNS].reset_index(drop=True)):
            differ.append(assessment.id)
    return ReplayCheck(report, len(assessments), tuple(differ))
