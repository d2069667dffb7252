"""The `scoring` command as an administrator uses it."""

from __future__ import annotations

from click.testing import CliRunner

from scoring.cli import main
from tests.conftest import DATA, ROOT

MINIMAL = str(DATA / "rubrics" / "minimal.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_rubric_check_prints_ok_with_the_totals():
    result = run("rubric", "check", str(ROOT / "rubrics" / "town-rule-of-law-2025.yaml"))
    assert result.exit_code == 0
    assert result.output.startswith("OK ")
    assert "100 points" in result.output and "优秀 ≥ 90 (≤ 30%)" in result.output


def test_rubric_check_lists_every_problem_and_fails(tmp_path):
    broken = tmp_path / "x.yaml"
    broken.write_text((DATA / "rubrics" / "minimal.yaml").read_text(encoding="utf-8")
                      .replace("max_points: 4.5", "max_points: 5.5").replace("quota: 0.3", "quota: 1.3"),
                      encoding="utf-8")
    result = run("rubric", "check", str(broken))
    assert result.exit_code == 1
    assert "x.yaml：2 个问题" in result.output
    assert "x.yaml:17 → 一级指标 A → points: 各考核项目分值合计 7 分，与一级指标分值 6 分不符" in result.output
    assert "等次 优秀 → quota: 名额比例 1.3 应大于 0 且不超过 1" in result.output


def test_results_prints_the_ranking_and_writes_xlsx(tmp_path):
    import openpyxl

    out = tmp_path / "ranking.xlsx"
    result = run("results", "--rubric", MINIMAL, "--marks", str(DATA / "marks" / "minimal.csv"),
                 "--town", "北塘镇", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["名次", "单位", "总分", "等次"]
    assert lines[1].split()[:4] == ["1", "西岭镇", "9", "良好"]  # 9 points but veto V2 caps at 良好
    assert lines[2].split()[:4] == ["2", "东港镇", "8.49", "良好"]
    assert "1 town(s) incomplete" in result.output
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == (1, "西岭镇", 9, "良好")
    assert rows[3][1] == "北塘镇" and rows[3][0] == "—"


def test_results_refuses_a_bad_marks_file_naming_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "marks" / "minimal.csv").read_text(encoding="utf-8")
                   .replace("较好", "很好").replace("90%", "abc"), encoding="utf-8")
    result = run("results", "--rubric", MINIMAL, "--marks", str(bad))
    assert result.exit_code == 1
    assert "bad.csv：2 个问题，未导入任何评分" in result.output
    assert "bad.csv → 第 3 行 → 档次 (level): 请选择档次：好、较好、一般、差" in result.output
    assert "bad.csv → 第 4 行 → 完成率 (ratio): 无法读取“abc”" in result.output


def test_demo_marks_round_trip_through_a_file_to_the_same_ranking(tmp_path):
    marks = tmp_path / "demo.xlsx"
    demo = run("demo", "--rubric", str(ROOT / "rubrics" / "town-rule-of-law-2025.yaml"), "--marks-out", str(marks))
    assert demo.exit_code == 0, demo.output
    again = run("results", "--rubric", str(ROOT / "rubrics" / "town-rule-of-law-2025.yaml"), "--marks", str(marks))
    assert again.exit_code == 0, again.output
    ranking_lines = [line for line in demo.output.splitlines() if line[:1].isdigit()]
    assert len(ranking_lines) == 8
    assert ranking_lines == [line for line in again.output.splitlines() if line[:1].isdigit()]
