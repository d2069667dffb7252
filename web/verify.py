"""``/verify/<code>``: anyone holding a scorecard PDF can check its verification code.

Codes are recomputed, not stored: a code is authentic and current when it equals the code
of a released scorecard as the data stand now. The table of codes is rebuilt only when
the data changed (the newest audit event's id), so guessing codes costs no rendering.
"""

from __future__ import annotations

import re
import threading

from flask import Blueprint, render_template

from scoring import phases, services
from scoring.store import queries
from web.db import get_session

bp = Blueprint("verify", __name__)
CODE = re.compile(r"^[0-9A-F]{4}(-[0-9A-F]{4}){3}$")
_cache: dict[str, object] = {"version": None, "codes": {}}
_lock = threading.Lock()


@bp.get("/verify/<code>")
def verify(code: str):
    code = code.strip().upper()
    found = _codes().get(code) if CODE.match(code) else None
    return render_template("verify.html", code=code[:40], found=found), 200 if found else 404


def _codes() -> dict[str, tuple[str, str]]:
    """verification code -> (assessment name, town name), for every released scorecard."""
    session = get_session()
    version = queries.data_version(session)
    with _lock:
        if _cache["version"] == version:
            return _cache["codes"]  # type: ignore[return-value]
    codes: dict[str, tuple[str, str]] = {}
    for assessment in queries.all_assessments(session):
        if not phases.allowed(assessment.phase, "see_results"):
            continue
        for town_id, town in queries.assessment_towns(session, assessment.id).items():
            card = services.town_scorecard(session, assessment.id, town_id)
            codes[card.verification] = (assessment.name, town)
    with _lock:
        _cache.update(version=version, codes=codes)
    return codes
