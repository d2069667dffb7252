"""Evidence coverage: per town and item supported, weak or missing, from the matcher;
the administrator sees every town, a town sees its own while it can still add material."""

from __future__ import annotations

from scoring.evidence.match import EVIDENCE_STATES
from scoring.store.models import Assessment


def open_submission(db, ids) -> None:
    db.get(Assessment, ids["scoring"]).phase = "submission"
    db.commit()


def test_the_administrator_sees_every_towns_coverage_of_every_item(client, auth, ids):
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['scoring']}/coverage").get_data(as_text=True)
    assert all(town in page for town in ids["towns"])
    assert page.count('data-role="coverage"') == len(ids["towns"]) * page.count("<tr><td>")
    assert 'data-flag="missing"' in page and 'data-flag="supported"' in page


def test_one_towns_coverage_names_the_best_passage_of_a_supported_item(client, auth, ids):
    auth.login("admin")
    page = client.get(f"/admin/assessments/{ids['scoring']}/coverage",
                      query_string={"town": ids["towns"]["东港镇"]}).get_data(as_text=True)
    supported = page.split('data-flag="supported"', 1)[1].split("</tr>", 1)[0]
    assert "东港镇2025年" in supported and "<mark>" in supported
    missing = page.split('data-flag="missing"', 1)[1].split("</tr>", 1)[0]
    assert "材料缺失" in missing and "未找到与本项相关的材料" in missing


def test_a_town_sees_its_coverage_while_evidence_is_open_and_not_after(client, auth, ids, db):
    auth.login("xincheng")
    url = f"/town/{ids['scoring']}/coverage"
    assert client.get(url).status_code == 404  # scoring: too late to add material
    open_submission(db, ids)
    page = client.get(url).get_data(as_text=True)
    assert "材料覆盖情况" in page and 'id="cov-A1"' in page
    assert "东港镇" not in page  # only its own evidence
    assert url in client.get("/town/").get_data(as_text=True)


def test_reviewers_see_the_same_flag_on_their_sheet(client, auth, ids):
    auth.login("admin")
    admin = client.get(f"/admin/assessments/{ids['scoring']}/coverage",
                       query_string={"town": ids["towns"]["东港镇"]}).get_data(as_text=True)
    flag = admin.split('<tr id="cov-A1" data-flag="', 1)[1].split('"', 1)[0]
    auth.login("sifaju")
    sheet = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['东港镇']}").get_data(as_text=True)
    a1 = sheet.split('id="item-A1"', 1)[1].split("</h3>", 1)[0]
    assert f'data-flag="{flag}"' in a1


def test_other_roles_cannot_see_the_administrators_coverage(client, auth, ids):
    auth.login("sifaju")
    assert client.get(f"/admin/assessments/{ids['scoring']}/coverage").status_code == 403


def test_each_evidence_state_has_one_name_on_the_coverage_view_the_sheet_and_the_town_page(client, auth, ids, db):
    names = {flag: str(label) for flag, label in EVIDENCE_STATES.items()}
    assert names == {"supported": "有材料", "weak": "材料不足", "missing": "材料缺失"}
    auth.login("admin")
    admin = client.get(f"/admin/assessments/{ids['scoring']}/coverage",
                       query_string={"town": ids["towns"]["东港镇"]}).get_data(as_text=True)
    for flag, name in names.items():
        assert f'data-count="{flag}">{name} ' in admin  # the counts above the table
    flag = admin.split('<tr id="cov-A1" data-flag="', 1)[1].split('"', 1)[0]
    auth.login("sifaju")
    sheet = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['东港镇']}").get_data(as_text=True)
    a1 = sheet.split('id="item-A1"', 1)[1].split("</h3>", 1)[0]
    assert f'data-flag="{flag}">{names[flag]}</span>' in a1
    auth.login("xincheng")
    open_submission(db, ids)
    town = client.get(f"/town/{ids['scoring']}/coverage").get_data(as_text=True)
    assert f"标为“{names['missing']}”或“{names['weak']}”的项目" in town
    for page in (admin, sheet, town):
        assert not any(old in page for old in ("有佐证", "佐证不足", "材料较弱"))
