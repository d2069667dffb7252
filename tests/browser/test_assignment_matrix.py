"""The assignment matrix in real Chromium: a row at once, a column at once, loads after saving."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_assigns_a_whole_row_and_a_whole_column(page, live_url, ids):
    sign_in(page, live_url, "admin")
    page.goto(f"{live_url}/admin/assessments/{ids['scoring']}/assignments")
    zhengwu, sifaju = ids["users"]["zhengwu"], ids["users"]["sifaju"]
    columns = page.locator("#matrix thead th.col").count()
    assert columns > 30
    # the first column stays in view when the matrix scrolls sideways
    page.locator(".matrix-wrap").evaluate("el => el.scrollLeft = 2000")
    name = page.locator(f'tr[data-reviewer="{zhengwu}"] th.sticky')
    assert name.bounding_box()["x"] < 60

    page.click(f'button.bulk[data-row="{zhengwu}"]')  # every item for 政务服务办
    assert page.locator(f'input[data-row="{zhengwu}"]:checked').count() == columns
    page.click('button.bulk[data-col="A1"]')  # A1: all ticked already -> off for everyone
    assert page.locator('input[data-col="A1"]:checked').count() == 0
    page.click("#save-matrix")
    page.wait_for_load_state("networkidle")
    assert "评分分配已更新" in page.locator(".flash.ok").inner_text()
    assert page.locator(f"#load-{zhengwu}").inner_text() == str((columns - 1) * 8)
    assert not page.locator(f'input[name="cell"][value="{sifaju}|A1"]').is_checked()
    assert page.locator(f'input[name="cell"][value="{sifaju}|A2"]').is_checked()
