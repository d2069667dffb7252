"""What users do, in real Chromium: a reviewer scores and finds every mark after reload;
a town leader sees only their own released scorecard."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def item(page, item_id: str):
    return page.locator(f"#item-{item_id}")


def test_a_reviewer_scores_items_reloads_and_finds_every_mark(page, live_url, ids):
    sign_in(page, live_url, "sifaju")
    page.click(f'a[href="/review/{ids["scoring"]}/towns/{ids["towns"]["新城镇"]}"]')
    assert page.locator("#town-total").count() == 0  # no town total for reviewers
    assert page.locator("#scored-count").inner_text()
    a1 = item(page, "A1")
    a1.locator('input[name="ded-0-count"]').fill("1")
    a1.locator('input[name="ded-0-reason"]').fill("未见领导小组调整文件")
    page.locator(".passage", has_text="成立依法行政工作领导小组").first.click()
    a1.locator('[data-role="cite-button"]').first.click()
    a1.locator('[data-role="save-state"]').filter(has_text="已保存").wait_for()
    assert a1.locator('[data-role="points"]').inner_text() == "1"

    c4 = item(page, "C4")
    c4.locator('input[name="level"]').nth(1).check()
    c4.locator("textarea").fill("台账有遗漏：3份合同未见审查意见")
    c4.locator('[data-role="save-state"]').filter(has_text="已保存").wait_for()

    page.reload()
    a1 = item(page, "A1")
    assert a1.locator('input[name="ded-0-count"]').input_value() == "1"
    assert a1.locator('input[name="ded-0-reason"]').input_value() == "未见领导小组调整文件"
    assert "成立依法行政工作领导小组" in a1.locator('[data-role="cite-quote"]').first.inner_text()
    c4 = item(page, "C4")
    assert c4.locator('input[name="level"]').nth(1).is_checked()
    assert c4.locator("textarea").input_value() == "台账有遗漏：3份合同未见审查意见"


def test_text_typed_just_before_a_reload_or_during_a_failed_save_is_not_lost(page, live_url, ids):
    sign_in(page, live_url, "sifaju")
    page.goto(f"{live_url}/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")
    b2 = item(page, "B2")
    page.route("**/mark", lambda route: route.abort())  # the network fails
    b2.locator("textarea").fill("考试成绩汇总表待补充")
    b2.locator('[data-role="save-state"]').filter(has_text="保存失败").wait_for()
    page.unroute("**/mark")
    page.reload()  # the failed text comes back from the browser's storage and is saved
    b2 = item(page, "B2")
    assert b2.locator("textarea").input_value() == "考试成绩汇总表待补充"
    b2.locator('[data-role="save-state"]').filter(has_text="已保存").wait_for()
    page.reload()
    assert item(page, "B2").locator("textarea").input_value() == "考试成绩汇总表待补充"


def test_a_town_leader_sees_only_their_own_released_scorecard(page, live_url, ids):
    sign_in(page, live_url, "xincheng")
    page.click("text=查看考核结果通报")
    body = page.locator("main").inner_text()
    assert "新城镇" in body and "总得分" in body and "名" in body
    assert "东港镇" not in body
    page.goto(f"{live_url}/town/{ids['scoring']}/scorecard")
    body = page.locator("main").inner_text()
    assert "考核结果尚未发布" in body and "得分" not in body
    response = page.goto(f"{live_url}/admin/")
    assert response.status == 403


@pytest.mark.parametrize("width", [1280, 768])
def test_the_scoring_page_fits_a_desktop_and_a_tablet_without_sideways_scrolling(browser, live_url, ids, width):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 1000})
    page = context.new_page()
    sign_in(page, live_url, "sifaju")
    page.goto(f"{live_url}/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.locator("#item-A1 input[name='ded-0-count']").is_visible()
    context.close()
