"""The structured editor writes only what was changed into the YAML it was opened on."""

from __future__ import annotations

from scoring.rubric.diff import yaml_diff
from tests.web.test_rubrics import (
    DEFAULT,
    KEY,
    admin,
    editor_fields,
    latest_id,
    name_of,
    text_of,
    versions,
)

__all__ = ["admin"]  # the fixture, shared with test_rubrics


def _stored_text(admin, db) -> str:
    return admin.get(f"/admin/rubrics/{latest_id(db)}/download").get_data(as_text=True)


def test_a_form_edit_keeps_every_comment_and_the_diff_is_only_that_change(admin, db):
    original = _stored_text(admin, db)
    assert original == DEFAULT.read_text(encoding="utf-8")
    comments = [line for line in original.splitlines() if "#" in line]
    assert len(comments) > 50
    fields = editor_fields(admin, latest_id(db))
    a1 = name_of(fields, "id", "A1")
    fields.update({f"{a1}-title": "法治建设领导小组", "note": "A1 改名"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    assert versions(db)[-1] == (KEY, 2)
    saved = _stored_text(admin, db)
    assert [line for line in saved.splitlines() if "#" in line] == comments
    changed = [line for line in yaml_diff(original, saved, context=0)
               if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert changed == ["-version: 1", "+version: 2",
                       "-        title: 法治建设领导机构", "+        title: 法治建设领导小组"]
    page = text_of(admin.get(response.headers["Location"]))
    assert "一级指标 A → 考核项目 A1 → title: 法治建设领导机构 → 法治建设领导小组" in page


def test_a_deleted_row_takes_only_its_own_lines_and_later_rows_keep_their_comments(admin, db):
    original = _stored_text(admin, db)
    fields = editor_fields(admin, latest_id(db))
    grade = name_of(fields, "name", "优秀")
    fields.update({f"{grade}-quota": "", "note": "取消优秀名额"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    saved = _stored_text(admin, db)
    removed = [line for line in yaml_diff(original, saved, context=0) if line.startswith("-") and "quota" in line]
    assert removed == ["-  - {name: 优秀, min_total: 90, quota: 0.3}"]
    assert "  - {name: 优秀, min_total: 90}" in saved.splitlines()
    assert [line for line in saved.splitlines() if "#" in line] == \
        [line for line in original.splitlines() if "#" in line]
