"""The labelled set (tests/data/evidence-labels) is whole, and the matcher does well on it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scoring.evidence.evaluate import Scores, evaluate, load_labelled
from scoring.rubric.load import load_rubric

DATA = Path(__file__).resolve().parents[2] / "data"
ROOT = DATA.parents[1]


@pytest.fixture(scope="module")
def items():
    rubric = load_rubric(ROOT / "rubrics/town-rule-of-law-2025.yaml")
    return [item for category in rubric.categories for item in category.items]


@pytest.fixture(scope="module")
def reports():
    return load_labelled(DATA / "evidence-labels", DATA / "evidence-reports")


def test_at_least_five_real_reports_besides_the_shared_one_are_labelled(reports) -> None:
    names = {r.name for r in reports}
    assert "xincheng-2015-rule-of-law-report.txt" in names and len(names) >= 5
    readme = (DATA / "evidence-reports/README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in names)  # every text has its source address
    assert "深圳" not in "".join(r.passages[0].text for r in reports)


def test_every_item_is_labelled_once_and_every_snippet_is_in_its_report(reports, items) -> None:
    ids = {item.id for item in items}
    for report in reports:
        assert set(report.supported) | set(report.unaddressed) == ids, report.name
        assert not set(report.supported) & set(report.unaddressed), report.name
        text = (DATA / "evidence-reports" / report.name).read_text(encoding="utf-8")
        for snippets in report.supported.values():
            assert all(snippet in text for snippet in snippets), report.name
    assert yaml.safe_load((DATA / "evidence-labels/sandu-2025.yaml").read_text())["report"] == "sandu-2025.txt"


def test_the_matcher_places_the_labelled_paragraphs_far_above_a_random_order(reports, items) -> None:
    total = Scores()
    for report in reports:
        total.add(evaluate(report, items))
    rates = total.rates()
    # Floors below the measured figures (benchmarks/bench_evidence.py): a regression fails here.
    assert rates["top1"] >= 0.85 and rates["top3"] >= 0.95
    assert rates["top3"] > rates["random_top3"] + 0.3
    assert rates["false_flags"] <= 0.15 and rates["missing_recall"] >= 0.6
