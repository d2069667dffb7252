"""Marks tables and exported rankings: encodings, formulas, duplicate rows, formula injection."""

from __future__ import annotations

import codecs
import csv

import openpyxl
import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.errors import MarksFileError
from scoring.marks import Mark
from scoring.marks_io import read_marks, write_marks
from scoring.ranking_io import write_ranking
from scoring.tablefiles import read_table
from tests.conftest import DATA
from tests.scoring.helpers import outcome_of, town_marks

MARKS = DATA / "marks" / "minimal.csv"
RUBRIC = DATA / "rubrics" / "minimal.yaml"
CSV_TEXT = MARKS.read_text(encoding="utf-8")
INJECTION = "=HYPERLINK(\"http://x.example\",\"点我\")"


def same(a, b) -> bool:
    return a.marks.equals(b.marks) and a.deductions.equals(b.deductions) and a.claims.equals(b.claims)


def refused(path, rubric) -> list[tuple[str, int, str, str]]:
    with pytest.raises(MarksFileError) as caught:
        read_marks(path, rubric)
    return [(p.sheet, p.row, p.column, str(p.message)) for p in caught.value.problems]


def xlsx_of(path, rows: list[list[object]]):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "评分"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_marks_csv_in_other_encodings_read_like_utf8(tmp_path, minimal_rubric, encoding):
    path = tmp_path / "评分.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    assert same(read_marks(path, minimal_rubric), read_marks(MARKS, minimal_rubric))
    result = CliRunner().invoke(main, ["results", "--rubric", str(RUBRIC), "--marks", str(path)])
    assert result.exit_code == 0, result.output


def test_undecodable_marks_csv_is_refused_naming_the_line(tmp_path, minimal_rubric):
    path = tmp_path / "bad.csv"
    path.write_bytes(CSV_TEXT.encode("utf-8").replace("西岭镇".encode(), b"\x80\xff", 1))
    [(sheet, row, _column, message)] = refused(path, minimal_rubric)
    assert (sheet, row) == ("bad.csv", 8) and "既不是 UTF-8 也不是 GB18030" in message
    result = CliRunner().invoke(main, ["results", "--rubric", str(RUBRIC), "--marks", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "bad.csv → 第 8 行: 文件既不是 UTF-8" in result.output


def test_a_utf16_csv_without_a_bom_is_refused_not_misread(tmp_path, minimal_rubric):
    path = tmp_path / "utf16.csv"
    path.write_bytes(CSV_TEXT.encode("utf-16-le"))
    [(_, _, _, message)] = refused(path, minimal_rubric)
    assert message.startswith("不允许的控制字符 U+0000") or "既不是" in message


def test_a_formula_cell_is_refused_naming_sheet_row_and_column(tmp_path, minimal_rubric):
    rows = list(csv.reader(CSV_TEXT.splitlines()))
    rows[5][7] = "=1-0.5"  # B3's points, a formula openpyxl saves without a cached value
    path = xlsx_of(tmp_path / "评分.xlsx", rows)
    assert refused(path, minimal_rubric) == [("评分", 6, "points", "单元格含公式，请另存为数值后再导入")]


def test_xlsx_numbers_and_blank_rows_read_as_typed(tmp_path, minimal_rubric):
    rows: list[list[object]] = [list(r) for r in csv.reader(CSV_TEXT.splitlines())]
    rows[5][7] = 0.5  # a number cell, not text
    rows[3][6] = 0.9
    rows.insert(4, [None] * 12)  # a blank row is skipped, later rows keep their numbers
    table = read_marks(xlsx_of(tmp_path / "评分.xlsx", rows), minimal_rubric)
    assert same(table, read_marks(MARKS, minimal_rubric))


def test_two_rows_of_one_reviewer_for_one_town_and_item_are_refused_naming_both(tmp_path, minimal_rubric):
    path = tmp_path / "dup.csv"
    path.write_text(CSV_TEXT + "东港镇,A2,r1,,好,,,,,,,\n", encoding="utf-8")
    [(sheet, row, _column, message)] = refused(path, minimal_rubric)
    assert (sheet, row) == ("dup.csv", 14)
    assert message == "与 dup.csv 第 3 行重复：同一评分人对同一单位的同一项目只能有一行"
    other_reviewer = tmp_path / "ok.csv"
    other_reviewer.write_text(CSV_TEXT + "东港镇,A2,r2,,好,,,,,,,\n", encoding="utf-8")
    assert len(read_marks(other_reviewer, minimal_rubric).marks) == 13


def test_files_that_are_not_tables_are_refused_without_a_traceback(tmp_path, minimal_rubric):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip file")
    assert refused(fake, minimal_rubric) == [("fake.xlsx", 0, "-", "不是有效的 XLSX 文件")]
    other = tmp_path / "marks.txt"
    other.write_text(CSV_TEXT, encoding="utf-8")
    assert refused(other, minimal_rubric) == [("marks.txt", 0, "-", "请使用 .csv 或 .xlsx 文件")]


def test_unknown_and_repeated_columns_are_named(tmp_path, minimal_rubric):
    path = tmp_path / "cols.csv"
    path.write_text("单位,项目,评分人,评分人,weight\n东港镇,A1,r1,r1,1\n", encoding="utf-8")
    problems = refused(path, minimal_rubric)
    assert ("cols.csv", 1, "weight", "未知的列名“weight”") in problems
    assert ("cols.csv", 1, "评分人", "列 reviewer 出现了不止一次") in problems


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exported_marks_hold_no_formula_and_read_back_unchanged(tmp_path, minimal_rubric, suffix):
    marks = [m if m.item != "B3" else Mark(**{**m.model_dump(), "comment": INJECTION})
             for m in town_marks("东港镇")]
    marks.append(Mark(town="西岭镇", item="B3", reviewer="r1", points="1", comment="-1 分 @张三"))
    path = write_marks(marks, tmp_path / f"marks{suffix}")
    if suffix == ".xlsx":
        cells = [c for row in openpyxl.load_workbook(path).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert f"'{INJECTION}" in [c.value for c in cells]
    else:
        cells = [c for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()) for c in row]
        assert f"'{INJECTION}" in cells and "'-1 分 @张三" in cells
    assert len(read_marks(path, minimal_rubric).marks) == len(marks)
    [sheet], problems = read_table(path)  # what the importer reads: the text as typed
    assert not problems
    assert {INJECTION, "-1 分 @张三"} <= {cells[-1] for _, cells in sheet.rows}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_exported_ranking_holds_no_formula(tmp_path, minimal_rubric, suffix):
    town = "=cmd|' /C calc'!A0"
    outcome = outcome_of(minimal_rubric, town_marks(town))
    path = write_ranking(minimal_rubric, outcome, tmp_path / f"ranking{suffix}")
    if suffix == ".xlsx":
        cells = [c for row in openpyxl.load_workbook(path).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert "'" + town in [c.value for c in cells]
    else:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        assert rows[1][1] == "'" + town


def test_a_utf16_le_marks_file_with_a_bom_is_read(tmp_path, minimal_rubric):
    path = tmp_path / "u16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + CSV_TEXT.encode("utf-16-le"))
    assert len(read_marks(path, minimal_rubric).marks) == 12
