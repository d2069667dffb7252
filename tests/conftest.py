"""Shared fixtures: paths and small builders used across the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def minimal_rubric():
    from scoring.rubric.load import load_rubric

    return load_rubric(DATA / "rubrics" / "minimal.yaml")


@pytest.fixture
def default_rubric():
    from scoring.rubric.load import load_rubric

    return load_rubric(ROOT / "rubrics" / "town-rule-of-law-2025.yaml")


# Database and app fixtures (fresh demo database per test, on SQLite and PostgreSQL).
pytest_plugins = ["tests.dbfixtures"]
