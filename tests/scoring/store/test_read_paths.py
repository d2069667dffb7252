"""Fast reads stay exact: the cached outcome, the running total, the column-wise marks, deferred reads."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from sqlalchemy import select, text, update

from scoring import services
from scoring.marks import mark_table
from scoring.methods import method_of
from scoring.outcome import compute_outcome
from scoring.points import format_points
from scoring.ranking import INCOMPLETE
from scoring.services import cache
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.db import make_engine, make_session_factory
from scoring.store.mark_frames import counting_marks
from scoring.store.models import MarkRow

TOWN = "新城镇"


@pytest.fixture
def session(settings):
    """A session as the app opens them (deferred reads, writes through operations)."""
    engine = make_engine(settings.sqlalchemy_url)
    cache.clear()
    with make_session_factory(engine)() as opened:
        yield opened
    engine.dispose()


def reviewer_for(item_id: str) -> str:
    return "sifaju" if item_id[0] in "ABC" else "zhengwu"


def save(session, ids, item_id: str, inputs: dict, reviewer: str | None = None):
    reviewer = reviewer or reviewer_for(item_id)
    town_id, reviewer_id = ids["towns"][TOWN], ids["users"][reviewer]
    mark = queries.reviewer_marks(session, ids["scoring"], town_id, reviewer_id).get(item_id)
    return services.record_mark(session, Actor(reviewer_id, reviewer), assessment_id=ids["scoring"],
                                town_id=town_id, item_id=item_id, reviewer_id=reviewer_id, inputs=inputs,
                                expected_version=mark.version if mark else 0)


def recomputed_total(session, ids) -> str:
    """The town's total as the full recomputation from every stored mark gives it."""
    rubric = queries.assessment_rubric(session, ids["scoring"])
    towns = list(queries.assessment_towns(session, ids["scoring"]).values())
    row = compute_outcome(rubric, mark_table(queries.complete_marks(session, ids["scoring"])), towns).town(TOWN)
    return str(f"未完成，缺 {int(row['missing'])} 项" if row["status"] == INCOMPLETE else format_points(row["total"]))


def good_inputs(rubric, item_id: str, seed: int) -> dict:
    item = rubric.item(item_id)
    inputs = method_of(item).demo_inputs(item, True, 0.9, random.Random(seed))
    inputs.pop("citations", None)
    for deduction in inputs.get("deductions", []):
        deduction.pop("citation", None)
    return inputs


def test_the_running_total_after_each_save_equals_the_full_recomputation(session, ids):
    rubric = queries.assessment_rubric(session, ids["scoring"])
    scored = counting_marks(session, ids["scoring"], ids["towns"][TOWN]).items
    missing = [i.id for _, i in rubric.all_items() if i.id not in scored]
    assert len(missing) > 2
    for n, item_id in enumerate(missing):  # the town goes from incomplete to complete
        saved = save(session, ids, item_id, good_inputs(rubric, item_id, n))
        assert saved.complete
        assert str(saved.town_total) == recomputed_total(session, ids)
    assert "未完成" not in str(saved.town_total)
    changed = save(session, ids, missing[0], good_inputs(rubric, missing[0], 99))  # an edit of a complete town
    assert str(changed.town_total) == recomputed_total(session, ids)
    commented = save(session, ids, missing[0], {**good_inputs(rubric, missing[0], 99), "comment": "复核无误"})
    assert commented.town_total == changed.town_total and commented.item_points == changed.item_points
    back = save(session, ids, missing[0], good_inputs(rubric, missing[0], 0))  # as after the loop: remembered
    assert str(back.town_total) == recomputed_total(session, ids)


def test_edits_of_a_complete_town_keep_its_running_total_equal_to_the_full_recomputation(session, ids):
    """Each edit changes one scored item's mark: the total comes from the town's last outcome
    with that mark replaced, and must be what the scorecard computes from every mark."""
    rubric = queries.assessment_rubric(session, ids["scoring"])
    scored = counting_marks(session, ids["scoring"], ids["towns"][TOWN]).items
    for n, (_, item) in enumerate(i for i in rubric.all_items() if i[1].id not in scored):
        save(session, ids, item.id, good_inputs(rubric, item.id, n))
    items = [item for _, item in rubric.all_items()]
    kinds = {}
    for item in items:  # one item of each scoring method, and one that may be marked not applicable
        kinds.setdefault(item.method.kind, item)
    allows_na = next((i for i in items if i.not_applicable != "not_allowed"), None)
    edited = list(kinds.values()) + ([allows_na] if allows_na else [])
    assert len(edited) >= 3
    for n in range(3 * len(edited)):
        item = edited[n % len(edited)]
        if item is allows_na and n % 2:
            inputs = {"not_applicable": True, "comment": "本年度无此类事项"}
        else:
            inputs = method_of(item).demo_inputs(item, n % 3 == 0, 0.3 + 0.1 * (n % 5), random.Random(100 + n))
            inputs.pop("citations", None)
            for deduction in inputs.get("deductions", []):
                deduction.pop("citation", None)
            if not inputs:  # full marks: confirmed as the save button does
                inputs = good_inputs(rubric, item.id, n)
        saved = save(session, ids, item.id, inputs)
        if saved.complete:
            assert "未完成" not in str(saved.town_total)
        assert str(saved.town_total) == recomputed_total(session, ids), (n, item.id, inputs)


def test_a_save_invalidates_the_cached_outcome(session, ids):
    rubric = queries.assessment_rubric(session, ids["scoring"])
    scored = counting_marks(session, ids["scoring"], ids["towns"][TOWN]).items
    item_id = next(i.id for _, i in rubric.all_items() if i.id not in scored)
    _, before = services.assessment_outcome(session, ids["scoring"])
    missing_before = before.town(TOWN)["missing"]
    save(session, ids, item_id, good_inputs(rubric, item_id, 1))
    _, after = services.assessment_outcome(session, ids["scoring"])
    assert after.town(TOWN)["missing"] == missing_before - 1
    cache.clear()  # another worker, or after a restart: the same outcome
    assert services.assessment_outcome(session, ids["scoring"])[1].town(TOWN)["missing"] == missing_before - 1


def same_outcome(a, b) -> None:
    """Every number, rank, grade and place equal; each town's bonus matters in the same order."""
    pd.testing.assert_frame_equal(a.item_scores, b.item_scores)
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.ranking.reset_index(drop=True), b.ranking.reset_index(drop=True))
    assert a.places == b.places
    for town in set(a.bonus_matters["town"]) | set(b.bonus_matters["town"]):
        # the town label's dtype follows the marks table's (a resolution's marks come as pandas strings)
        pd.testing.assert_frame_equal(a.bonus_matters[a.bonus_matters["town"] == town].reset_index(drop=True),
                                      b.bonus_matters[b.bonus_matters["town"] == town].reset_index(drop=True),
                                      check_dtype=False)


def fresh(session, ids):
    """The outcome computed from scratch from every stored mark."""
    rubric = queries.assessment_rubric(session, ids["scoring"])
    towns = list(queries.assessment_towns(session, ids["scoring"]).values())
    return compute_outcome(rubric, counting_marks(session, ids["scoring"]).table, towns)


def test_the_outcome_brought_up_to_date_after_saves_equals_a_fresh_computation(session, ids):
    """After saves in two towns, a sign-in and a removed assignment, pages see the outcome a
    computation from scratch gives (the cached one is brought up to date town by town)."""
    rubric = queries.assessment_rubric(session, ids["scoring"])
    services.assessment_outcome(session, ids["scoring"])  # a page computed it before the saves
    other = next(t for t in queries.assessment_towns(session, ids["scoring"]).values() if t != TOWN)
    for n, item_id in enumerate(i.id for _, i in rubric.all_items() if i.id[0] in "AB"):
        save(session, ids, item_id, good_inputs(rubric, item_id, 10 + n))
        town_id, reviewer = ids["towns"][other], reviewer_for(item_id)
        mark = queries.reviewer_marks(session, ids["scoring"], town_id, ids["users"][reviewer]).get(item_id)
        services.record_mark(session, Actor(ids["users"][reviewer], reviewer), assessment_id=ids["scoring"],
                             town_id=town_id, item_id=item_id, reviewer_id=ids["users"][reviewer],
                             inputs=good_inputs(rubric, item_id, 50 + n), expected_version=mark.version if mark else 0)
        if n % 3 == 0:
            same_outcome(services.assessment_outcome(session, ids["scoring"])[1], fresh(session, ids))
    assert operations.authenticate(session, "sifaju", "demo-sifaju", remote_addr="127.0.0.1")  # no outcome changes
    same_outcome(services.assessment_outcome(session, ids["scoring"])[1], fresh(session, ids))
    assignment = next(a for a in queries.assignments(session, ids["scoring"]) if a.item_id.startswith("A"))
    operations.unassign(session, Actor(ids["users"]["admin"], "admin"), assignment.id)  # withdraws marks
    same_outcome(services.assessment_outcome(session, ids["scoring"])[1], fresh(session, ids))


def test_a_resolution_brings_the_outcome_up_to_date_in_its_town_only(session, ids, monkeypatch):
    """A disagreement resolved in one town: pages see what a computation from scratch gives
    (the resolution counts as the item's one mark), and the district is not computed again."""
    from scoring.resolutions import apply_resolutions
    from scoring.store.resolutions import resolved_marks

    rubric = queries.assessment_rubric(session, ids["scoring"])
    item = next(i for _, i in rubric.all_items() if i.method.kind == "deduct")
    item_id = item.id
    save(session, ids, item_id, {"deductions": [{"rule": item.method.rules[0].id, "count": 1, "reason": "缺材料"}]})
    before = services.assessment_outcome(session, ids["scoring"])[1]
    operations.resolve_disagreement(session, Actor(ids["users"]["admin"], "admin"), assessment_id=ids["scoring"],
                                    town_id=ids["towns"][TOWN], item_id=item_id, reason="复核后裁定",
                                    inputs={"deductions": []})  # full marks after all

    def whole_district(*args, **kwargs):
        raise AssertionError("the whole district was computed again for one town's resolution")

    monkeypatch.setattr(cache, "compute_outcome", whole_district)
    after = services.assessment_outcome(session, ids["scoring"])[1]
    monkeypatch.undo()
    towns = list(queries.assessment_towns(session, ids["scoring"]).values())
    table = apply_resolutions(counting_marks(session, ids["scoring"]).table, resolved_marks(session, ids["scoring"]))
    same_outcome(after, compute_outcome(rubric, table, towns))
    def item_points(outcome):
        scores = outcome.item_scores
        return scores[(scores["town"] == TOWN) & (scores["item"] == item_id)]["points"].item()

    assert item_points(after) != item_points(before)  # the resolution counts


def test_column_wise_marks_are_the_validated_marks_and_an_edit_outside_the_service_is_named(session, ids):
    def as_rows(table):
        return sorted(map(tuple, table.marks[["town", "item", "reviewer"]].to_numpy().tolist()))

    assessment_id = ids["released"]
    assert as_rows(counting_marks(session, assessment_id).table) == as_rows(
        mark_table(queries.complete_marks(session, assessment_id)))
    row = session.execute(select(MarkRow).where(MarkRow.assessment_id == assessment_id,
                                                MarkRow.item_id.like("A%")).limit(1)).scalar_one()
    original = dict(row.inputs)
    session.execute(update(MarkRow).where(MarkRow.id == row.id).values(inputs={"level": 3, "deductions": "x"}))
    session.commit()
    found = counting_marks(session, assessment_id)
    assert [(u.item, u.reviewer) for u in found.unusable] == [(row.item_id, queries.user(session, row.reviewer_id)
                                                               .username)]
    assert len(found.table.marks) == len(queries.complete_marks(session, assessment_id))
    session.execute(update(MarkRow).where(MarkRow.id == row.id).values(inputs=original))  # put back: counts again
    session.commit()
    assert counting_marks(session, assessment_id).unusable == []


def test_a_page_answers_while_another_connection_holds_the_sqlite_write_lock(settings, session, ids, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    writer = make_engine(settings.sqlalchemy_url).raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")  # a save in progress in another worker
        writer.execute("UPDATE marks SET version = version WHERE id = (SELECT min(id) FROM marks)")
        session.execute(text("PRAGMA busy_timeout = 50"))  # taking the lock would now fail, not wait
        session.commit()
        card = services.town_scorecard(session, ids["scoring"], ids["towns"][TOWN])
        sheet = services.scoring_sheet(session, ids["scoring"], ids["towns"][TOWN], ids["users"]["sifaju"])
        assert card.town == TOWN and sheet.town == TOWN
    finally:
        writer.rollback()
        writer.close()


def same_table(a, b) -> None:
    """Marks, deductions and claims equal, row for row and in the same order (the order the shares of the
    calibration are summed in)."""
    for part in ("marks", "deductions", "claims"):
        pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part), check_exact=True)


def fresh_sensitivity(session, assessment_id):
    """The sensitivity flags computed from marks read afresh, in a process that remembers nothing."""
    from scoring.services.calibration import ranking_sensitivity

    cache.clear()
    return ranking_sensitivity(session, assessment_id)


def test_the_marks_kept_through_saves_and_a_resolution_are_the_marks_read_afresh_and_so_is_the_sensitivity(
        session, ids):
    """The sensitivity reads every town's marks: after a change they are read again only for the
    towns it touched, and the table (and the flags computed from it) must be what reading all gives."""
    from scoring.services.calibration import counting_table, ranking_sensitivity
    from scoring.services.disagreements import disagreement_queue

    aid = ids["scoring"]
    rubric = queries.assessment_rubric(session, aid)
    same_table(counting_table(session, aid), counting_marks(session, aid).table)
    ranking_sensitivity(session, aid)  # a page showed the flags before the changes
    other = next(t for t in queries.assessment_towns(session, aid).values() if t != TOWN)
    allows_na = next(i for _, i in rubric.all_items() if i.not_applicable != "not_allowed")
    for n, item_id in enumerate([i.id for _, i in rubric.all_items() if i.id[0] in "AB"][:6]):
        save(session, ids, item_id, good_inputs(rubric, item_id, 20 + n))  # new marks and edits, in two towns
        town_id, reviewer = ids["towns"][other], reviewer_for(item_id)
        mark = queries.reviewer_marks(session, aid, town_id, ids["users"][reviewer]).get(item_id)
        services.record_mark(session, Actor(ids["users"][reviewer], reviewer), assessment_id=aid, town_id=town_id,
                             item_id=item_id, reviewer_id=ids["users"][reviewer],
                             inputs=good_inputs(rubric, item_id, 60 + n), expected_version=mark.version if mark else 0)
    save(session, ids, allows_na.id, {"not_applicable": True, "comment": "本年度无此类事项"})
    same_table(counting_table(session, aid), counting_marks(session, aid).table)
    flags = ranking_sensitivity(session, aid)
    assert flags == fresh_sensitivity(session, aid)

    ranking_sensitivity(session, aid)
    d = disagreement_queue(session, aid)[0]
    session.rollback()
    operations.resolve_disagreement(session, Actor(ids["users"]["admin"], "admin"), assessment_id=aid,
                                    town_id=d.town_id, item_id=d.item_id, reason="采用", reviewer_id=d.marks[0].reviewer_id)
    same_table(counting_table(session, aid), counting_marks(session, aid).table)
    flags = ranking_sensitivity(session, aid)
    assert flags == fresh_sensitivity(session, aid)


def test_the_outcome_brought_up_to_date_after_a_resolution_equals_a_fresh_computation(session, ids):
    """A resolution changes its own town × item only: the outcome catches up with that town."""
    from scoring.resolutions import apply_resolutions
    from scoring.services.disagreements import disagreement_queue
    from scoring.store.resolutions import resolved_marks

    aid = ids["scoring"]
    for d in disagreement_queue(session, aid)[:2]:
        session.rollback()
        services.assessment_outcome(session, aid)  # a page computed it before the resolution
        operations.resolve_disagreement(session, Actor(ids["users"]["admin"], "admin"), assessment_id=aid,
                                        town_id=d.town_id, item_id=d.item_id, reason="裁定",
                                        reviewer_id=d.marks[-1].reviewer_id)
        rubric = queries.assessment_rubric(session, aid)
        towns = list(queries.assessment_towns(session, aid).values())
        table = apply_resolutions(counting_marks(session, aid).table, resolved_marks(session, aid))
        caught_up = services.assessment_outcome(session, aid)[1]
        same_outcome(caught_up, compute_outcome(rubric, table, towns))
        row = caught_up.item_scores[(caught_up.item_scores["town"] == d.town) & (caught_up.item_scores["item"] == d.item_id)]
        assert not row["disagreement"].iloc[0]
