"""After a rubric change mid-assessment, a reviewer's mark given under the older version of a
changed item says on the sheet that it no longer counts, and the dashboard counts them."""

from __future__ import annotations

import re

from scoring.rubric.load import dump_rubric
from scoring.services import rubric_change
from scoring.store import operations, queries
from scoring.store.audit import Actor
from tests.web.test_review import mark_url, version_of

TOWN = "新城镇"


def _change_a1(db, ids) -> list:
    """A next rubric version where A1's deduction for 未明确分管领导 weighs 0.5 instead of 1, applied."""
    aid = ids["scoring"]
    rubric = queries.assessment_rubric(db, aid)
    data = rubric.model_dump(mode="python")
    a1 = next(i for c in data["categories"] for i in c["items"] if i["id"] == "A1")
    next(r for r in a1["method"]["rules"] if r["id"] == "A1-lead")["amount"] = 0.5
    admin = Actor(ids["users"]["admin"], "admin")
    row = operations.save_rubric_version(db, admin, dump_rubric(type(rubric).model_validate(data)),
                                         file_name="next.yaml", note="A1 扣分调整")
    listed = rubric_change.apply(db, admin, aid, row.id, "细则修订：A1 扣分调整")
    db.rollback()
    return listed


def _item_section(page: str, item: str) -> str:
    match = re.search(rf'<section class="item card" id="item-{item}".*?</section>', page, re.S)
    assert match, item
    return match[0]


def test_a_mark_left_behind_by_a_rubric_change_says_so_and_counts_again_once_rescored(client, auth, ids, db):
    a, town = ids["scoring"], ids["towns"][TOWN]
    auth.login("sifaju")
    before = client.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    scored_before = int(re.search(r'id="scored-count">(\d+)<', before)[1])
    assert "rescore-notice" not in before and 'id="rescore-total"' not in client.get("/review/").get_data(as_text=True)

    listed = _change_a1(db, ids)
    mine = [m for m in listed if m.reviewer == "sifaju"]
    assert {m.item for m in listed} == {"A1"} and any(m.town == TOWN for m in mine)

    page = client.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    a1, a2 = _item_section(page, "A1"), _item_section(page, "A2")
    assert "本项细则已修改，不再计分" in a1 and "请按现行细则重新评分" in a1
    assert f"第 {mine[0].rubric_version} 版细则" in a1
    assert 'data-state="rescore"' in a1 and "需重新评分" in a1
    assert "rescore-notice" not in a2  # an unchanged item's mark carried over and still counts
    assert int(re.search(r'id="scored-count">(\d+)<', page)[1]) == scored_before - 1
    dashboard = client.get("/review/").get_data(as_text=True)
    assert f"细则修改后需重新评分：{len(mine)} 项" in dashboard
    section = dashboard.split(f'id="assessment-{a}"')[1].split("</section>")[0]
    row = next(r for r in section.split("<tr>") if f"{TOWN}</td>" in r)
    assert "需重新评分 1 项" in row

    saved = client.post(mark_url(ids, "A1"), json={"version": version_of(db, ids, "A1"), "fields": {
        "ded-0-rule": "A1-lead", "ded-0-count": "1", "ded-0-reason": "按新细则重新评分"}})
    assert saved.status_code == 200 and saved.get_json()["complete"] and not saved.get_json()["draft"]
    page = client.get(f"/review/{a}/towns/{town}").get_data(as_text=True)
    assert "rescore-notice" not in page and int(re.search(r'id="scored-count">(\d+)<', page)[1]) == scored_before
    dashboard = client.get("/review/").get_data(as_text=True)
    assert (f"细则修改后需重新评分：{len(mine) - 1} 项" in dashboard) if len(mine) > 1 else \
        'id="rescore-total"' not in dashboard
    db.rollback()
    assert "sifaju" in {m.reviewer for m in queries.complete_marks(db, a, town) if m.item == "A1"}  # counts again


def test_the_notice_is_translated(client, auth, ids, db):
    _change_a1(db, ids)
    auth.login("sifaju")
    client.post("/lang/en", data={"next": "/"})
    page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns'][TOWN]}").get_data(as_text=True)
    assert "no longer counts" in _item_section(page, "A1")
    assert "to re-score" in client.get("/review/").get_data(as_text=True)
