"""The district ranking as a reader gets it: every town in order, its header on every page,
numbers under their headers, page numbers that count across a ranking rendered in parts."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar
from sqlalchemy.orm import Session

from scoring import services
from scoring.points import format_points
from scoring.report import parallel
from scoring.report.ranking import BandLine, RankingReport, RankingRow
from scoring.report.render import plan_ranking_parts, ranking_layout, render_ranking_html
from scoring.report.worker import render_document
from scoring.services import documents as batch
from scoring.settings import Settings
from tests import pdfcheck

pytestmark = pytest.mark.slow


def page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [pdfcheck.squash(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


def long_ranking(rows: int, incomplete: int) -> RankingReport:
    titles = ("组织领导与责任落实", "学法用法与法治宣传", "依法决策与制度建设", "政务公开与权力运行",
              "行政执法规范化", "监督问责与矛盾化解", "年度报告与问题整改")
    ranked = tuple(RankingRow(rank=i, town=f"测试镇{i:04d}", total=format_points(10000 - i), grade="良好",
                              categories=tuple(format_points(1000 + i + k) for k in range(7)), bonus="0",
                              vetoes="", note="优秀名额已满（限90个）" if i % 9 == 0 else "") for i in range(1, rows + 1))
    apart = tuple(RankingRow(rank=None, town=f"未完镇{i:03d}", total="30", grade="—", categories=("1",) * 7,
                             bonus="0", vetoes="", note="未完成评分：缺 3 项") for i in range(incomplete))
    bands = (BandLine("优秀", "90", "不超过30%（最多90个）", 90), BandLine("良好", "80", "", rows - 90))
    return RankingReport(district="测试区", assessment="2025年度法治政府建设考核", year=2025, released="2026年1月5日",
                         category_titles=titles, bands=(), rows=ranked, incomplete=apart, band_lines=bands)


def test_long_ranking_repeats_its_header_and_counts_pages_across_parts(demo_settings: Settings) -> None:
    report = long_ranking(300, 20)
    assert len(plan_ranking_parts(report)) > 1  # rendered in parts, by the workers

    document = batch.render_ranking(demo_settings, report, workers=2)

    pdf = document.path.read_bytes()
    pages = page_texts(pdf)
    assert document.parts > 1 and len(pages) == document.pages
    for number, page in enumerate(pages, 1):
        assert f"第{number}页/共{len(pages)}页" in page
        if "测试镇" in page:
            assert page.index("名次") < page.index("测试镇") and "总分等次备注" in page  # the header, on top
    text = "".join(pages)
    towns = re.findall(r"测试镇\d{4}", text)
    assert towns == [f"测试镇{i:04d}" for i in range(1, 301)]  # every town once, in rank order
    assert re.findall(r"未完镇\d{3}", text) == [f"未完镇{i:03d}" for i in range(20)]
    page_of = {name: n for n, page in enumerate(pages) for name in re.findall(r"测试镇\d{4}|未完镇\d{3}", page)}
    heading = next(n for n, page in enumerate(pages) if "未完成评分的单位（不参加排名）" in page)
    assert page_of["测试镇0300"] <= heading <= page_of["未完镇000"]  # listed apart, after the ranked towns
    assert all("测试区2025年度法治政府建设考核" in page for page in pages[1:])  # running header on every page
    per_page = [len(re.findall(r"测试镇\d{4}", p)) for p in pages]
    assert max(per_page) == ranking_layout(report).rows_per_page  # the capacity parts are planned with


def test_part_numbering_is_corrected_when_a_page_count_was_misjudged(demo_settings: Settings,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    report = long_ranking(260, 0)
    planned = plan_ranking_parts(report)
    # Expect one page too many of the first part: every later part is numbered wrong at first.
    wrong = (dataclasses.replace(planned[0], pages=planned[0].pages + 1), *planned[1:])
    monkeypatch.setattr(parallel, "plan_ranking_parts", lambda _: wrong)

    document = batch.render_ranking(demo_settings, report, workers=2)

    pages = page_texts(document.path.read_bytes())
    assert document.pages == sum(p.pages for p in planned) == len(pages)
    assert [f"第{n}页/共{len(pages)}页" in page for n, page in enumerate(pages, 1)] == [True] * len(pages)
    assert re.findall(r"测试镇\d{4}", "".join(pages)) == [f"测试镇{i:04d}" for i in range(1, 261)]


def test_every_field_of_a_row_stands_under_its_header(demo_settings: Settings, demo_session: Session) -> None:
    # Rows are one line of text with fields placed by spaces and tabs (scoring.report.lines);
    # a town too long for its column, or with characters of unknown width, gets its own cell.
    report = services.district_ranking(demo_session, 1)
    demo_session.rollback()
    long_name, latin = "特别长的名字用来测试单位栏换行的街道办事处", "Harbour-Town港区"
    rows = (report.rows[0], dataclasses.replace(report.rows[1], town=long_name),
            dataclasses.replace(report.rows[2], town=latin), *report.rows[3:])
    report = dataclasses.replace(report, rows=rows)
    pdf = render_document(render_ranking_html(report))

    page = next(extract_pages(io.BytesIO(pdf)))
    lines = _words_by_line(page)
    header_y = next(y for y, words in lines.items() if words and words[0][0] == "名次")
    header = [x for _, x in lines[header_y]]
    assert len(header) == len(report.category_titles) + 6  # rank, town, categories, bonus, total, grade, note
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert long_name in text and latin in text  # wrapped or whole, never cut
    checked = 0
    for row in report.rows:
        y = next((y for y, words in lines.items() if words and words[0][0] == str(row.rank)
                  and y < header_y), None)
        if y is None:
            continue  # on a later page
        fields = [str(row.rank), row.town, *row.categories, row.bonus, row.total, row.grade]
        words = lines[y][:len(fields)]
        for column, ((word, x), field) in enumerate(zip(words, fields, strict=True)):
            assert word == field or (column == 1 and field.startswith(word)), (row.town, column, word)
            assert abs(x - header[column]) < 0.5, (row.town, field)  # pt: under its header's first glyph
            checked += 1
    assert checked >= 5 * (len(report.category_titles) + 4)


def _words_by_line(page) -> dict[int, list[tuple[str, float]]]:
    """The words of each printed line (by baseline): runs of glyphs between spaces or gaps."""
    chars = sorted(_chars(page), key=lambda c: (-round(c.y0), c.x0))
    lines: dict[int, list[tuple[str, float]]] = {}
    previous = None
    for char in chars:
        words = lines.setdefault(round(char.y0), [])
        blank = char.get_text().isspace() or char.get_text() == "\u3000"
        if not blank and (previous is None or previous[0] != round(char.y0) or char.x0 - previous[1] > 2):
            words.append((char.get_text(), char.x0))
        elif not blank:
            words[-1] = (words[-1][0] + char.get_text(), words[-1][1])
        previous = None if blank else (round(char.y0), char.x1)
    return lines


def _chars(layout):
    for obj in getattr(layout, "_objs", []) or []:
        if isinstance(obj, LTChar):
            yield obj
        else:
            yield from _chars(obj)
