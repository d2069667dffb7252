"""Cutting text into passages: normalisation, headings, long paragraphs, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.evidence import extract_passages, normalize_text, split_passages
from scoring.evidence.passages import MAX_PASSAGE_CHARS, heading_level, split_long


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("\u3000\u3000一、组织领导\u3000 ", "一、组织领导"),  # full-width indent
        ("镇长\xa0\xa0任组长\t\t副镇长", "镇长 任组长 副镇长"),
        ("第一段\r\n\r\n\r\n\r\n第二段\r第三段", "第一段\n\n第二段\n第三段"),
        ("\ufeff零\u200b宽", "零宽"),
        ("页一\x0c页二\u2028行", "页一\n页二\n行"),
        ("a\x00b\x07c", "abc"),
    ],
)
def test_normalize_text_unifies_whitespace_only(raw: str, normal: str) -> None:
    assert normalize_text(raw) == normal


def test_normalize_text_keeps_full_width_punctuation_and_digits() -> None:
    text = "共计１２０００余份，“六五”普法（试行）。"
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、加强组织领导，提升依法行政能力", 1),
        ("十二、其他需要报告的情况", 1),
        ("第二部分 存在的不足和原因", 1),
        ("（一）完善法律顾问制度", 2),
        ("(三)强化行政执法监督", 2),
        ("1、会前学法", 2),
        ("（一）依法全面履行职责。", 2),
        ("（一）依法全面履行职责。我镇切实依法履行相关规定。", 0),  # a heading run into its body
        ("一是领导干部学法次数偏少", 0),
        ("1.5万份宣传资料", 0),
        ("一、" + "很长的标题" * 20, 0),
    ],
)
def test_heading_levels(line: str, level: int) -> None:
    assert heading_level(line) == level


def test_split_long_keeps_closing_quotes_with_their_sentence() -> None:
    text = "他说：“依法办事。”" * 50
    pieces = split_long(text, limit=100)
    assert "".join(pieces) == text
    assert all(piece.endswith("。”") and len(piece) <= 100 for piece in pieces)


def test_split_long_cuts_an_overlong_sentence_at_commas_then_hard() -> None:
    clauses = "，".join(["加强执法人员培训"] * 80) + "。"
    pieces = split_long(clauses, limit=100)
    assert "".join(pieces) == clauses
    assert all(len(piece) <= 100 for piece in pieces)
    no_punctuation = "法" * 1000
    assert split_long(no_punctuation, limit=400) == ["法" * 400, "法" * 400, "法" * 200]


def test_boilerplate_lines_are_dropped() -> None:
    passages = split_passages("一、总体情况\n\n•\n————\n***\n正文。")
    assert [p.text for p in passages] == ["一、总体情况", "正文。"]


def test_sections_follow_the_last_top_level_heading() -> None:
    passages = split_passages("前言。\n一、举措\n（一）学法\n学法6次。\n二、不足\n人手少。")
    assert [p.section for p in passages] == [
        None,
        "一、举措",
        "一、举措",
        "一、举措",
        "二、不足",
        "二、不足",
    ]


text_with_structure = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.text(alphabet="法治政府建设。！？；，、 \u3000\xa0\t\n\r“”（）一二", max_size=600),
        st.sampled_from(["一、组织领导", "（二）学法", "\n\n", "\u3000\u3000", "— 3 —", "。" * 5]),
    ),
    max_size=12,
).map("".join)


@given(text_with_structure)
def test_every_passage_is_a_verbatim_slice_of_the_normalized_text(text: str) -> None:
    normal = normalize_text(text)
    passages = split_passages(text, "f.txt")
    for passage in passages:
        assert passage.text in normal
        assert passage.text == passage.text.strip()
        assert 0 < len(passage.text) <= MAX_PASSAGE_CHARS
    ids = [p.passage_id for p in passages]
    assert len(ids) == len(set(ids))
    assert [p.seq for p in passages] == list(range(len(passages)))


@given(st.text())
def test_any_text_gives_unique_ids_and_slices(text: str) -> None:
    normal = normalize_text(text)
    passages = split_passages(text)
    assert all(p.text in normal for p in passages)
    assert len({p.passage_id for p in passages}) == len(passages)


@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(text_with_structure)
def test_utf8_file_extraction_equals_splitting_its_text(text: str) -> None:
    from_file = extract_passages(text.encode("utf-8"), "txt", "f.txt")
    assert from_file == split_passages(text, "f.txt")
