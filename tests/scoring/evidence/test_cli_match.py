"""`scoring evidence match`: extract, split and match files outside the app."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scoring.cli import main
from scoring.evidence.match import EVIDENCE_STATES

ROOT = Path(__file__).resolve().parents[3]
RUBRIC = str(ROOT / "rubrics/town-rule-of-law-2025.yaml")


def test_prints_each_items_top_passages_with_location_section_and_the_missing_flags(tmp_path) -> None:
    report = tmp_path / "报告.txt"
    report.write_text("一、法律顾问\n镇政府聘请法律顾问一名，出具法律意见书十二份，建立法律顾问工作台账。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evidence", "match", "--rubric", RUBRIC, str(report), "--top", "1"])
    assert result.exit_code == 0, result.output
    assert f"C2 法律顾问制度  [{EVIDENCE_STATES['supported']}]" in result.output  # the one wording
    assert "C2 法律顾问制度  [有材料]" in result.output
    assert "报告.txt 第2段  § 一、法律顾问" in result.output
    assert "材料缺失" in result.output.splitlines()[-1] and "F2" in result.output.splitlines()[-1]


def test_json_has_every_item_with_its_passages_and_flag(tmp_path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("镇政府聘请法律顾问一名，建立法律顾问工作台账。", encoding="utf-8")
    result = CliRunner().invoke(main, ["evidence", "match", "--rubric", RUBRIC, str(report), "--json"])
    data = json.loads(result.output)
    by_id = {entry["item"]: entry for entry in data["items"]}
    assert len(by_id) == 31 and data["threshold"] > 0
    assert by_id["C2"]["passages"][0]["location"] == "第1段" and not by_id["C2"]["missing"]
    assert by_id["F2"]["missing"]


def test_an_unreadable_file_is_reported_and_fails(tmp_path) -> None:
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = CliRunner().invoke(main, ["evidence", "match", "--rubric", RUBRIC, str(bad)])
    assert result.exit_code == 1
