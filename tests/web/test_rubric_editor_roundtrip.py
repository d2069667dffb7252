"""The structured editor writes only what was changed into the YAML it was opened on."""

from __future__ import annotations

import html
import re
from decimal import Decimal

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


# ---- the tie-break chain in words, quotas in percent, the YAML view ------------------------


def _select_options(page: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, visible text, selected) of each option of the select named ``name``."""
    block = re.search(rf'<select name="{re.escape(name)}">(.*?)</select>', page, re.S)
    assert block, name
    return [(html.unescape(v), html.unescape(re.sub(r"\s+", " ", t)).strip(), bool(sel))
            for v, sel, t in re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', block[1], re.S)]


def test_the_tie_break_chain_is_chosen_in_words_one_step_per_select(admin, db):
    page = admin.get(f"/admin/rubrics/{latest_id(db)}/edit").get_data(as_text=True)
    assert 'name="tie_break"' not in page  # no typed codes any more
    first = _select_options(page, "t0-step")
    texts = {text for _, text, _ in first}
    assert {"总分", "一级指标 A 得分高者优先", "一票否决情形少者优先", "扣分次数少者优先", "（不再比较）"} <= texts
    assert [text for _, text, selected in first if selected] == ["总分"]
    fields = editor_fields(admin, latest_id(db))
    steps = sorted(k for k in fields if re.fullmatch(r"t\d+-step", k))
    chosen = [fields[k] for k in steps if fields[k]]
    fields.update({k: "" for k in steps})
    fields.update({steps[0]: "total", steps[1]: "fewer_deductions", steps[2]: "category:B",
                   "note": "同分时先比扣分次数"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    saved = _rubric(db)
    assert saved.tie_break == ["total", "fewer_deductions", "category:B"] != chosen
    shown = text_of(admin.get(response.headers["Location"]))
    assert "总分 → 扣分次数少者优先 → 一级指标 B 得分高者优先" in shown


def test_a_tie_break_chain_not_starting_with_the_total_is_refused_at_the_chain(admin, db):
    fields = editor_fields(admin, latest_id(db))
    fields.update({"t0-step": "fewer_deductions", "note": "错误的排序"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="err-tie_break"' in page and versions(db) == [(KEY, 1)]


def test_a_quota_is_entered_and_shown_as_a_percentage(admin, db):
    fields = editor_fields(admin, latest_id(db))
    grade = name_of(fields, "name", "优秀")
    assert fields[f"{grade}-quota"] == "30"  # the rubric holds 0.3
    page = admin.get(f"/admin/rubrics/{latest_id(db)}/edit").get_data(as_text=True)
    assert re.search(rf'name="{grade}-quota" value="30"[^>]*><span class="unit">%</span>', page)
    fields.update({f"{grade}-quota": "25", "note": "优秀名额调为25%"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    assert _rubric(db).grades[0].quota == Decimal("0.25")
    assert "  - {name: 优秀, min_total: 90, quota: 0.25}" in _stored_text(admin, db).splitlines()
    assert "不超过参评单位的 25%" in text_of(admin.get(response.headers["Location"]))
    again = editor_fields(admin, latest_id(db))
    assert again[f"{grade}-quota"] == "25"


def test_a_quota_over_100_percent_is_refused_at_its_input(admin, db):
    fields = editor_fields(admin, latest_id(db))
    grade = name_of(fields, "name", "优秀")
    fields.update({f"{grade}-quota": "150", "note": "过大"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 400 and versions(db) == [(KEY, 1)]
    assert f'id="err-{grade}-quota"' in response.get_data(as_text=True)


def test_the_yaml_view_numbers_every_line_in_a_fixed_width_font_without_inline_styles(admin, db):
    text = _stored_text(admin, db)
    page = admin.get(f"/admin/rubrics/{latest_id(db)}/edit/yaml").get_data(as_text=True)
    numbers = re.search(r'<pre class="line-numbers" aria-hidden="true">(.*?)</pre>', page, re.S)
    assert numbers, "line numbers rendered by the server"
    lines = len(text.split("\n"))
    assert numbers[1].split() == [str(n) for n in range(1, lines + 6)]
    area = re.search(r'<textarea name="yaml_text" rows="(\d+)" wrap="off"[^>]*class="yaml">', page)
    assert area and int(area[1]) == lines + 5  # as tall as the numbers: each stays beside its line
    assert "style=" not in page
    assert 'href="/static/css/app.css' in page
    css = (DEFAULT.parents[1] / "web" / "static" / "css" / "app.css").read_text(encoding="utf-8")
    rule = re.search(r"\.yaml-editor \.line-numbers, \.yaml-editor textarea\.yaml \{(.*?)\}", css, re.S)
    assert rule and "monospace" in rule[1] and "line-height" in rule[1]


def _rubric(db):
    from scoring.store import queries
    db.rollback()
    return queries.rubric_of_version(db, latest_id(db))
