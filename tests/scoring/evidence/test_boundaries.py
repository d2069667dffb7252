"""The evidence package is pure data in, data out: no web framework, no database."""

from __future__ import annotations

import subprocess
import sys

import openpyxl.xml


def test_importing_the_evidence_package_pulls_in_no_flask_sqlalchemy_or_weasyprint() -> None:
    code = (
        "import sys, scoring.evidence, scoring.evidence.match\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'weasyprint'})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_openpyxl_parses_evidence_through_defusedxml() -> None:
    # Without defusedxml openpyxl has no guard against billion-laughs XML (openpyxl's README says so).
    assert openpyxl.xml.DEFUSEDXML is True
