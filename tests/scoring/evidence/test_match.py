"""Proposing passages for a rubric item (jieba + BM25)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.evidence import extract_passages, split_passages
from scoring.evidence.match import query_units, rank_passages

REAL_REPORT = (
    Path(__file__).resolve().parents[3]
    / "scoring/demo/evidence/新城镇/2015年新城镇依法行政工作报告.txt"
)


@pytest.fixture(scope="module")
def passages():
    return extract_passages(REAL_REPORT.read_bytes(), "txt", REAL_REPORT.name)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["法律顾问", "法律意见书"], "我镇设有法律服务中心"),
        (["领导干部学法"], "坚持领导干部带头学法"),
        (["宣传资料", "普法"], "坚持面向社会全面普法"),
        (["政府信息公开"], "我镇严格贯彻落实《政府信息公开条例》"),
        (["执法监督平台"], "严把案件审核关"),
    ],
)
def test_the_passage_a_reviewer_would_cite_ranks_first(passages, terms, expected) -> None:
    best, score = rank_passages(terms, passages)[0]
    assert best.text.startswith(expected)
    assert score > 0


def test_ranking_is_capped_sorted_and_leaves_out_non_matches(passages) -> None:
    ranked = rank_passages(["依法行政"], passages, top=3)
    assert len(ranked) == 3
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert rank_passages(["核电站"], passages) == []
    assert rank_passages([], passages) == []
    assert rank_passages(["法律顾问"], []) == []


def test_a_whole_term_outranks_its_scattered_parts() -> None:
    passages = split_passages("镇政府聘请了法律顾问。\n法律宣传进村，顾问团队下乡。")
    best, _ = rank_passages(["法律顾问"], passages)[0]
    assert best.text == "镇政府聘请了法律顾问。"


def test_query_units_are_the_terms_and_their_multi_character_words() -> None:
    units = query_units(["法律顾问聘用合同", " ", "学法"])
    assert units[0] == "法律顾问聘用合同"
    assert {"法律顾问", "合同", "学法"} <= set(units)
    assert all(len(unit) >= 2 for unit in units)


# --- items, the reusable index and the missing-evidence flag ---------------------------------

from types import SimpleNamespace  # noqa: E402

from scoring.evidence.match import (  # noqa: E402
    MISSING_THRESHOLD,
    build_index,
    item_query,
    match_item,
    match_items,
)

ADVISER = SimpleNamespace(id="C2", title="法律顾问制度",
                          criteria="聘请法律顾问或配备公职律师，建立工作规则、台账和履职评价制度。",
                          evidence_required=["法律顾问聘用合同", "法律意见书及法律顾问工作台账"])
REPORTS = SimpleNamespace(id="G1", title="年度报告按时报送并公开",
                          criteria="每年3月1日前向区委报送上一年度报告，4月1日前向社会公开。",
                          evidence_required=["报送文件", "公开网址截图"])


def test_the_criteria_count_in_the_query_not_only_the_title() -> None:
    weights = item_query(ADVISER).weights
    assert "公职律师" in weights and "履职" in weights  # criteria-only words
    assert weights["法律顾问"] > weights["公职律师"]  # in every field, weighs more


def test_one_index_ranks_every_item_and_leaves_headings_out() -> None:
    passages = split_passages("一、法律顾问\n镇政府聘请法律顾问一名，建立法律顾问工作台账。\n全年开展普法活动十二场。")
    index = build_index(passages)
    assert len(index) == 2  # the heading is context, not evidence
    first, second = match_items(index, [ADVISER, ADVISER])
    assert first.ranked[0][0].text.startswith("镇政府聘请法律顾问") and first.ranked == second.ranked
    assert first.ranked[0][0].section_path == ("一、法律顾问",)


def test_an_item_the_evidence_does_not_address_is_flagged_missing() -> None:
    index = build_index(split_passages("镇政府聘请法律顾问一名，出具法律意见书十二份，建立法律顾问工作台账。\n"
                                       "全年开展普法活动十二场。"))
    adviser, reports = match_item(index, ADVISER), match_item(index, REPORTS)
    assert not adviser.missing and adviser.state == "supported"
    assert reports.missing and reports.state == "missing"
    assert reports.coverage < MISSING_THRESHOLD <= adviser.coverage


def test_a_passage_quoting_the_item_scores_full_coverage() -> None:
    quote = f"{ADVISER.title}。{ADVISER.criteria}{'；'.join(ADVISER.evidence_required)}。"
    index = build_index(split_passages(quote + "\n全年开展普法活动十二场。\n执法人员持证上岗。"))
    assert match_item(index, ADVISER).coverage > 0.8


def test_no_passages_means_every_item_is_missing() -> None:
    result = match_item(build_index([]), ADVISER)
    assert (result.ranked, result.missing, result.coverage) == ([], True, 0.0)


# --- calibration: the item's own words, not the field's common ones ---------------------------

from scoring.evidence.match import WEAK_THRESHOLD, rubric_vocabulary  # noqa: E402
from scoring.evidence.query import field_units  # noqa: E402

ORGANS = SimpleNamespace(id="A1", title="法治建设领导机构",
                         criteria="成立法治建设工作领导小组，明确分管领导。", evidence_required=["领导小组文件"])
PLANS = SimpleNamespace(id="A3", title="法治建设纳入年度计划", criteria="制定法治建设工作要点。",
                        evidence_required=["工作要点"])
STUDY = SimpleNamespace(id="A2", title="专题研究法治建设", criteria="党委会专题研究法治建设工作。",
                        evidence_required=["会议纪要"])


def test_words_every_item_shares_do_not_make_an_item_look_supported() -> None:
    vocabulary = rubric_vocabulary([ORGANS, PLANS, STUDY, ADVISER])
    assert vocabulary["法治建设"] == 3 and vocabulary["领导小组"] == 1
    index = build_index(split_passages("全镇法治建设工作扎实推进，法治建设水平不断提高。\n"
                                       "镇政府聘请法律顾问一名，建立法律顾问工作台账。"))
    common_only = match_item(index, ORGANS, vocabulary=vocabulary)
    assert common_only.state == "missing"  # 法治建设 alone says nothing about the leading group
    index = build_index(split_passages("镇成立法治建设工作领导小组，由分管领导任组长。"))
    assert match_item(index, ORGANS, vocabulary=vocabulary).state == "supported"


def test_a_street_wording_counts_like_the_towns() -> None:
    # 街道 have 党工委会议 where 镇 have 党委会: the same evidence for the item.
    index = build_index(split_passages("街道党工委会议专题听取法治建设工作汇报，研究解决重大问题。\n"
                                       "全年开展普法活动十二场。"))
    found = match_item(index, STUDY, vocabulary=rubric_vocabulary([ORGANS, PLANS, STUDY, ADVISER]))
    assert found.ranked[0][0].text.startswith("街道党工委会议") and not found.missing


def test_fragments_of_words_are_not_looked_for() -> None:
    units = field_units("党政主要负责人履行推进法治建设第一责任人职责")
    assert "负责人" in units and "第一责任人" in units
    assert "责人" not in units and "任人" not in units  # cut-off pieces match the wrong words


def test_a_section_heading_is_context_for_the_coverage_of_its_paragraphs() -> None:
    problems = SimpleNamespace(id="G3", title="问题查摆真实具体", criteria="如实查摆存在的问题并分析原因。",
                               evidence_required=["年度报告“存在问题”部分"])
    text = "全年开展普法活动十二场。\n{}\n个别工作人员存在重实体轻程序等问题，凭经验办事。"
    plain = match_item(build_index(split_passages(text.format("另外"))), problems)
    headed = match_item(build_index(split_passages(text.format("三、存在的问题"))), problems)
    assert headed.coverage > plain.coverage


def test_the_weak_state_lies_between_missing_and_supported() -> None:
    assert 0 < MISSING_THRESHOLD < WEAK_THRESHOLD < 1
    index = build_index(split_passages("镇政府聘请法律顾问一名，出具法律意见书十二份，建立法律顾问工作台账。"))
    result = match_item(index, ADVISER)
    assert result.state == "supported" and str(result.label) == "有材料"
