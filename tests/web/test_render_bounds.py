"""PDFs render from values loaded before, outside any transaction, bounded in time and size:
a save goes through while a scorecard renders, and a document past its bound fails plainly."""

from __future__ import annotations

import threading
import time

import pytest

from scoring.report import worker
from scoring.services import documents
from tests import pdfcheck
from tests.web.test_review import mark_url, stored, version_of
from web import create_app


def test_a_save_succeeds_while_a_scorecard_renders_outside_any_transaction(app, ids, db, monkeypatch):
    rendering, release = threading.Event(), threading.Event()
    in_transaction = []
    real = documents.render_bounded

    def slow_render(html: str, *, seconds: float) -> bytes:  # holds the render open
        from flask import g

        in_transaction.append(g.db_session.in_transaction())
        rendering.set()
        release.wait(30)
        return real(html, seconds=seconds)

    monkeypatch.setattr(documents, "render_bounded", slow_render)
    admin, reviewer = app.test_client(), app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo-admin"})
    reviewer.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    pdf = {}
    url = f"/admin/assessments/{ids['scoring']}/towns/{ids['towns']['新城镇']}/scorecard.pdf"
    thread = threading.Thread(target=lambda: pdf.update(response=admin.get(url)))
    thread.start()
    try:
        assert rendering.wait(60)
        started = time.monotonic()
        saved = reviewer.post(mark_url(ids, "A3"), json={"version": version_of(db, ids, "A3"),
                                                          "fields": {"comment": "渲染时保存"}})
        took = time.monotonic() - started
    finally:
        release.set()
        thread.join(120)
    assert saved.status_code == 200 and took < 5, took
    assert stored(db, ids, "A3").inputs["comment"] == "渲染时保存"
    assert in_transaction == [False]  # the request's session let go before rendering
    assert pdf["response"].status_code == 200 and "新城镇" in pdfcheck.pdf_text(pdf["response"].data)


def test_a_scorecard_past_its_time_bound_answers_503_and_the_next_one_renders(settings, ids):
    if settings.database_url:
        pytest.skip("rendering does not depend on the database")
    url = f"/admin/assessments/{ids['scoring']}/towns/{ids['towns']['东港镇']}/scorecard.pdf"
    for timeout, status in ((0.001, 503), (120, 200)):
        app = create_app(settings.model_copy(update={"render_timeout_seconds": timeout}))
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": "demo-admin"})
        response = client.get(url)
        app.extensions["engine"].dispose()
        assert response.status_code == status
        if status == 503:
            assert "超时" in response.get_data(as_text=True) and response.headers["Retry-After"]
        else:
            assert "东港镇" in pdfcheck.pdf_text(response.data)


def test_a_document_past_its_size_bound_is_refused_before_rendering():
    with pytest.raises(worker.RenderLimitExceeded) as refused:
        worker.render_bounded("<p>" + "字" * worker.MAX_HTML_CHARS + "</p>", seconds=60)
    assert refused.value.kind == "size"
