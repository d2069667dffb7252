"""Refusals answer in the reader's language where the user is; a bug is a logged 500, never a 400."""

from __future__ import annotations

import io
import logging
import re

import pytest

from scoring.store import queries


@pytest.fixture
def unhandled(app):
    """The app as in production: an unexpected exception goes to the 500 handler, not the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def break_people_page(monkeypatch, error: Exception):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(queries, "towns", broken)


def test_a_value_error_is_a_bug_a_logged_500_with_a_generic_page(unhandled, client, auth, monkeypatch, caplog):
    auth.login("admin")
    break_people_page(monkeypatch, ValueError("invalid literal for int()"))
    with caplog.at_level(logging.ERROR):
        response = client.get("/admin/people")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "服务器内部错误" in page
    assert "invalid literal" not in page and "Internal Server Error" not in page  # not Werkzeug's page
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)  # logged, with its traceback


def test_the_500_page_is_in_english_for_an_english_reader(unhandled, client, auth, monkeypatch):
    auth.login("admin")
    client.post("/lang/en", data={"next": "/admin/"})
    break_people_page(monkeypatch, RuntimeError("boom"))
    response = client.get("/admin/people")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Internal server error." in page and "服务器内部错误" not in page
    json = client.get("/admin/people", headers={"Accept": "application/json"})
    assert json.status_code == 500 and json.get_json() == {"error": page.split("<p>")[1].split("</p>")[0]}


def test_an_unknown_method_gets_the_apps_page_not_werkzeugs(client):
    response = client.delete("/login")
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "请求无法处理" in page and "Method Not Allowed" not in page


def open_submission(db, ids):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.set_phase(db, SYSTEM, ids["scoring"], "submission", reason="补交材料")


def upload(client, ids, name: str, data: bytes):
    return client.post(f"/town/{ids['scoring']}/evidence", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def upload_error(page: str) -> list[str]:
    return re.findall(r'<p class="flash error" role="alert">(.*?)</p>', page, re.S)


def test_a_refused_upload_shows_the_dashboard_again_with_the_reason_by_the_form(client, auth, ids, db):
    open_submission(db, ids)
    auth.login("xincheng")
    response = upload(client, ids, "空.txt", b"")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'type="file"' in page and "已提交的佐证材料" in page  # the dashboard, the form still there
    assert upload_error(page) == ["未上传：文件为空"]
    client.post("/lang/en", data={"next": "/town/"})
    page = upload(client, ids, "报告.pdf", b"MZ\x90\x00" + b"\x00" * 200).get_data(as_text=True)
    [reason] = upload_error(page)
    assert reason.startswith("Not uploaded: The content is a Windows executable")
    assert not re.search(r"[\u4e00-\u9fff]", reason), reason


def test_an_upload_outside_the_submission_phase_says_why_on_the_dashboard(client, auth, ids):
    auth.login("xincheng")
    response = upload(client, ids, "a.txt", "材料".encode())
    assert response.status_code == 409
    assert upload_error(response.get_data(as_text=True)) == ["未上传：只有在材料报送阶段才能提交佐证材料"]


@pytest.mark.parametrize("csrf", [False, True], ids=["view", "csrf-check"])
def test_an_upload_over_the_limit_shows_the_dashboard_with_the_limit(request, ids, db, csrf):
    """Werkzeug refuses the body before the view (with CSRF on, before the CSRF check even)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    application = request.getfixturevalue("csrf_app" if csrf else "app")
    open_submission(db, ids)
    client = application.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    assert client.post("/login", data={"username": "xincheng", "password": "demo-xincheng",
                                       "csrf_token": token}).status_code == 302
    big = b"a" * (application.config["SETTINGS"].max_upload_bytes + 100 * 1024)
    stream, _length, boundary = stream_encode_multipart({"file": FileStorage(io.BytesIO(big), "大.txt")},
                                                        use_tempfile=False)
    response = client.post(f"/town/{ids['scoring']}/evidence", data=stream.getvalue(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    mb = application.config["SETTINGS"].max_upload_bytes // (1024 * 1024)
    assert upload_error(response.get_data(as_text=True)) == [f"未上传：文件过大（上限 {mb} MB）"]


def test_with_the_database_down_the_500_page_still_renders_without_it(unhandled, client, auth):
    from sqlalchemy.exc import OperationalError

    auth.login("admin")

    def database_down(_user_id):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    unhandled.login_manager._user_callback = database_down  # every read of current_user fails
    response = client.get("/admin/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "服务器内部错误" in page and "connection refused" not in page
