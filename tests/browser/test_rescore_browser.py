"""In real Chromium: a mark left behind by a rubric change says so, and saving it anew under
the current rubric takes the notice away and counts it again, without a reload."""

from __future__ import annotations

import pytest

from tests.browser.test_workbench import open_town
from tests.web.test_rescore_notice import _change_a1

pytestmark = pytest.mark.browser


def test_rescoring_a_mark_left_behind_by_a_rubric_change_clears_its_notice(browser, live_url, ids, db):
    _change_a1(db, ids)
    context, page = open_town(browser, live_url, ids, 1366, 768, town="新城镇")
    item = page.locator("#item-A1")
    assert "不再计分" in item.locator('[data-role="rescore"]').inner_text()
    assert item.locator('[data-role="status"]').get_attribute("data-state") == "rescore"
    scored = int(page.locator("#scored-count").inner_text())
    count = item.locator('input[data-role="count"]').first
    count.fill(str(int(count.input_value() or 0) % 1 + 1))  # a real change: 1 deduction
    item.locator('[data-role="status"][data-state="scored"]').wait_for()
    assert item.locator('[data-role="rescore"]').count() == 0
    page.wait_for_function("n => document.querySelector('#scored-count').innerText === String(n)", arg=scored + 1)
    page.reload()  # what the server kept: counting again
    assert page.locator("#item-A1 [data-role='rescore']").count() == 0
    context.close()
