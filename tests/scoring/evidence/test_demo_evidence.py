"""The demo evidence stays valid, labelled as made up, small, and reproducible."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.evidence import detect_type, extract_passages

ROOT = Path(__file__).resolve().parents[3]
EVIDENCE = ROOT / "scoring" / "demo" / "evidence"
MARKER = "【演示数据】本材料为虚构的演示数据，不对应任何真实单位。"
TOWNS = ["新城镇", "东港镇", "西岭镇", "南湖街道", "北塘镇", "青山镇", "白河街道", "金桥镇"]
FILES = sorted(p for p in EVIDENCE.rglob("*") if p.is_file() and p.suffix != ".md")
FIVE_PARTS = ["主要举措和成效", "存在的不足和原因", "第一责任人", "主要安排", "其他需要报告的情况"]


def test_every_town_has_a_folder() -> None:
    assert sorted(p.name for p in EVIDENCE.iterdir() if p.is_dir()) == sorted(TOWNS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_demo_file_is_accepted_and_gives_passages(path: Path) -> None:
    data = path.read_bytes()
    passages = extract_passages(data, detect_type(data, path.name), path.name)
    assert len(passages) >= 5
    if path.parent.name != "新城镇":
        assert passages[0].text == MARKER


def test_real_report_is_the_only_file_without_the_marker() -> None:
    real = EVIDENCE / "新城镇" / "2015年新城镇依法行政工作报告.txt"
    assert real.read_text(encoding="utf-8").startswith("当前位置:新城镇")
    assert MARKER not in real.read_text(encoding="utf-8")


@pytest.mark.parametrize("town", TOWNS[1:])
def test_made_up_reports_are_800_to_2000_chinese_characters(town: str) -> None:
    text = (EVIDENCE / town / f"{town}2025年法治政府建设年度报告.txt").read_text(encoding="utf-8")
    assert text.startswith(MARKER + "\n")
    assert 800 <= len(re.findall(r"[\u4e00-\u9fff]", text)) <= 2000


def test_reports_vary_in_which_required_parts_they_have() -> None:
    present = {}
    for town in TOWNS[1:]:
        text = (EVIDENCE / town / f"{town}2025年法治政府建设年度报告.txt").read_text(
            encoding="utf-8"
        )
        present[town] = [part for part in FIVE_PARTS if part in text]
    assert present["东港镇"] == FIVE_PARTS
    assert "存在的不足和原因" not in present["北塘镇"]
    assert "其他需要报告的情况" not in present["青山镇"]
    assert "第一责任人" not in present["白河街道"]


def test_one_text_file_is_gb18030() -> None:
    data = (EVIDENCE / "青山镇" / "青山镇2025年行政执法案卷自查情况说明.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gb18030").startswith(MARKER)


def test_demo_evidence_is_small() -> None:
    assert sum(p.stat().st_size for p in EVIDENCE.rglob("*") if p.is_file()) < 200 * 1024


def test_generated_files_are_up_to_date_with_the_script() -> None:
    script = ROOT / "scripts" / "make_demo_evidence.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
