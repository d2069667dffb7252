"""In real Chromium, the English UI: autosave states come from the translated data-msg texts."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_autosave_states_are_english_in_the_english_ui(page, live_url, ids):
    sign_in(page, live_url, "sifaju")
    page.locator("form[action^='/lang/en'] button").click()
    page.goto(f"{live_url}/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")
    c4 = page.locator("#item-C4")
    c4.locator('input[name="level"]').nth(1).check()
    c4.locator("textarea").fill("Three contracts without a review opinion")
    state = c4.locator('[data-role="save-state"]')
    state.filter(has_text="Saved").wait_for()
    assert "已保存" not in state.inner_text()
    assert c4.locator('[data-role="status"]').inner_text() in {"Scored", "Draft"}
