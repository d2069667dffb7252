"""An appeal end to end in real Chromium: the town files it, an administrator adjusts the mark,
the town's scorecard states the outcome."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scoring.store.models import MarkRow
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_town_appeals_a_mark_and_reads_the_adjusted_outcome_on_its_scorecard(browser, live_url, ids, db, tmp_path):
    mark = next(r for r in db.execute(select(MarkRow).where(
        MarkRow.assessment_id == ids["released"], MarkRow.town_id == ids["towns"]["新城镇"],
        MarkRow.reviewer_id == ids["users"]["zhengwu"], MarkRow.complete.is_(True))).scalars()
        if r.inputs.get("deductions"))
    db.rollback()
    attachment = tmp_path / "会议纪要.txt"
    attachment.write_text("补充的会议纪要", encoding="utf-8")

    town = browser.new_context(locale="zh-CN").new_page()
    sign_in(town, live_url, "xincheng")
    town.click("text=申诉")
    town.select_option('select[name="mark_id"]', str(mark.id))
    town.fill('textarea[name="reason"]', "会议纪要已补充，见附件")
    town.set_input_files('input[name="attachment"]', str(attachment))
    town.click("text=提交申诉")
    assert "受理中" in town.locator("main").inner_text()

    admin = browser.new_context(locale="zh-CN").new_page()
    sign_in(admin, live_url, "admin")
    admin.goto(f"{live_url}/admin/assessments/{ids['released']}/appeals")
    form = admin.locator("article.appeal form.decision").first  # after the routing form
    form.locator('input[value="adjust"]').check()
    for count in form.locator('input[name$="-count"]').all():
        count.fill("0")
    form.locator('textarea[name="reply"]').fill("材料属实，不再扣分")
    form.locator("button.primary").click()
    assert "申诉已处理" in admin.locator("main").inner_text()

    town.goto(f"{live_url}/town/{ids['released']}/scorecard")
    body = town.locator("main").inner_text()
    assert "复核结果：调整评分" in body and "材料属实，不再扣分" in body
    town.context.close()
    admin.context.close()
