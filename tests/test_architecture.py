"""The layers hold: shells above services above adapters above the pure core.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run import-linter on
the tree, show that an upward import breaks it, and keep an AST check that scoring/ imports
no Flask (readable without import-linter's output).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
WEB_FRAMEWORK = {"flask", "flask_login", "flask_wtf", "flask_babel", "web", "werkzeug"}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the tree at ``root`` with its pyproject.toml contracts."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the dev extras (pip install -e .[dev])")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy_sources(tmp_path: Path) -> Path:
    """The Python files of scoring/ and web/ and pyproject.toml, enough for import-linter."""
    def only_python(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()]

    for package in ("scoring", "web"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=only_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("scoring/report/render.py", "from scoring.store import queries", "Reports are views"),
    ("scoring/report/cache.py", "import scoring.services", "Reports are views"),
    ("scoring/points.py", "import sqlalchemy", "The core is pure"),
    ("scoring/outcome.py", "from scoring.report import scorecard", "The core is pure"),
    ("scoring/store/queries.py", "from scoring.services import marks", "Layers"),
    ("scoring/services/marks.py", "import web.db", "Layers"),
    ("scoring/marks.py", "import flask", "scoring/ needs no web framework"),
    ("scoring/services/evidence.py", "from scoring.store.models import EvidenceFile", "Services and shells"),
    ("scoring/methods/deduct.py", "import sqlalchemy", "The core is pure"),
    ("scoring/methods/deduct.py", "from scoring.store import queries", "Layers"),
], ids=["report-store", "report-services", "core-sqlalchemy", "core-report", "store-services",
        "services-web", "core-flask", "services-orm", "methods-sqlalchemy", "methods-store"])
def test_an_upward_import_breaks_a_contract(tmp_path, module, line, contract):
    root = _copy_sources(tmp_path)
    path = root / module
    if not path.exists():  # a package still being written (scoring/methods/): the contracts cover it too
        path.parent.mkdir(exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.touch()
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout


def imported_modules(path: Path) -> set[str]:
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
    assert not imported_modules(path) & WEB_FRAMEWORK


def core_files() -> list[Path]:
    """The files of the pure core, as the "core is pure" contract names its modules."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith("The core"))
    files = []
    for module in contract["source_modules"]:
        base = ROOT.joinpath(*module.removesuffix(".**").split("."))
        if base.is_dir():
            files += sorted(base.rglob("*.py"))
        elif not module.endswith(".**"):  # a package named by wildcard may not exist yet
            files.append(base.with_suffix(".py"))
    return files


def test_the_core_contract_names_existing_modules():
    files = core_files()
    assert ROOT / "scoring" / "points.py" in files
    assert all(f.exists() for f in files)


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ROOT / "scoring")))
def test_scoring_rules_import_no_database_and_no_pdf_engine(path):
    # Also covers a package's own __init__.py, which "scoring.methods.**" does not match.
    assert not imported_modules(path) & {"sqlalchemy", "weasyprint", "alembic", "rq", "redis"}


def test_cutting_texts_for_print_loads_no_pdf_engine():
    # HTML for print (CLI, jobs, the page's partials) must not pay WeasyPrint's import.
    code = ("import sys; from scoring.report.render import for_print, truncate_for_print; "
            "assert truncate_for_print('甲' * 9, 3).startswith('甲甲甲……'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint' or m == 'scoring.report.pdf'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Comments once pointed at a study and a test plan that live outside the repository.
OUTSIDE_DOCUMENTS = re.compile(r"perf\.md|security\.md|\bTC-\d\d\b|shared/(evidence|perf|security)")
PENDING = {"scoring/report/templates/_scorecard_categories.html"}  # edited on another branch


def test_comments_refer_to_nothing_outside_the_repository():
    sources = [p for folder in ("scoring", "web", "tests", "scripts", "benchmarks") for p in (ROOT / folder).rglob("*")
               if p.suffix in {".py", ".html", ".css", ".js", ".md", ".sh"} and p != Path(__file__)]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in sources if str(p.relative_to(ROOT)) not in PENDING
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE_DOCUMENTS.search(line)]
    assert found == []
