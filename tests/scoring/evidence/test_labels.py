"""The labelled set (tests/data/evidence-labels) is whole, and the matcher does well on it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from scoring.evidence.evaluate import (
    CALIBRATION_REPORTS,
    Scores,
    choose_thresholds,
    coverages,
    evaluate,
    leave_one_out,
    load_labelled,
)
from scoring.evidence.match import MISSING_THRESHOLD, WEAK_THRESHOLD
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
    assert "xincheng-2015-rule-of-law-report.txt" in names and len(names) >= 11
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
    assert rates["top1"] >= 0.88 and rates["top3"] >= 0.97
    assert rates["top3"] > rates["random_top3"] + 0.3
    # issue 8's targets: at least 80 % of unaddressed items flagged, at most 10 % of addressed.
    assert rates["false_flags"] <= 0.10 and rates["missing_recall"] >= 0.80


def test_the_thresholds_follow_from_the_stated_rule_on_the_first_six_reports(reports, items) -> None:
    rows = [row for r in reports if r.name in CALIBRATION_REPORTS for row in coverages(r, items)]
    missing, weak = choose_thresholds(rows)
    assert (MISSING_THRESHOLD, WEAK_THRESHOLD) == (math.floor(100 * missing) / 100, math.floor(100 * weak) / 100)
    assert len({r.name for r in reports} - set(CALIBRATION_REPORTS)) >= 5  # and five held out


def test_a_threshold_chosen_without_a_report_holds_on_that_report(reports, items) -> None:
    total = Scores()
    for _, _, scores in leave_one_out(reports, items):
        total.add(scores)
    rates = total.rates()
    assert rates["missing_recall"] >= 0.80 and rates["false_flags"] <= 0.12
