"""The core never depends on the shells: scoring/ imports no Flask and no web/."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

CORE = ["rubric/model.py", "rubric/checks.py", "rubric/load.py", "rubric/diff.py", "marks.py", "method_points.py",
        "results.py", "bonus_veto.py", "ranking.py", "outcome.py", "points.py", "phases.py"]


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "scoring").rglob("*.py")), ids=lambda p: p.name)
def test_scoring_package_never_imports_flask_or_web(path):
    assert not imported_modules(path) & {"flask", "flask_login", "flask_wtf", "flask_babel", "web", "werkzeug"}


@pytest.mark.parametrize("name", CORE)
def test_scoring_rules_import_no_database_and_no_pdf_engine(name):
    assert not imported_modules(ROOT / "scoring" / name) & {"sqlalchemy", "weasyprint", "alembic"}
