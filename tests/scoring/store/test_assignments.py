"""A removed assignment withdraws the reviewer's marks from every result (real databases)."""

from __future__ import annotations

from scoring import services
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM


def assignment_of(db, ids, reviewer: str, item: str, assessment: str = "scoring"):
    return next(a for a in queries.assignments(db, ids[assessment])
                if a.reviewer_id == ids["users"][reviewer] and a.item_id == item and a.town_id is None)


def a1_marks(db, ids, town: str) -> int:
    _, outcome = services.assessment_outcome(db, ids["scoring"])
    scores = outcome.item_scores
    return int(scores.loc[(scores["town"] == town) & (scores["item"] == "A1"), "n_marks"].iloc[0])


def test_marks_of_a_removed_assignment_stop_counting(db, ids):
    assert a1_marks(db, ids, "新城镇") == 2  # the department's and 依法治区办's
    operations.unassign(db, SYSTEM, assignment_of(db, ids, "fazhiban", "A1").id)

    assert a1_marks(db, ids, "新城镇") == 1
    marks = queries.complete_marks(db, ids["scoring"], ids["towns"]["新城镇"])
    assert not any(m.item == "A1" and m.reviewer == "fazhiban" for m in marks)
    assert any(m.reviewer == "fazhiban" for m in marks)  # their other items still count


def test_an_assignment_for_one_town_keeps_only_that_towns_marks(db, ids):
    operations.unassign(db, SYSTEM, assignment_of(db, ids, "fazhiban", "A1").id)
    operations.assign(db, SYSTEM, ids["scoring"], ids["users"]["fazhiban"], ["A1"], town_id=ids["towns"]["东港镇"])

    assert a1_marks(db, ids, "东港镇") == 2
    assert a1_marks(db, ids, "新城镇") == 1


def test_a_town_whose_item_nobody_is_assigned_any_more_misses_that_item(db, ids):
    _, outcome = services.assessment_outcome(db, ids["scoring"])
    missing = outcome.town("新城镇")["missing"]
    for reviewer in ("sifaju", "fazhiban"):
        operations.unassign(db, SYSTEM, assignment_of(db, ids, reviewer, "A1").id)

    card = services.town_scorecard(db, ids["scoring"], ids["towns"]["新城镇"])
    assert (card.ranked, card.rank, card.grade) == (False, None, "—")
    assert card.total == f"未完成，缺 {missing + 1} 项"


def test_assignments_of_a_released_assessment_cannot_change(db, ids):
    """Which marks count follows the assignments: once scoring closes, results must not move."""
    import pytest

    from scoring.errors import PhaseClosed

    before = services.district_ranking(db, ids["released"])
    with pytest.raises(PhaseClosed):
        operations.unassign(db, SYSTEM, assignment_of(db, ids, "fazhiban", "A1", "released").id)
    with pytest.raises(PhaseClosed):
        operations.assign(db, SYSTEM, ids["released"], ids["users"]["fazhiban"], ["A2"], town_id=ids["towns"]["东港镇"])
    assert services.district_ranking(db, ids["released"]) == before
