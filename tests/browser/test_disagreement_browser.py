"""A disagreement resolved in real Chromium: the administrator opens the queue from the
assessment page, chooses one reviewer's mark with a reason, and the item leaves the queue."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from scoring.services.disagreements import disagreement_queue
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser
PORTS = range(18250, 18260)  # this test's own ports


@pytest.fixture
def panel_url(app):
    for port in PORTS:
        try:
            server = make_server("127.0.0.1", port, app, threaded=True)
            break
        except OSError:
            continue
    else:
        pytest.skip("no free port in 18250-18259")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join()


def test_an_administrator_resolves_a_disagreement_and_it_leaves_the_queue(browser, panel_url, ids, db):
    queue = disagreement_queue(db, ids["scoring"])
    db.rollback()
    first = queue[0]
    lowest = next(m for m in first.marks if m.points == first.lowest)
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, panel_url, "admin")
    page.goto(f"{panel_url}/admin/assessments/{ids['scoring']}")
    assert f"{len(queue)} 项评分分歧待裁定" in page.locator("#blockers").inner_text()
    page.click(f"text=评分分歧（{len(queue)}）")
    article = page.locator(f"#d-{first.town_id}-{first.item_id}")
    assert first.town in article.inner_text() and lowest.reviewer in article.inner_text()
    article.locator(f'input[value="reviewer:{lowest.reviewer_id}"]').check()
    article.locator('textarea[name="reason"]').fill("台账不完整，采用较低评分")
    article.locator("button.primary").click()
    body = page.locator("main").inner_text()
    assert "分歧已裁定" in body and f"待裁定（{len(queue) - 1}）" in body
    assert page.locator(f"#d-{first.town_id}-{first.item_id}").count() == 0
    resolved = page.locator("#resolved").inner_text()
    assert "台账不完整，采用较低评分" in resolved and lowest.reviewer in resolved
    page.goto(f"{panel_url}/admin/assessments/{ids['scoring']}")
    assert f"{len(queue) - 1} 项评分分歧待裁定" in page.locator("#blockers").inner_text()
    page.context.close()
