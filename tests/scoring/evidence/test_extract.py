"""Passages a reviewer can cite, from every kind of evidence file."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.evidence import EvidenceRejected, detect_type, extract_passages
from scoring.evidence.passages import MAX_PASSAGE_CHARS, Block, build_passages
from tests.scoring.evidence.builders import (
    docx_bytes,
    make_docx,
    make_jpeg,
    make_pdf,
    make_png,
    make_xlsx,
    wrap_cjk,
)

ROOT = Path(__file__).resolve().parents[3]
REAL_REPORT = ROOT / "scoring" / "demo" / "evidence" / "新城镇" / "2015年新城镇依法行政工作报告.txt"
REAL_HEADINGS = [
    "一、加强组织领导,提升依法行政能力",
    "二、强化法制教育,提升依法行政意识",
    "三、完善制度体系,加快法治政府建设",
    "四、规范执法行为,坚持公正文明执法",
    "五、工作中存在的问题",
    "六、下一步的工作计划",
]


@pytest.fixture(scope="module")
def real_passages():
    data = REAL_REPORT.read_bytes()
    return extract_passages(data, detect_type(data, REAL_REPORT.name), REAL_REPORT.name)


def by_text(passages, fragment):
    found = [p for p in passages if fragment in p.text]
    assert len(found) == 1, [p.text for p in found]
    return found[0]


# --- the real 2015 新城镇 report -------------------------------------------------------------


def test_real_report_headings_one_to_six_are_passages_of_their_own(real_passages) -> None:
    top = [p.text for p in real_passages if p.is_heading and p.text[0] in "一二三四五六"]
    assert top == REAL_HEADINGS
    assert [p.section for p in real_passages if p.text in REAL_HEADINGS] == REAL_HEADINGS


def test_real_report_sub_headings_are_passages_too(real_passages) -> None:
    assert (
        by_text(real_passages, "(二)完善法律顾问制度").text
        == "(二)完善法律顾问制度,提高法治建设水平"
    )
    assert by_text(real_passages, "(二)完善法律顾问制度").is_heading


def test_real_report_leaflet_passage_is_found_whole_and_in_its_place(real_passages) -> None:
    leaflets = by_text(real_passages, "12000余份")
    assert leaflets.text.startswith("坚持面向社会全面普法")
    assert leaflets.text.endswith("真正让普法工作落到实处,取得实效。")
    assert leaflets.section == "二、强化法制教育,提升依法行政意识"
    # Ids are what stored citations point at: they must not drift. The page's chrome above the
    # title (当前位置, 发布日期, 字号, 扫一扫) is not counted as paragraphs.
    assert (leaflets.passage_id, leaflets.paragraph, leaflets.location) == ("¶9", 9, "第9段")
    assert leaflets.section_path == ("二、强化法制教育,提升依法行政意识",)
    heading_two = by_text(real_passages, "二、强化法制教育")
    heading_three = by_text(real_passages, "三、完善制度体系")
    assert heading_two.seq < leaflets.seq < heading_three.seq
    assert leaflets.file_name == REAL_REPORT.name
    assert (leaflets.page, leaflets.sheet, leaflets.row) == (None, None, None)


def test_real_report_passages_are_stable_unique_and_short(real_passages) -> None:
    again = extract_passages(REAL_REPORT.read_bytes(), "txt", REAL_REPORT.name)
    assert again == real_passages
    ids = [p.passage_id for p in real_passages]
    assert len(ids) == len(set(ids))
    assert [p.seq for p in real_passages] == list(range(len(real_passages)))
    assert all(0 < len(p.text) <= MAX_PASSAGE_CHARS for p in real_passages)
    assert all(p.text == p.text.strip() and "\xa0" not in p.text for p in real_passages)


def test_long_paragraph_is_split_at_sentence_ends() -> None:
    sentences = [
        f"第{i}项工作已经按照年度计划全部完成并通过验收，相关台账资料齐全。" for i in range(30)
    ]
    passages = extract_passages("".join(sentences).encode(), "txt", "long.txt")
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS and p.text.endswith("。") for p in passages)
    assert "".join(p.text for p in passages) == "".join(sentences)
    assert [p.passage_id for p in passages] == [f"¶{i}" for i in range(1, len(passages) + 1)]


def test_gb18030_text_reads_like_its_utf8_twin() -> None:
    text = "一、组织领导\r\n\r\n镇长任组长，吉祥的“𠮷”字也不丢。\r\n"  # 𠮷 needs GB18030, not GBK
    data = text.encode("gb18030")
    assert detect_type(data, "旧电脑.txt") == "txt"
    passages = extract_passages(data, "txt", "旧电脑.txt")
    assert [p.text for p in passages] == ["一、组织领导", "镇长任组长，吉祥的“𠮷”字也不丢。"]
    assert passages == extract_passages(text.encode("utf-8-sig"), "txt", "旧电脑.txt")


# --- PDF -----------------------------------------------------------------------------------

PARAGRAPH_1 = "我镇严格贯彻落实《政府信息公开条例》，主动做好信息公开工作，在区政府网站公布权力清单和责任清单。"
PARAGRAPH_2 = (
    "镇政府聘请法律顾问一名，全年审查合同三十九件，出具法律意见书十四份，参与信访接待二十二次。"
)


def test_chinese_pdf_gives_paragraphs_per_page_with_wrapped_lines_rejoined() -> None:
    page_1 = ["一、主要举措和成效", *wrap_cjk(PARAGRAPH_1), *wrap_cjk(PARAGRAPH_2), "", "— 1 —"]
    page_2 = ["二、存在的不足和原因", *wrap_cjk("执法人员数量不足。"), "", "第 2 页 共 2 页"]
    passages = extract_passages(make_pdf([page_1, page_2]), "pdf", "报告.pdf")
    assert [(p.passage_id, p.page, p.paragraph, p.text) for p in passages] == [
        ("p1-¶1", 1, 1, "一、主要举措和成效"),
        ("p1-¶2", 1, 2, PARAGRAPH_1),
        ("p1-¶3", 1, 3, PARAGRAPH_2),
        ("p2-¶1", 2, 1, "二、存在的不足和原因"),
        ("p2-¶2", 2, 2, "执法人员数量不足。"),
    ]
    assert passages[2].section == "一、主要举措和成效"
    assert passages[2].location == "第1页第3段"


def test_pdf_made_by_a_real_renderer_keeps_page_numbers() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = (
        "<style>@page { margin: 2cm; @bottom-center { content: counter(page) } }</style>"
        "<h1>Annual report</h1><p>Legal adviser contract signed in March.</p>"
        "<p style='break-before: page'>Study sessions held twelve times.</p>"
        "<p>Leaflets handed out: 12000.</p>"
        "<p style='break-before: page'>Problems found.</p>"
    )
    passages = extract_passages(weasyprint.HTML(string=html).write_pdf(), "pdf", "r.pdf")
    assert [(p.passage_id, p.text) for p in passages] == [
        ("p1-¶1", "Annual report"),
        ("p1-¶2", "Legal adviser contract signed in March."),
        ("p2-¶1", "Study sessions held twelve times."),
        ("p2-¶2", "Leaflets handed out: 12000."),
        ("p3-¶1", "Problems found."),
    ]


def test_password_protected_pdf_is_refused_as_encrypted() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["测试"]]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EvidenceRejected) as caught:
        extract_passages(out.getvalue(), "pdf", "locked.pdf")
    assert caught.value.code == "encrypted"


# --- Word ----------------------------------------------------------------------------------


def test_docx_paragraphs_tables_and_heading_styles_in_reading_order() -> None:
    document = docx.Document()
    document.add_heading("2025年法治政府建设年度报告", level=0)
    document.add_heading("存在的不足和原因", level=1)  # a Word heading without a number
    document.add_paragraph("法律顾问台账如下：")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["日期", "事项", "律师"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["2025-03-12", "合同审查", "张律师"], strict=True):
        cell.text = text
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "全年合计"
    table.cell(2, 2).text = "39件"
    table.cell(1, 1).add_paragraph("（渔港码头）")
    with_break = document.add_paragraph("第一行")
    with_break.add_run().add_break()
    with_break.add_run("第二行")
    passages = extract_passages(docx_bytes(document), "docx", "报告.docx")
    assert [(p.passage_id, p.text, p.is_heading) for p in passages] == [
        ("¶1", "2025年法治政府建设年度报告", True),
        ("¶2", "存在的不足和原因", True),
        ("¶3", "法律顾问台账如下：", False),
        ("¶4", "日期 | 事项 | 律师", False),
        ("¶5", "2025-03-12 | 合同审查 （渔港码头） | 张律师", False),
        ("¶6", "全年合计 | 39件", False),
        ("¶7", "第一行", False),
        ("¶8", "第二行", False),
    ]
    assert {p.section for p in passages[1:]} == {"存在的不足和原因"}


def test_docx_without_text_gives_no_passages() -> None:
    assert extract_passages(make_docx([]), "docx", "empty.docx") == []


# --- Excel ---------------------------------------------------------------------------------


def test_xlsx_rows_become_passages_named_by_sheet_and_row() -> None:
    long_text = "审查意见：" + "合同条款基本合法。" * 60
    data = make_xlsx(
        {
            "法律顾问台账": [
                ["日期", "事项", "律师", "件数"],
                [dt.datetime(2025, 3, 12), "合同审查", None, 3.0],
                (6, ["合计", None, None, 39.5]),
                (8, ["意见", long_text]),
            ],
            "学法记录": [["2025-01-09", "会前学法", "《行政复议法》"]],
        }
    )
    passages = extract_passages(data, "xlsx", "台账.xlsx")
    ids = [p.passage_id for p in passages]
    assert ids[:3] == ["法律顾问台账-r1", "法律顾问台账-r2", "法律顾问台账-r6"]
    assert [p.text for p in passages[:3]] == [
        "日期 | 事项 | 律师 | 件数",
        "2025-03-12 | 合同审查 | 3",
        "合计 | 39.5",
    ]
    assert passages[2].row == 6 and passages[2].paragraph == 3
    assert passages[2].location == "工作表“法律顾问台账”第6行"
    long_parts = [p for p in passages if p.row == 8]
    assert [p.passage_id for p in long_parts][:2] == ["法律顾问台账-r8", "法律顾问台账-r8.2"]
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in long_parts)
    assert passages[-1].passage_id == "学法记录-r1"
    assert passages[-1].sheet == "学法记录" and passages[-1].page is None


def test_xlsx_formula_without_cached_value_reads_empty_and_far_columns_are_ignored() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "S"
    sheet["A1"], sheet["B1"] = "件数", "=1+1"  # never calculated by Excel: no cached value
    sheet["A2"], sheet["XFD2"] = "可见", "第16384列"
    out = io.BytesIO()
    workbook.save(out)
    passages = extract_passages(out.getvalue(), "xlsx", "s.xlsx")
    assert [p.text for p in passages] == ["件数", "可见"]


# --- images, caps, hostile input ---------------------------------------------------------


@pytest.mark.parametrize(("data", "kind"), [(make_png(), "png"), (make_jpeg(), "jpg")])
def test_images_are_kept_as_files_without_passages(data: bytes, kind: str) -> None:
    assert extract_passages(data, kind, f"photo.{kind}") == []


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown evidence kind"):
        extract_passages(b"x", "exe", "x.exe")


def test_text_over_two_million_characters_is_refused() -> None:
    with pytest.raises(EvidenceRejected) as caught:
        extract_passages(("字" * 2_000_001).encode(), "txt", "huge.txt")
    assert caught.value.code == "too_much_text"


def test_passage_count_is_capped() -> None:
    with pytest.raises(EvidenceRejected) as caught:
        build_passages([Block("一\n二\n三\n四")], "f.txt", max_passages=3)
    assert caught.value.code == "too_much_text"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4\nnot really a pdf", "pdf"),
        (make_pdf([["测试"]])[:300], "pdf"),
        (make_docx()[:-200], "docx"),
        (make_xlsx({"S": [["a"]]})[:-100], "xlsx"),
    ],
)
def test_broken_files_are_refused_with_a_reason(data: bytes, kind: str) -> None:
    with pytest.raises(EvidenceRejected) as caught:
        extract_passages(data, kind, f"broken.{kind}")
    assert caught.value.code == "corrupt"
    assert "已损坏" in caught.value.reason


SAMPLES = {
    "pdf": make_pdf([["一、主要举措", *wrap_cjk(PARAGRAPH_1)], ["第二页"]]),
    "docx": make_docx(["一、主要举措", PARAGRAPH_1]),
    "xlsx": make_xlsx({"S": [["日期", "事项"], ["2025-01-01", "合同审查"]]}),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(SAMPLES)),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=4),
)
def test_damaged_files_never_raise_anything_but_evidence_rejected(kind, cut, flips) -> None:
    data = bytearray(SAMPLES[kind][: max(1, int(len(SAMPLES[kind]) * cut))])
    for where, value in flips:
        data[min(int(len(data) * where), len(data) - 1)] = value
    try:
        passages = extract_passages(bytes(data), kind, f"damaged.{kind}")
    except EvidenceRejected as error:
        assert error.reason
    else:
        assert len({p.passage_id for p in passages}) == len(passages)
