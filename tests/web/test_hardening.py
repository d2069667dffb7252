"""Downloads never cached, control characters in file names refused, /verify of a scorecard."""

from __future__ import annotations

import io

import pytest

from scoring import services
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM
from tests.web.test_town import open_submission


def test_pdfs_and_evidence_downloads_are_never_stored_by_a_browser(client, auth, ids, db):
    own = queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])[0]
    db.rollback()
    auth.login("xincheng")
    with client.get(f"/town/{ids['released']}/scorecard.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "no-store"
    with client.get(f"/town/{ids['scoring']}/evidence/{own.id}") as evidence:
        assert evidence.status_code == 200 and evidence.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", ["报告\x00.txt", "报告\t.txt", "a\x1b[31m.txt", "del\x7f.txt"])
def test_a_file_name_with_a_control_character_is_refused_and_nothing_stored(client, auth, ids, db, name):
    open_submission(db, ids)
    before = len(queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"]))
    db.rollback()
    auth.login("xincheng")
    response = client.post(f"/town/{ids['scoring']}/evidence",
                           data={"file": (io.BytesIO("全年出具法律意见书12份。".encode()), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)
    assert len(queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])) == before


def test_a_released_scorecards_code_verifies_until_the_results_are_withdrawn(client, ids, db):
    card = services.town_scorecard(db, ids["released"], ids["towns"]["新城镇"])
    db.rollback()
    page = client.get(f"/verify/{card.verification}")  # public: no sign-in
    assert page.status_code == 200
    assert "真实有效" in page.get_data(as_text=True) and "新城镇" in page.get_data(as_text=True)
    forged = card.verification[:-1] + ("0" if card.verification[-1] != "0" else "1")
    assert client.get(f"/verify/{forged}").status_code == 404
    unreleased = services.town_scorecard(db, ids["scoring"], ids["towns"]["新城镇"])
    db.rollback()
    assert client.get(f"/verify/{unreleased.verification}").status_code == 404
    operations.set_phase(db, SYSTEM, ids["released"], "review", reason="复核")
    withdrawn = client.get(f"/verify/{card.verification}")
    assert withdrawn.status_code == 404 and "无法核验" in withdrawn.get_data(as_text=True)
