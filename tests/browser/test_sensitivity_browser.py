"""In real Chromium: the administrator's page answers before the ranking's sensitivity is
computed, then puts the flags in place by itself, keeping what was typed on the page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_flags_arrive_without_a_reload_and_typed_text_is_kept(page, live_url, ids):
    sign_in(page, live_url, "admin")
    served = page.goto(f"{live_url}/admin/assessments/{ids['released']}").text()  # released: shown unasked
    assert 'id="sensitivity-pending"' in served and 'class="flash error sensitive"' not in served
    page.fill('input[name="deadline-grace_hours"]', "48")  # half-typed, not submitted
    page.locator("#ranking-table .sensitive").first.wait_for()  # polled in, no navigation
    assert page.locator("#sensitivity-pending").count() == 0
    row = page.locator("#ranking-table tr", has_text="青山镇")
    assert "去掉评分人 政务服务办 李审核：名次 2 → 5，等次 优秀 → 良好" in row.inner_text()
    assert page.input_value('input[name="deadline-grace_hours"]') == "48"
