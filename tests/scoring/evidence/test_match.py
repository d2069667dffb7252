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
