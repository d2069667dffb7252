"""The administrators' page of security events: refused requests (403, 404 on another town's
object, 409 stale save) with IP and request id, newest first, filtered, in keyset pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from scoring.store.models import EvidenceFile
from tests.web.test_review import mark_url, version_of

PAGE = "/admin/security-events"


def _signed_in(app, username: str, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    assert client.post("/login", data={"username": username, "password": f"demo-{username}"}).status_code == 302
    return client


def _rows(html: str) -> list[str]:
    return html.split('class="security-row"')[1:]


def _refusals(app, db, ids) -> None:
    """Three real refusals: a reviewer at an admin page, a town at another town's file, a stale save."""
    reviewer = _signed_in(app, "sifaju", "10.1.2.3")
    assert reviewer.get("/admin/", headers={"X-Request-ID": "probe-403-aaaa"}).status_code == 403
    other = db.execute(select(EvidenceFile).where(EvidenceFile.town_id != ids["towns"]["新城镇"])).scalars().first()
    db.rollback()
    town = _signed_in(app, "xincheng", "10.4.5.6")
    assert town.get(f"/town/{other.assessment_id}/evidence/{other.id}",
                    headers={"X-Request-ID": "probe-404-bbbb"}).status_code == 404
    version = version_of(db, ids, "B1")
    assert reviewer.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "1", "ded-0-reason": "先保存"}},
        headers={"X-Request-ID": "save-ok-cccc"}).status_code == 200
    assert reviewer.post(mark_url(ids, "B1"), json={"version": version, "fields": {
        "ded-0-rule": "B1-each", "ded-0-count": "2", "ded-0-reason": "<script>alert('x')</script>旧页面"}},
        headers={"X-Request-ID": "probe-409-dddd"}).status_code == 409


def test_refused_requests_are_listed_newest_first_with_ip_user_request_id_and_the_refused_value(app, db, ids):
    _refusals(app, db, ids)
    admin = _signed_in(app, "admin", "10.0.0.1")
    home = admin.get("/admin/").get_data(as_text=True)
    assert f'href="{PAGE}"' in home  # in the administrators' navigation
    page = admin.get(PAGE)
    assert page.status_code == 200
    stale, not_found, forbidden = _rows(page.get_data(as_text=True))[:3]
    assert "10.1.2.3" in stale and "sifaju" in stale and "probe-409-dddd" in stale and "过期修改被拒" in stale
    assert f"POST {mark_url(ids, 'B1')}" in stale
    # the refused value is shown as text, never as markup
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;旧页面" in stale and "<script>alert" not in stale
    assert "10.4.5.6" in not_found and "xincheng" in not_found and "probe-404-bbbb" in not_found
    assert "访问他单位对象" in not_found and "refused-value" not in not_found  # nothing refused to keep
    assert "10.1.2.3" in forbidden and "probe-403-aaaa" in forbidden and "无权访问" in forbidden


def test_a_request_id_links_to_the_audit_events_of_that_request(app, db, ids):
    _refusals(app, db, ids)
    admin = _signed_in(app, "admin", "10.0.0.1")
    html = admin.get(PAGE).get_data(as_text=True)
    assert 'href="/admin/audit?request_id=probe-409-dddd"' in html
    # the refused save changed nothing; the save before it is in the log under its own request id
    assert 'class="audit-row"' not in admin.get("/admin/audit?request_id=probe-409-dddd").get_data(as_text=True)
    saved = admin.get("/admin/audit?request_id=save-ok-cccc").get_data(as_text=True)
    assert saved.count('class="audit-row"') == 1 and "新城镇 B1" in saved


def test_filters_by_kind_user_ip_and_date(app, db, ids):
    _refusals(app, db, ids)
    admin = _signed_in(app, "admin", "10.0.0.1")

    def rows(query: str) -> list[str]:
        response = admin.get(f"{PAGE}?{query}")
        assert response.status_code == 200, query
        return _rows(response.get_data(as_text=True))

    assert [("probe-404-bbbb" in r) for r in rows("kind=not_found")] == [True]
    assert len(rows("user=sifaju")) == 2 and not any("xincheng" in r for r in rows("user=sifaju"))
    assert len(rows("ip=10.4.5.6")) == 1 and len(rows("ip=10.9.9.9")) == 0
    today = datetime.now(UTC).date().isoformat()
    assert len(rows(f"since={today}&until={today}&user=sifaju&kind=forbidden")) == 1
    assert rows("until=2000-01-01") == []


def test_bad_filter_input_is_a_translated_message_not_an_error(app, db, ids):
    _refusals(app, db, ids)
    admin = _signed_in(app, "admin", "10.0.0.1")
    for query, message in (("kind=everything", "“everything”不是可筛选的类别"),
                           ("ip=10.1.2.300", "“10.1.2.300”不是 IP 地址"), ("since=昨天", "“昨天”不是日期"),
                           ("before=abc", "分页参数有误"), (f"after={10**30}", "分页参数有误"),
                           (f"user={'x' * 100}", "用户名过长")):
        response = admin.get(f"{PAGE}?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message in body and not _rows(body), query
    english = _signed_in(app, "admin", "10.0.0.2")
    english.post("/lang/en", data={"next": "/"})
    assert "is not an IP address" in english.get(f"{PAGE}?ip=nonsense").get_data(as_text=True)


def test_the_events_come_in_pages_of_older_and_newer_ones(app, db, ids, monkeypatch):
    from web.admin import security

    monkeypatch.setattr(security, "PER_PAGE", 3)
    for n in range(7):  # seven refusals from one reviewer, each with its own request id
        client = _signed_in(app, "sifaju", f"10.7.0.{n}")
        assert client.get("/admin/", headers={"X-Request-ID": f"page-probe-{n}"}).status_code == 403
    admin = _signed_in(app, "admin", "10.0.0.1")

    def visit(url: str) -> tuple[list[int], dict]:
        html = admin.get(url).get_data(as_text=True)
        seen = [int(n) for n in re.findall(r"page-probe-(\d)</code>", html)]
        links = {rel: href.replace("&amp;", "&") for href, rel in re.findall(r'href="([^"]+)" rel="(next|prev)"', html)}
        return seen, links

    first, links = visit(f"{PAGE}?user=sifaju")
    assert first == [6, 5, 4] and "prev" not in links
    second, links = visit(links["next"])
    assert second == [3, 2, 1] and "user=sifaju" in links["next"]
    third, last_links = visit(links["next"])
    assert third == [0] and "next" not in last_links
    back, links = visit(last_links["prev"])
    assert back == [3, 2, 1]
    assert visit(links["prev"])[0] == [6, 5, 4]
