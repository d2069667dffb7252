"""Attack payloads in every user field, read back where users meet them: pages, PDFs, exports.

The fields: town names, user names, rubric titles (the YAML editor), mark comments, appeal
reasons and replies, evidence file names. Pages must show each payload escaped (as text,
never as markup); PDFs must hold the text literally, attach nothing, and fetch no URL (a
local HTTP server records any hit); exports must hold no live formula. Traversal names,
NUL and over-long names, and oversize fields are refused or stored harmlessly, never a 500.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from tests.payloads import BAD_NAMES, FORMULAS, TRAVERSAL_NAMES, XSS, Recorder, fetching
from tests.pdfcheck import pdf_text, squash

PORT = 18221  # this suite's tripwire (the helper's port range is 18220–18229)


def _inert(body: str, payload: str, shown: bool = True) -> None:
    """The payload is on the page as text: no tag or attribute of it is live markup."""
    assert "<script>alert" not in body
    assert "onerror=alert" not in body or "&lt;img" in body
    assert not re.search(r"""<img[^>]*src=["']?x""", body)
    assert 'href="javascript:' not in body and "href='javascript:" not in body
    if shown and "{{7*7}}" in payload:
        assert "{{7*7}}" in body  # a template would have made 49 of it


def _login(client, username: str, password: str | None = None) -> None:
    assert client.post("/login", data={"username": username,
                                       "password": password or f"demo-{username}"}).status_code == 302


def test_town_and_user_names_are_escaped_on_every_page_that_shows_them(app, ids, db):
    admin, town = app.test_client(), app.test_client()
    _login(admin, "admin")
    for n, payload in enumerate(XSS):
        assert admin.post("/admin/towns", data={"name": f"镇{n}{payload}"}).status_code == 302
        assert admin.post("/admin/users", data={"username": f"user{n}", "display_name": payload,
                                                "password": "password-123", "role": "reviewer",
                                                "department": payload}).status_code == 302
    admin.post(f"/admin/towns/{ids['towns']['新城镇']}/rename", data={"name": "新城镇" + XSS[1]})
    people = admin.get("/admin/people").get_data(as_text=True)
    for payload in XSS:
        _inert(people, payload)
    assert people.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the town and the user, as text
    for path in (f"/admin/assessments/{ids['released']}", "/admin/audit",
                 f"/admin/assessments/{ids['released']}/towns/{ids['towns']['新城镇']}/scorecard"):
        response = admin.get(path)
        assert response.status_code == 200, path
        _inert(response.get_data(as_text=True), XSS[1])
    _login(town, "xincheng")
    _inert(town.get(f"/town/{ids['released']}/scorecard").get_data(as_text=True), XSS[1])


def test_a_mark_comment_is_text_on_the_scoring_page_and_in_the_audit_log(app, ids):
    reviewer, admin = app.test_client(), app.test_client()
    _login(reviewer, "sifaju")
    _login(admin, "admin")
    town = ids["towns"]["新城镇"]
    mark = f"/review/{ids['scoring']}/towns/{town}/items/A1/mark"
    page = f"/review/{ids['scoring']}/towns/{town}"
    for payload in XSS:
        version = reviewer.get(page).status_code and _version(reviewer, mark)
        response = reviewer.post(mark, json={"fields": {"comment": payload}, "version": version})
        assert response.status_code == 200, response.get_json()
        _inert(reviewer.get(page).get_data(as_text=True), payload)
        _inert(admin.get("/admin/audit").get_data(as_text=True), payload, shown=False)


def _version(client, mark_url: str) -> int:
    """The mark's current version (a stale save answers 409 with it)."""
    response = client.post(mark_url, json={"fields": {"comment": "probe"}, "version": 10**6})
    return response.get_json()["version"] if response.status_code == 409 else 0


def test_a_rubric_title_from_the_editor_is_text_on_its_pages(app, ids):
    admin = app.test_client()
    _login(admin, "admin")
    yaml_text = admin.get("/admin/rubrics/1/download").get_data(as_text=True)
    title = re.search(r"^( +title: )(.+)$", yaml_text, re.M)
    payload = XSS[0] + XSS[1] + XSS[3]
    edited = yaml_text.replace(title.group(0), f"{title.group(1)}'{payload.replace(chr(39), chr(39) * 2)}'", 1)
    response = admin.post("/admin/rubrics/1/edit/yaml", data={"yaml_text": edited, "base_version": "1", "note": XSS[0]})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    versions = admin.get("/admin/rubrics/").get_data(as_text=True)
    _inert(versions, XSS[0])
    newest = max(int(v) for v in re.findall(r'href="/admin/rubrics/(\d+)"', versions))
    assert newest > 1, "the edited rubric was saved as a new version"
    for path in (f"/admin/rubrics/{newest}", f"/admin/rubrics/{newest}/edit"):
        body = admin.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path
        _inert(body, payload)


def test_user_text_reaching_a_pdf_is_literal_and_fetches_nothing(app, ids, db):
    """Town name, appeal reason and reply in the scorecard and ranking PDFs."""
    from scoring.store import operations, queries
    from scoring.store.audit import SYSTEM

    town_id, released = ids["towns"]["新城镇"], ids["released"]
    operations.set_deadlines(db, SYSTEM, released, {"appeal": "2099-12-31"})
    admin, town = app.test_client(), app.test_client()
    _login(admin, "admin")
    _login(town, "xincheng")
    name = "新城镇" + fetching(PORT, "town")[:60] + "{{7*7}}"
    assert admin.post(f"/admin/towns/{town_id}/rename", data={"name": name[:100]}).status_code == 302
    mark = next(m for m in queries.town_mark_refs(db, released, town_id))
    db.rollback()
    reason = "申诉" + XSS[0] + fetching(PORT, "reason") + "file:///etc/passwd"
    assert town.post(f"/town/{released}/appeals", data={"mark_id": str(mark.id), "reason": reason}).status_code == 302
    appeal = queries.appeals(db, released, town_id)[-1]
    db.rollback()
    reply = "复核" + XSS[1] + fetching(PORT, "reply")
    assert admin.post(f"/admin/appeals/{appeal.id}/decide", data={"decision": "uphold",
                                                                  "reply": reply}).status_code == 302
    with Recorder(PORT) as tripwire:
        documents = {
            "scorecard": admin.get(f"/admin/assessments/{released}/towns/{town_id}/scorecard.pdf"),
            "town's scorecard": town.get(f"/town/{released}/scorecard.pdf"),
            "ranking": admin.get(f"/admin/assessments/{released}/ranking.pdf"),
        }
        page = town.get(f"/town/{released}/scorecard").get_data(as_text=True)
    assert tripwire.hits == [], "rendering fetched an outside URL"
    _inert(page, reason)
    for what, response in documents.items():
        assert response.status_code == 200, what
        assert response.mimetype == "application/pdf"
        text = squash(pdf_text(response.data))
        assert squash(name[:100])[:40] in text, what  # the name as typed, tags and all
        if what != "ranking":
            assert squash("<script>alert(1)</script>") in text, what
            assert squash(f'<img src="http://127.0.0.1:{PORT}/reply-img">') in text, what
        from pypdf import PdfReader

        assert not PdfReader(io.BytesIO(response.data)).attachments, what  # nothing attached


def test_evidence_file_names_cannot_leave_the_store_nor_break_pages(app, ids, db, settings):
    from scoring.store import operations, queries
    from scoring.store.audit import SYSTEM

    scoring, town_id = ids["scoring"], ids["towns"]["新城镇"]
    operations.set_phase(db, SYSTEM, scoring, "submission")
    client = app.test_client()
    _login(client, "xincheng")
    names = (*TRAVERSAL_NAMES, *(p + ".txt" for p in XSS), *(p + ".txt" for p in FORMULAS))
    for n, name in enumerate(names):
        data = f"第{n}份佐证：依法行政工作总结，{name}".encode()
        response = client.post(f"/town/{scoring}/evidence", data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302, (name, response.status_code)
    for name in BAD_NAMES:  # NUL, 300 characters, a line break: refused with a reason, never a 500
        response = client.post(f"/town/{scoring}/evidence", data={"file": (io.BytesIO(b"text"), name)},
                               content_type="multipart/form-data")
        assert response.status_code in (302, 400), (name, response.status_code)
    stored = queries.evidence_files(db, scoring, town_id)
    db.rollback()
    evidence = settings.evidence_path.resolve()
    from scoring.services.evidence import blob_store

    blobs = blob_store(settings, db)
    for row in stored:  # every file lives in the store, under its digest, whatever its name
        assert blobs.exists(row.sha256)  # the disk store, or the database on PostgreSQL
        if not settings.blobs_in_database:
            path = (evidence / row.sha256[:2] / row.sha256).resolve()
            assert path.is_file() and path.is_relative_to(evidence)
        assert "\x00" not in row.name and len(row.name) <= 255
        assert "/" not in row.name and "\\" not in row.name, row.name  # kept under its bare name
    dashboard = client.get("/town/").get_data(as_text=True)
    for payload in XSS:
        _inert(dashboard, payload)
    row = next(r for r in stored if "passwd" in r.name)
    with client.get(f"/town/{scoring}/evidence/{row.id}") as response:
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert "/" not in disposition.split("filename=")[1].split(";")[0]  # the plain name has no path


@pytest.mark.parametrize(("path_of", "field", "size"), [
    (lambda ids: "/admin/towns", "name", 10_000),
    (lambda ids: "/admin/users", "display_name", 10_000),
    (lambda ids: f"/town/{ids['released']}/appeals", "reason", 100_000),
])
def test_oversize_fields_are_refused_with_a_reason(app, ids, path_of, field, size):
    admin, town = app.test_client(), app.test_client()
    _login(admin, "admin")
    _login(town, "xincheng")
    client = town if path_of(ids).startswith("/town") else admin
    data = {"username": "longname", "password": "password-123", "role": "reviewer", field: "长" * size}
    response = client.post(path_of(ids), data=data)
    assert response.status_code in (302, 400, 409, 413), response.status_code
    assert "长" * 200 not in admin.get("/admin/people").get_data(as_text=True)


def test_a_long_comment_is_refused_before_it_reaches_a_pdf(app, ids):
    reviewer = app.test_client()
    _login(reviewer, "sifaju")
    mark = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}/items/A1/mark"
    version = _version(reviewer, mark)
    response = reviewer.post(mark, json={"fields": {"comment": "长" * 2001}, "version": version})
    assert response.status_code == 422
    assert response.get_json()["field"] == "comment" and "2000" in response.get_json()["message"]
    response = reviewer.post(mark, json={"fields": {"comment": "长" * 200_000}, "version": version})
    assert response.status_code == 400 and "32 KB" in response.get_json()["error"]  # refused before parsing


def test_the_audit_export_holds_no_live_formula(app, ids, db):
    """Names, reasons and comments starting with = + - @ are exported as text (a leading ')."""
    from scoring.store import operations
    from scoring.store.audit import SYSTEM
    from scoring.store.models import User

    operations.set_deadlines(db, SYSTEM, ids["released"], {"appeal": "2099-12-31"})
    admin, town = app.test_client(), app.test_client()
    _login(admin, "admin")
    for n, formula in enumerate(FORMULAS):
        admin.post("/admin/towns", data={"name": formula})
        admin.post("/admin/users", data={"username": f"f{n}", "display_name": formula, "password": "password-123",
                                         "role": "reviewer", "department": formula})
    # the town leader's own name begins like a formula too (arranged: leaders do not rename themselves)
    db.execute(update(User).where(User.username == "xincheng").values(display_name=FORMULAS[0]))
    db.commit()
    _login(town, "xincheng")
    from scoring.store import queries

    marks = queries.town_mark_refs(db, ids["released"], ids["towns"]["新城镇"])
    db.rollback()
    for formula, mark in zip(FORMULAS, marks, strict=False):
        assert town.post(f"/town/{ids['released']}/appeals",
                         data={"mark_id": str(mark.id), "reason": formula}).status_code == 302
    response = admin.get("/admin/audit.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a live formula in the export"
    texts = [c.value for c in cells]
    for formula in FORMULAS:
        assert "'" + formula in texts, formula  # the reason, kept and neutralised
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
