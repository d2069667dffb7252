"""Towns that are not ranked show no total anywhere; a town is never ranked on nothing."""

from __future__ import annotations

import csv

import openpyxl

from scoring.ranking_io import ranking_table, write_ranking
from scoring.report.ranking import build_ranking
from scoring.report.scorecard import MarkContext, build_scorecard
from tests.scoring.helpers import outcome_of, town_marks

NOTE = "未完成，缺 1 项"


def everything_may_not_apply(rubric):
    def item(i):
        return i.model_copy(update={"not_applicable": "full_marks"})

    categories = [c.model_copy(update={
        "items": [item(i) for i in c.items],
        "groups": [g.model_copy(update={"items": [item(i) for i in g.items]}) for g in c.groups]})
        for c in rubric.categories]
    return rubric.model_copy(update={"categories": categories})


def with_one_incomplete(minimal_rubric):
    marks = town_marks("甲镇") + [m for m in town_marks("乙镇") if m.item != "A2"]  # 乙 lacks a 4.5-point item
    return outcome_of(minimal_rubric, marks)


def card(rubric, outcome, town):
    return build_scorecard(rubric=rubric, outcome=outcome, town=town, marks=[], district="区", assessment="考核",
                           year=2025, released="", context=MarkContext(departments={}, passages={}))


def test_the_results_table_shows_the_note_instead_of_a_partial_total(minimal_rubric):
    table = ranking_table(minimal_rubric, with_one_incomplete(minimal_rubric)).set_index("单位")
    assert table.loc["乙镇", "总分"] == NOTE  # not the 5.5 of the items scored so far
    assert table.loc["乙镇", "名次"] is None and table.loc["乙镇", "等次"] == "—"
    assert table.loc["乙镇", "A 组织领导"] == "—"
    assert table.loc["甲镇", "名次"] == 1


def test_csv_and_xlsx_carry_no_partial_total(minimal_rubric, tmp_path):
    outcome = with_one_incomplete(minimal_rubric)
    text = write_ranking(minimal_rubric, outcome, tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[2][:4] == ["—", "乙镇", NOTE, "—"] and "5.5" not in rows[2] and "1.5" not in rows[2]
    sheet = openpyxl.load_workbook(write_ranking(minimal_rubric, outcome, tmp_path / "r.xlsx")).active
    assert list(sheet.iter_rows(values_only=True))[2][:4] == ("—", "乙镇", NOTE, "—")


def test_the_ranking_document_and_scorecard_show_the_note(minimal_rubric):
    outcome = with_one_incomplete(minimal_rubric)
    report = build_ranking(rubric=minimal_rubric, outcome=outcome, district="区", assessment="考核", year=2025,
                           released="")
    assert [(r.town, r.total, r.note) for r in report.incomplete] == [("乙镇", NOTE, NOTE)]
    yi = card(minimal_rubric, outcome, "乙镇")
    assert (yi.ranked, yi.total, yi.rank, yi.grade, yi.status_note) == (False, NOTE, None, "—", NOTE)
    assert [c.points for c in yi.categories] == ["—", "4"]  # category A has the unscored item


def test_with_no_town_complete_the_district_figures_are_those_of_fully_scored_categories_never_zero(minimal_rubric):
    outcome = outcome_of(minimal_rubric, [m for m in town_marks("乙镇") if m.item != "A2"])
    a, b = card(minimal_rubric, outcome, "乙镇").categories
    assert (a.district_average, a.district_best, a.district_average_share) == ("—", "—", None)  # A2 unscored
    assert (b.district_average, b.district_best, b.district_average_share) == ("4", "4", 1.0)  # B is all scored


def test_an_incomplete_towns_card_shows_the_district_figures_of_the_towns_done(minimal_rubric):
    # 甲 complete (A 6, B 3.5); 乙 lacks A2: A over 甲 only, B over both (3.5 and 4).
    marks = town_marks("甲镇", B3={"points": "0.5", "comment": "x"}) + [m for m in town_marks("乙镇") if m.item != "A2"]
    a, b = card(minimal_rubric, outcome_of(minimal_rubric, marks), "乙镇").categories
    assert (a.points, a.district_average, a.district_best) == ("—", "6", "6")
    assert (b.points, b.district_average, b.district_best) == ("4", "3.75", "4")


def test_the_district_average_rounds_half_up(minimal_rubric):
    # category B: 3 and 3.01 -> 3.005 -> 3.01 (Python's round() gives 3.00)
    marks = town_marks("甲镇", B3={"points": "0", "comment": "x"}) + town_marks("乙镇", B3={"points": "0.01",
                                                                                          "comment": "x"})
    b = card(minimal_rubric, outcome_of(minimal_rubric, marks), "甲镇").categories[1]
    assert (b.district_average, b.district_best) == ("3.01", "3.01")


def test_a_town_none_of_whose_items_applies_is_not_ranked(minimal_rubric):
    rubric = everything_may_not_apply(minimal_rubric)
    nothing = [m.model_copy(update={"not_applicable": True, "comment": "无此项工作", "level": None, "met": None,
                                    "ratio": None, "points": None}) for m in town_marks("空镇")]
    outcome = outcome_of(rubric, nothing + town_marks("甲镇", B3={"points": "0.5", "comment": "x"}))
    empty = outcome.town("空镇")
    assert (empty["status"], empty["rank"], empty["grade"]) == ("not_rankable", None, None)
    assert str(empty["grade_note"]) == "无适用的考核项目，不参与排名"
    assert outcome.town("甲镇")["rank"] == 1 and outcome.places == {"优秀": 0}  # one ranked town, not two
    assert card(rubric, outcome, "空镇").total == "无适用的考核项目，不参与排名"


def test_rank_of_an_unranked_town_is_none_not_a_pandas_missing_value(minimal_rubric):
    outcome = with_one_incomplete(minimal_rubric)
    assert outcome.town("乙镇")["rank"] is None and type(outcome.town("甲镇")["rank"]) is int
