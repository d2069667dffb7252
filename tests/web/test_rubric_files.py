"""Rubric files through the admin pages: encodings, alias bombs, duplicate keys, translated
problems, and rubrics too large for the structured editor."""

from __future__ import annotations

import re

from tests.web.test_rubrics import (
    RUBRICS,
    admin,
    latest_id,
    text_of,
    upload,
    version_count,
    versions,
)

__all__ = ["admin"]  # the fixture, shared with test_rubrics

MINIMAL = (RUBRICS / "minimal.yaml").read_text(encoding="utf-8")
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(6))


def big_rubric(categories: int, per: int) -> str:
    """A valid rubric of ``categories`` × ``per`` deduct items, each with two rules."""
    lines = ["id: big", "version: 1", "title: 大型考核细则", "year: 2025", "issuer: 区委依法治区办",
             f"total_points: {categories * per}", "grades:", "  - {name: 优秀, min_total: 90}",
             "  - {name: 不合格, min_total: 0}", "categories:"]
    for c in range(categories):
        lines += [f"  - id: C{c}", f"    title: 指标{c}", f"    points: {per}", "    items:"]
        lines += [f"      - {{id: C{c}-{i}, title: 项目{i}, max_points: 1, criteria: 按要求完成, department: 区司法局,"
                  f" method: {{kind: deduct, rules: [{{id: C{c}-{i}-a, reason: 未落实, amount: 0.5}},"
                  f" {{id: C{c}-{i}-b, reason: 每少一次, amount: 0.2}}]}}}}" for i in range(per)]
    return "\n".join(lines) + "\n"


def test_a_gb18030_rubric_file_is_accepted_and_stored_as_text(admin, db):
    response = upload(admin, MINIMAL.encode("gb18030"), name="minimal.yaml")

    assert response.status_code == 302, text_of(response)
    assert versions(db)[-1] == ("mini", 1)
    assert admin.get(f"/admin/rubrics/{latest_id(db, 'mini')}/download").data == MINIMAL.encode("utf-8")


def test_an_alias_bomb_is_refused_and_nothing_saved(admin, db):
    response = upload(admin, BOMB)

    assert response.status_code == 400
    assert "第 1 行 → 细则中不能使用 YAML 锚点和别名" in text_of(response)
    assert version_count(db) == 1


def test_a_duplicate_key_is_refused_naming_its_line_and_object(admin, db):
    text = MINIMAL.replace("        title: 领导学法\n", "        title: 领导学法\n        title: 学法\n", 1)

    response = upload(admin, text, name="minimal.yaml")

    assert response.status_code == 400
    assert "第 21 行 → 一级指标 A → 考核项目 A1 → title: 字段重复（第 20 行已有）" in text_of(response)
    assert version_count(db) == 1


def test_problems_are_shown_in_the_readers_language(admin, db):
    admin.post("/lang/en", data={"next": "/admin/rubrics/upload"})

    response = upload(admin, (RUBRICS / "broken" / "several-problems.yaml").read_bytes(), name="x.yaml")

    assert response.status_code == 400
    page = text_of(response)
    assert "一级指标 A → points: Items sum to 6.5 points, the category says 6" in page
    assert "weight: Unknown field (check its spelling)" in page
    assert "各考核项目分值合计" not in page


def test_the_structured_editor_shows_translated_messages_at_the_inputs(admin, db):
    from tests.web.test_rubrics import editor_fields, name_of

    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)
    a1, a = name_of(fields, "id", "A1"), name_of(fields, "id", "A")
    admin.post("/lang/en", data={"next": "/admin/"})

    response = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, f"{a1}-max_points": "4", "note": "x"})

    assert response.status_code == 400
    assert re.search(rf'id="err-{a}-points"[^>]*>Items sum to 13 points, the category says 12<',
                     response.get_data(as_text=True))


def test_a_rubric_too_large_for_the_structured_editor_is_edited_in_the_yaml_view(admin, db):
    assert upload(admin, big_rubric(20, 20), name="big.yaml").status_code == 302  # 20 + 400 + 800 objects
    big = latest_id(db, "big")

    opened = admin.get(f"/admin/rubrics/{big}/edit")
    posted = admin.post(f"/admin/rubrics/{big}/edit", data={"base_version": "1", "note": "x", "title": "改"})

    assert opened.status_code == posted.status_code == 303
    assert opened.headers["Location"] == f"/admin/rubrics/{big}/edit/yaml"
    page = admin.get(opened.headers["Location"])
    assert page.status_code == 200
    assert "超过结构化编辑的上限 600 个；请在 YAML 视图中编辑" in text_of(page)
    assert len(page.get_data()) < 1024 * 1024  # the YAML text, not megabytes of inputs
    assert versions(db)[-1] == ("big", 1)  # the post saved nothing
