"""Town leaders: release gating, their own scorecard only, evidence upload limits."""

from __future__ import annotations

import io

import pytest

from scoring import services


def open_submission(db, ids):
    """Move the 2025 assessment back from 评分 to 材料报送 so towns can upload."""
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.set_phase(db, SYSTEM, ids["scoring"], "submission", reason="补交材料")


def test_before_release_a_town_leader_sees_not_yet_released_and_no_score(client, auth, ids, db):
    total = services.town_scorecard(db, ids["scoring"], ids["towns"]["新城镇"]).total
    db.rollback()
    auth.login("xincheng")
    page = client.get(f"/town/{ids['scoring']}/scorecard").get_data(as_text=True)
    assert "考核结果尚未发布" in page
    assert total not in page and "得分" not in page and "名次" not in page
    dashboard = client.get("/town/").get_data(as_text=True)
    assert total not in dashboard


def test_after_release_the_leader_sees_their_own_total_rank_and_grade(client, auth, ids, db):
    card = services.town_scorecard(db, ids["released"], ids["towns"]["新城镇"])
    db.rollback()
    auth.login("xincheng")
    page = client.get(f"/town/{ids['released']}/scorecard").get_data(as_text=True)
    assert card.total in page and card.grade in page
    assert f"{card.rank}" in page and f"{card.ranked_towns}" in page
    for line in card.lost_items:
        assert line.title in page  # every lost point is explained
    assert "东港镇" not in page  # no other town's name, let alone its scores


def test_withdrawing_a_release_hides_the_scorecard_again(client, auth, ids, db):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.set_phase(db, SYSTEM, ids["released"], "review", reason="复核")
    auth.login("xincheng")
    assert "考核结果尚未发布" in client.get(f"/town/{ids['released']}/scorecard").get_data(as_text=True)


def test_a_town_leader_uploads_evidence_and_its_chinese_name_is_kept(client, auth, ids, db):
    open_submission(db, ids)
    auth.login("xincheng")
    data = "2025年新城镇法律顾问工作台账\n\n全年出具法律意见书12份。".encode()
    response = client.post(f"/town/{ids['scoring']}/evidence",
                           data={"file": (io.BytesIO(data), "法律顾问台账.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/town/").get_data(as_text=True)
    assert "法律顾问台账.txt" in page


@pytest.mark.parametrize(("name", "data", "status"), [
    ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 200, 400),  # a program renamed .pdf
    ("报告.txt", b"<html><script>alert(1)</script></html>", 400),
    ("空.txt", b"", 400),
])
def test_uploads_of_the_wrong_type_are_refused_and_nothing_stored(client, auth, ids, db, name, data, status):
    from scoring.store import queries

    open_submission(db, ids)
    before = len(queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"]))
    db.rollback()
    auth.login("xincheng")
    response = client.post(f"/town/{ids['scoring']}/evidence", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == status
    assert len(queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])) == before


def test_an_upload_over_the_size_limit_is_refused(app, client, auth, ids, db):
    open_submission(db, ids)
    auth.login("xincheng")
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    big = b"a" * (app.config["SETTINGS"].max_upload_bytes + 100 * 1024)
    # Encode in memory: the test client would spool a body this big to a temp file it never closes.
    stream, length, boundary = stream_encode_multipart({"file": FileStorage(io.BytesIO(big), "大.txt")},
                                                       use_tempfile=False)
    response = client.post(f"/town/{ids['scoring']}/evidence", data=stream.getvalue(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413


def test_uploads_are_refused_outside_the_submission_phase(client, auth, ids):
    auth.login("xincheng")
    response = client.post(f"/town/{ids['scoring']}/evidence",
                           data={"file": (io.BytesIO("材料".encode()), "a.txt")}, content_type="multipart/form-data")
    assert response.status_code == 409
