"""Extraction that follows the document: page breaks, section paths, boilerplate, OCR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from scoring.evidence import extract, ocr, pdf_text, poppler
from scoring.evidence.extract import extract_document
from scoring.evidence.passages import split_passages
from scoring.evidence.structure import heading_rank, is_boilerplate

from .builders import make_pdf, wrap_cjk

LONG = ("镇政府聘请法律顾问一名，全年出具法律意见书十二份，审查合同二十份，参与信访接待和行政应诉，"
        "建立法律顾问工作台账，按季度评价其履职情况，确保法律顾问在重大决策中发挥作用。")
OTHER = "全年组织领导班子集体学法四次，学法有计划、有记录、有签到。"
FONT = Path(__file__).resolve().parents[3] / "scoring/report/static/fonts/NotoSansSC-Regular.ttf"


def _pages_with_break(header: str = "新城镇人民政府") -> list[list]:
    lines = wrap_cjk(LONG)
    return [
        [header, "一、主要举措", *wrap_cjk(OTHER), *lines[:2], "", "— 1 —"],
        [header, *lines[2:], "（一）工作台账", *wrap_cjk(OTHER), "", "— 2 —"],
        [header, *wrap_cjk("执法人员数量不足。"), "", "— 3 —"],
    ]


def test_a_paragraph_cut_by_a_page_break_is_joined_and_keeps_both_pages() -> None:
    passages = extract_document(make_pdf(_pages_with_break()), "pdf", "r.pdf").passages
    joined = [p for p in passages if "法律顾问一名" in p.text]
    assert [p.text for p in joined] == [LONG]
    assert (joined[0].page, joined[0].page_end, joined[0].location) == (1, 2, "第1–2页第3段")


def test_running_headers_and_page_numbers_are_not_passages() -> None:
    texts = [p.text for p in extract_document(make_pdf(_pages_with_break()), "pdf", "r.pdf").passages]
    assert "新城镇人民政府" not in texts
    assert not [t for t in texts if "—" in t]


def test_a_paragraph_ended_on_one_page_is_not_joined_to_the_next_indented_one() -> None:
    pages = [["一、主要举措", *wrap_cjk(OTHER)], [*wrap_cjk("执法人员数量不足。")]]
    passages = extract_document(make_pdf(pages), "pdf", "r.pdf").passages
    assert [(p.text, p.page, p.page_end) for p in passages[1:]] == [(OTHER, 1, None), ("执法人员数量不足。", 2, None)]


def test_every_passage_carries_its_whole_section_path_and_headings_are_marked() -> None:
    text = "第一章 总体情况\n一、组织领导\n（一）领导小组\n1. 人员调整\n镇长任组长。\n（二）经费\n经费列入预算。\n二、问题\n人员不足。"
    by_text = {p.text: p for p in split_passages(text)}
    assert by_text["镇长任组长。"].section_path == ("第一章 总体情况", "一、组织领导", "（一）领导小组", "1. 人员调整")
    assert by_text["经费列入预算。"].section_path == ("第一章 总体情况", "一、组织领导", "（二）经费")
    assert by_text["人员不足。"].section_path == ("第一章 总体情况", "二、问题")
    assert by_text["（二）经费"].is_heading and by_text["（二）经费"].section_path == ("第一章 总体情况", "一、组织领导")
    assert not by_text["人员不足。"].is_heading


@pytest.mark.parametrize("line", ["发布时间：2016-03-31", "来源: 新城镇", "字号:", "当前位置:新城镇> 政务公开",
                                  "• 扫一扫在手机打开当前页", "专此报告。", "特此报告", "2016年3月31日",
                                  "二〇一六年三月三十一日", "重点链接", "浏览次数：120"])
def test_web_chrome_dates_and_closing_formulae_are_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", ["来源于群众的意见建议全部办结。", "2016年3月31日召开专题会议研究法治建设。",
                                  "发布了权责清单。", "门户网站开设法治专栏，全年更新信息二百余条，群众可在线留言。"])
def test_body_text_that_looks_like_chrome_is_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_boilerplate_never_becomes_a_passage() -> None:
    texts = [p.text for p in split_passages("当前位置:首页\n发布时间: 2024-01-02\n镇长任组长。\n专此报告。")]
    assert texts == ["镇长任组长。"]


@pytest.mark.parametrize(("line", "rank"), [("第一章 总则", 1), ("第二节 学法", 2), ("三、问题", 3),
                                            ("（四）整改", 4), ("5. 台账", 5), ("（6）附件", 6), ("一是学法", 0)])
def test_heading_ranks_follow_the_numbering_order(line: str, rank: int) -> None:
    assert heading_rank(line) == rank


def _render(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(text.split("\n")):
        draw.text((40, 40 + number * 70), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.skipif(not ocr.ocr_ready(), reason="tesseract-ocr with chi_sim is not installed")
def test_a_photo_of_a_report_is_read_by_ocr() -> None:
    result = extract_document(_render("镇政府聘请法律顾问一名\n全年出具法律意见书十二份"), "png", "照片.png")
    assert result.state == "ocr"
    text = "".join(p.text for p in result.passages)
    assert "法律顾问" in text and "法律意见书" in text


@pytest.mark.skipif(not ocr.pdf_ocr_ready(), reason="tesseract-ocr or pdftoppm is not installed")
def test_a_scanned_pdf_page_is_read_by_ocr_with_its_page_number() -> None:
    from PIL import Image

    scan = Image.open(io.BytesIO(_render("第二页的扫描件\n行政执法人员持证上岗")))
    out = io.BytesIO()
    scan.convert("RGB").save(out, "PDF", resolution=200.0)  # a scanner's resolution
    text_page = make_pdf([["一、主要举措", *wrap_cjk(OTHER)]])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(text_page)).pages[0])
    writer.add_page(PdfReader(out).pages[0])
    merged = io.BytesIO()
    writer.write(merged)
    result = extract_document(merged.getvalue(), "pdf", "扫描.pdf")
    assert result.state == "ocr"
    scanned = [p for p in result.passages if "行政执法人员" in p.text]
    assert scanned and scanned[0].page == 2
    assert result.passages[1].text == OTHER and result.passages[1].page == 1


def test_without_ocr_a_photo_says_it_has_no_text_layer(monkeypatch) -> None:
    monkeypatch.setattr(extract, "ocr_ready", lambda: False)
    monkeypatch.setattr(extract, "ocr_image", lambda data: [])
    result = extract_document(_render("法律顾问"), "png", "照片.png")
    assert (result.passages, result.state) == ([], "no_text_layer")
    assert "没有文字层" in str(result.message)


def test_without_ocr_a_scanned_pdf_says_it_has_no_text_layer(monkeypatch) -> None:
    monkeypatch.setattr(extract, "pdf_ocr_ready", lambda: False)
    monkeypatch.setattr(ocr, "pdf_ocr_ready", lambda: False)
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 200), (255, 255, 255)).save(out, "PDF")
    result = extract_document(out.getvalue(), "pdf", "扫描.pdf")
    assert (result.passages, result.state) == ([], "no_text_layer")


def test_a_text_file_reports_its_text_state() -> None:
    assert extract_document("镇长任组长。".encode(), "txt", "a.txt").state == "text"
    assert pdf_text.MAX_PDF_PAGES >= 200


@pytest.mark.skipif(poppler.pdftotext() is None, reason="poppler-utils is not installed")
def test_poppler_and_the_pdfminer_fallback_read_a_pdf_alike(monkeypatch) -> None:
    data = make_pdf(_pages_with_break())
    fast = [(p.passage_id, p.text, p.page, p.page_end) for p in extract_document(data, "pdf", "r.pdf").passages]
    monkeypatch.setattr(poppler, "pdftotext", lambda: None)
    slow = [(p.passage_id, p.text, p.page, p.page_end) for p in extract_document(data, "pdf", "r.pdf").passages]
    assert fast == slow and len(fast) == 6


def test_a_typeset_chinese_report_comes_back_paragraph_by_paragraph_across_pages() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    texts = [LONG, OTHER, "执法人员数量不足，执法装备有待加强，案卷归档还不够及时规范。"]
    paragraphs = [f"{mark}项：{texts[n % 3]}" for n, mark in enumerate("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥")]
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    css = (f"@font-face {{ font-family: R; src: url('{FONT.as_uri()}') }} @page {{ size: A6; margin: 1cm }} "
           "body { font-family: R; font-size: 10pt } p { text-indent: 2em; margin: 0 }")
    data = weasyprint.HTML(string=f"<style>{css}</style>{body}").write_pdf()
    passages = extract_document(data, "pdf", "r.pdf").passages
    assert [p.text for p in passages] == paragraphs
    assert any(p.page_end for p in passages) and passages[-1].page == 3
