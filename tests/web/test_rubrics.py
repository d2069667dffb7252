"""Administrators' rubric pages: list, view with diff, download, upload, the editor.

Every save is a new version with a note and an audit event; nothing invalid or stale is
ever saved. The demo holds one rubric (town-rule-of-law-2025, version 1).
"""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from scoring.store.models import AuditEvent, RubricVersion

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "rubrics" / "town-rule-of-law-2025.yaml"
RUBRICS = ROOT / "tests" / "data" / "rubrics"
KEY = "town-rule-of-law-2025"
TITLE = "XX区2025年度乡镇（街道）法治政府建设考核评分细则"
A1_MAX = "      - id: A1\n        title: 法治建设领导机构\n        max_points: 3\n"
A4_MAX = "      - id: A4\n        title: 法治工作力量与经费保障\n        max_points: 2\n"


# ---- helpers ----------------------------------------------------------------------------


def versions(db) -> list[tuple[str, int]]:
    db.rollback()  # a fresh snapshot: the app committed in its own session
    return list(db.execute(select(RubricVersion.rubric_key, RubricVersion.version)
                           .order_by(RubricVersion.id)).all())


def version_count(db) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(RubricVersion)).scalar_one()


def latest_id(db, key: str = KEY) -> int:
    db.rollback()
    return db.execute(select(RubricVersion.id).where(RubricVersion.rubric_key == key)
                      .order_by(RubricVersion.version.desc()).limit(1)).scalar_one()


def text_of(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|template)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).replace(" :", ":")


def upload(client, text: str | bytes, *, name: str = "考核细则.yaml", note: str = "上传新版本"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    file = FileStorage(io.BytesIO(data), filename=name, content_type="application/yaml")
    body, length, boundary = stream_encode_multipart({"file": file, "note": note}, use_tempfile=False)
    return client.post("/admin/rubrics/upload", input_stream=body, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


class _FormFields(HTMLParser):
    """What a browser would submit from the structured editor's form (no button pressed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.in_template = 0
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self.in_template += 1
        if tag == "form" and "data-rubric-editor" in a:
            self.in_form = True
        if not self.in_form or self.in_template or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self.select, self.first_option = a["name"], None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
                self.fields.setdefault(self.select, self.first_option)
            if "selected" in a:
                self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        elif tag == "form":
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea and self.in_form and not self.in_template:
            self.fields[self.textarea] += data


def editor_fields(client, version_id: int) -> dict[str, str]:
    response = client.get(f"/admin/rubrics/{version_id}/edit")
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser.fields


def name_of(fields: dict[str, str], field: str, value: str) -> str:
    """The input prefix (``c0-i3``) whose ``field`` holds ``value``."""
    return next(name[: -len(field) - 1] for name, v in fields.items() if name.endswith("-" + field) and v == value)


@pytest.fixture
def admin(client, auth):
    auth.login("admin")
    return client


# ---- list, view, download -----------------------------------------------------------------


def test_admin_sees_every_version_newest_first_with_view_download_and_edit_links(admin, db):
    upload(admin, DEFAULT.read_text(encoding="utf-8").replace(A1_MAX, A1_MAX.replace("3", "4"))
           .replace(A4_MAX, A4_MAX.replace("2", "1")), note="调整A1、A4分值")
    new_id = latest_id(db)

    response = admin.get("/admin/rubrics/")

    assert response.status_code == 200
    page = text_of(response)
    assert page.index("v2") < page.index("v1")
    assert "调整A1、A4分值" in page and "默认考核细则" in page and "区依法治区办 管理员" in page
    body = response.get_data(as_text=True)
    for link in (f"/admin/rubrics/{new_id}", f"/admin/rubrics/{new_id}/download", f"/admin/rubrics/{new_id}/edit"):
        assert f'href="{link}"' in body


def test_a_version_is_shown_as_a_tree_with_points_methods_grades_bonus_and_vetoes(admin, db):
    response = admin.get(f"/admin/rubrics/{latest_id(db)}")

    assert response.status_code == 200
    page = text_of(response)
    assert "A 组织领导与责任落实 12 分" in page
    assert "A1 法治建设领导机构 3 分 扣分" in page
    assert "未成立或未及时调整法治政府建设（依法行政）工作领导小组：每次扣 2 分" in page
    assert "全年专题研究法治建设少于3次，每少一次：每次扣 1 分，最多扣 3 分" in page
    assert "档次" in page and "达标" in page and "比例" in page and "评议" in page
    assert "佐证材料： 成立或调整领导小组的文件 领导分工及承办科室明确文件" in page
    assert "责任单位： 区委依法治区办（区司法局）" in page
    assert "优秀 90 不超过参评单位的 30%" in page
    assert "同分排序：总分 → 一级指标 E 得分高者优先" in page
    assert "加分项" in page and "一票否决" in page
    assert "这是该细则的第一个版本" in page


def test_download_is_the_stored_yaml_byte_for_byte_with_a_chinese_file_name(admin, db):
    response = admin.get(f"/admin/rubrics/{latest_id(db)}/download")

    assert response.status_code == 200
    assert response.data == DEFAULT.read_bytes()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{KEY}-v1.yaml"; ')
    assert f"filename*=UTF-8''{quote(TITLE + '-v1.yaml', safe='')}" in disposition
    disposition.encode("ascii")  # the header itself is ASCII: the name travels percent-encoded
    assert response.headers["Content-Type"].startswith("application/yaml")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_version_is_404(admin):
    assert admin.get("/admin/rubrics/999").status_code == 404
    assert admin.get("/admin/rubrics/999/download").status_code == 404


# ---- upload ---------------------------------------------------------------------------------


def test_uploading_a_valid_file_saves_the_next_version_and_shows_its_diff(admin, db):
    text = DEFAULT.read_text(encoding="utf-8").replace(A1_MAX, A1_MAX.replace("3", "4")).replace(
        A4_MAX, A4_MAX.replace("2", "1"))

    response = upload(admin, text, note="调整A1、A4分值")

    assert response.status_code == 302
    assert versions(db) == [(KEY, 1), (KEY, 2)]
    page = text_of(admin.get(response.headers["Location"]))
    assert "已保存为 town-rule-of-law-2025 第 2 版" in page
    assert "与第 1 版相比的修改" in page
    assert "修改 一级指标 A → 考核项目 A1 → max_points: 3 → 4" in page
    assert "修改 一级指标 A → 考核项目 A4 → max_points: 2 → 1" in page
    assert admin.get(f"/admin/rubrics/{latest_id(db)}/download").data == text.encode("utf-8")


def test_uploading_a_new_rubric_starts_its_version_1(admin, db):
    response = upload(admin, (RUBRICS / "minimal.yaml").read_bytes(), name="minimal.yaml")

    assert response.status_code == 302
    assert versions(db) == [(KEY, 1), ("mini", 1)]


def test_uploading_a_broken_file_lists_every_problem_with_line_route_and_field_and_saves_nothing(admin, db):
    response = upload(admin, (RUBRICS / "broken" / "several-problems.yaml").read_bytes(), name="细则-有误.yaml")

    assert response.status_code == 400
    page = text_of(response)
    assert "未保存：发现 5 个问题" in page
    for expected in (
        "第 50 行 → 一级指标 B → 二级指标 B-g → 考核项目 B2 → weight: 未知字段（请检查拼写）",
        "第 32 行 → 一级指标 A → 考核项目 A1 → id: 编号 A1 重复",
        "第 11 行 → 等次 优秀 → quota: 名额比例 1.5 应大于 0 且不超过 1",
        "第 13 行 → 等次 合格 → min_total: 等次须按最低总分从高到低排列",
        "第 19 行 → 一级指标 A → points: 各考核项目分值合计 6.5 分，与一级指标分值 6 分不符",
    ):
        assert expected in page
    assert "细则-有误.yaml" in page
    assert version_count(db) == 1


def test_a_yaml_syntax_error_is_located_by_line(admin, db):
    response = upload(admin, (RUBRICS / "broken" / "yaml-syntax-error.yaml").read_bytes())

    assert response.status_code == 400
    assert "第 18 行 → YAML 语法错误：mapping values are not allowed" in text_of(response)
    assert version_count(db) == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"id: x\ntitle: a\x80b\n", "第 2 行 → 文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本"),
    (b"id: x\ntitle: a\x00b\n", "第 2 行 → 不允许的控制字符 U+0000"),
    (b"# " + b"x" * (1024 * 1024), "文件超过 1024 KB"),
])
def test_uploads_that_are_not_readable_text_or_too_large_are_refused(admin, db, content, message):
    response = upload(admin, content)

    assert response.status_code == 400
    assert message in text_of(response)
    assert version_count(db) == 1


def test_an_upload_needs_a_file_and_a_note(admin, db):
    no_file = admin.post("/admin/rubrics/upload", data={"note": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert "请选择要上传的 YAML 文件" in text_of(no_file)

    no_note = upload(admin, DEFAULT.read_bytes(), note="  ")
    assert no_note.status_code == 400
    assert "修订说明: 请填写修订说明" in text_of(no_note)
    assert version_count(db) == 1


# ---- structured editor ------------------------------------------------------------------------


@pytest.mark.parametrize("rubric", ["minimal", KEY])
def test_the_structured_editor_saved_unchanged_keeps_the_rubric(admin, db, rubric):
    """Every field of the rubric (groups, bonus, vetoes included) survives the form."""
    if rubric == "minimal":
        upload(admin, (RUBRICS / "minimal.yaml").read_bytes(), name="minimal.yaml")
        rubric = "mini"
    version_id = latest_id(db, rubric)
    fields = editor_fields(admin, version_id)

    response = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, "note": "原样保存"})

    assert response.status_code == 302, text_of(response)
    assert versions(db)[-1] == (rubric, 2)
    assert "内容没有变化" in text_of(admin.get(response.headers["Location"]))


def test_structured_edit_of_item_and_category_points_saves_a_new_version_with_that_diff(admin, db):
    fields = editor_fields(admin, latest_id(db))
    a1, a = name_of(fields, "id", "A1"), name_of(fields, "id", "A")
    assert fields[f"{a1}-max_points"] == "3" and fields[f"{a}-points"] == "12"
    fields.update({f"{a1}-max_points": "4", f"{a}-points": "13", "total_points": "101",
                   "note": "A1分值由3分调整为4分"})

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    assert versions(db) == [(KEY, 1), (KEY, 2)]
    page = text_of(admin.get(response.headers["Location"]))
    assert "已保存为第 2 版" in page
    assert "一级指标 A → 考核项目 A1 → max_points: 3 → 4" in page
    assert "一级指标 A → points: 12 → 13" in page
    assert "total_points: 100 → 101" in page


def test_structured_edit_that_breaks_the_sum_shows_the_error_at_the_category_points_and_saves_nothing(admin, db):
    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)
    a1, a = name_of(fields, "id", "A1"), name_of(fields, "id", "A")
    fields.update({f"{a1}-max_points": "4", "note": "只改了A1"})

    response = admin.post(f"/admin/rubrics/{version_id}/edit", data=fields)

    assert response.status_code == 400
    assert version_count(db) == 1
    body = response.get_data(as_text=True)
    at_input = re.search(rf'<input name="{a}-points" value="12"[^>]*aria-invalid="true"[^>]*>\s*'
                         rf'<span class="field-error" id="err-{a}-points"[^>]*>([^<]*)</span>', body)
    assert at_input, "the message is not next to the category's points input"
    assert at_input[1] == "各考核项目分值合计 13 分，与一级指标分值 12 分不符"
    assert f'href="#err-{a}-points"' in body  # and listed at the top, linked to the input
    assert "一级指标 A → points: 各考核项目分值合计 13 分，与一级指标分值 12 分不符" in text_of(response)
    assert f'name="{a1}-max_points" value="4"' in body  # what was typed is kept


def test_structured_errors_inside_rules_and_levels_land_at_their_inputs(admin, db):
    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)
    a1, rule = name_of(fields, "id", "A1"), name_of(fields, "id", "A1-group")

    too_much = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, f"{rule}-amount": "5", "note": "x"})
    missing = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, f"{a1}-department": "", "note": "x"})
    graded = name_of(fields, "method.kind", "levels")  # the first item scored by 档次
    not_a_number = admin.post(f"/admin/rubrics/{version_id}/edit",
                              data={**fields, f"{graded}-l0-points": "三分", "note": "x"})

    assert too_much.status_code == missing.status_code == not_a_number.status_code == 400
    assert re.search(rf'id="err-{graded}-l0-points"[^>]*>应为数字<',
                     not_a_number.get_data(as_text=True))
    assert re.search(rf'id="err-{rule}-amount"[^>]*>每次扣 5 分，超过本项目的 3 分<',
                     too_much.get_data(as_text=True))
    assert re.search(rf'id="err-{a1}-department"[^>]*>缺少必填字段<', missing.get_data(as_text=True))
    assert version_count(db) == 1


def test_the_note_is_required(admin, db):
    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)

    response = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, "note": ""})

    assert response.status_code == 400
    assert re.search(r'id="err-note"[^>]*>请填写修订说明', response.get_data(as_text=True))
    assert version_count(db) == 1


def test_items_are_added_and_removed_without_javascript(admin, db):
    """"Add" submits the form and returns it with an empty row; a ticked row is dropped on save."""
    upload(admin, (RUBRICS / "minimal.yaml").read_bytes(), name="minimal.yaml")
    mini = latest_id(db, "mini")
    fields = editor_fields(admin, mini)
    b = name_of(fields, "id", "B-g")  # the group of category B

    added = admin.post(f"/admin/rubrics/{mini}/edit", data={**fields, "add": f"{b}-i"})

    assert added.status_code == 200
    assert version_count(db) == 2  # nothing saved by adding a row
    parser = _FormFields()
    parser.feed(added.get_data(as_text=True))
    fields = parser.fields
    new = f"{b}-i3"
    assert fields[f"{new}-id"] == "" and fields[f"{new}-method.kind"] == "deduct"
    b3 = name_of(fields, "id", "B3")
    fields.update({f"{new}-id": "B4", f"{new}-title": "新增项目", f"{new}-max_points": "1",
                   f"{new}-method.kind": "binary", f"{new}-criteria": "按时完成",
                   f"{new}-department": "区司法局", f"{b3}-delete": "1", "note": "以B4替换B3"})

    response = admin.post(f"/admin/rubrics/{mini}/edit", data=fields)

    assert response.status_code == 302, text_of(response)
    page = text_of(admin.get(response.headers["Location"]))
    assert "删除 一级指标 B → 二级指标 B-g → 考核项目 B3（履职）" in page
    assert "新增 一级指标 B → 二级指标 B-g → 考核项目 B4（新增项目）" in page


def test_changing_an_items_method_without_javascript_asks_for_the_new_methods_inputs(admin, db):
    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)
    a1 = name_of(fields, "id", "A1")
    fields.update({f"{a1}-method.kind": "levels", "note": "A1改为档次计分"})

    first = admin.post(f"/admin/rubrics/{version_id}/edit", data=fields)

    assert first.status_code == 400
    body = first.get_data(as_text=True)
    assert re.search(rf'id="err-{a1}-method.levels"[^>]*>至少需要 2 项', body)
    assert f'name="{a1}-l0-name"' in body and f'name="{a1}-l1-name"' in body
    parser = _FormFields()
    parser.feed(body)
    fields = parser.fields
    fields.update({f"{a1}-l0-name": "好", f"{a1}-l0-points": "3", f"{a1}-l1-name": "差", f"{a1}-l1-points": "0"})

    second = admin.post(f"/admin/rubrics/{version_id}/edit", data=fields)

    assert second.status_code == 302, text_of(second)
    page = text_of(admin.get(second.headers["Location"]))
    assert "一级指标 A → 考核项目 A1 → method.kind: deduct → levels" in page
    assert "一级指标 A → 考核项目 A1 → 扣分规则 A1-group" in page


# ---- YAML view -------------------------------------------------------------------------------


def test_the_yaml_view_saves_the_text_as_given(admin, db):
    version_id = latest_id(db)
    page = admin.get(f"/admin/rubrics/{version_id}/edit/yaml")
    assert page.status_code == 200
    assert html.escape(DEFAULT.read_text(encoding="utf-8"), quote=False)[:200] in page.get_data(as_text=True)
    text = DEFAULT.read_text(encoding="utf-8").replace(A1_MAX, A1_MAX.replace("3", "4")).replace(
        A4_MAX, A4_MAX.replace("2", "1"))

    response = admin.post(f"/admin/rubrics/{version_id}/edit/yaml",
                          data={"yaml_text": text, "base_version": "1", "note": "YAML视图修改"})

    assert response.status_code == 302, text_of(response)
    new_id = latest_id(db)
    assert admin.get(f"/admin/rubrics/{new_id}/download").data == text.encode("utf-8")  # comments kept
    assert "一级指标 A → 考核项目 A1 → max_points: 3 → 4" in text_of(admin.get(f"/admin/rubrics/{new_id}"))


def test_the_yaml_view_shows_problems_by_line_and_keeps_the_text(admin, db):
    text = DEFAULT.read_text(encoding="utf-8").replace(A1_MAX, A1_MAX.replace("3", "4"))

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit/yaml",
                          data={"yaml_text": text, "base_version": "1", "note": "x"})

    assert response.status_code == 400
    line = DEFAULT.read_text(encoding="utf-8").splitlines().index("    points: 12") + 1
    assert f"town-rule-of-law-2025.yaml 第 {line} 行 → 一级指标 A → points: 各考核项目分值合计 13 分，与一级指标分值 12 分不符" \
        in text_of(response)
    assert "max_points: 4" in response.get_data(as_text=True)
    assert version_count(db) == 1


def test_the_editor_only_saves_versions_of_its_own_rubric(admin, db):
    text = DEFAULT.read_text(encoding="utf-8").replace(f"id: {KEY}\n", "id: another-rubric\n", 1)

    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit/yaml",
                          data={"yaml_text": text, "base_version": "1", "note": "x"})

    assert response.status_code == 400
    assert "编辑器只能保存细则 town-rule-of-law-2025 的新版本" in text_of(response)
    assert version_count(db) == 1


# ---- stale edits -------------------------------------------------------------------------------


def test_a_stale_structured_edit_is_refused_with_a_link_to_the_newest_version(admin, db):
    version_id = latest_id(db)
    fields = editor_fields(admin, version_id)  # opened on version 1 ...
    upload(admin, DEFAULT.read_bytes(), note="别人先保存了")  # ... someone saves version 2 meanwhile
    newest = latest_id(db)
    fields.update({f"{name_of(fields, 'id', 'A1')}-title": "我的修改", "note": "我的修改"})

    response = admin.post(f"/admin/rubrics/{version_id}/edit", data=fields)

    assert response.status_code == 409
    page = text_of(response)
    assert "未保存：在您打开编辑器之后，区依法治区办 管理员 已于" in page
    assert "保存了第 2 版" in page
    assert f'href="/admin/rubrics/{newest}"' in response.get_data(as_text=True)
    assert 'value="我的修改"' in response.get_data(as_text=True)  # the edit is not lost
    assert versions(db) == [(KEY, 1), (KEY, 2)]


def test_a_stale_yaml_edit_is_refused(admin, db):
    version_id = latest_id(db)
    upload(admin, DEFAULT.read_bytes(), note="别人先保存了")

    response = admin.post(f"/admin/rubrics/{version_id}/edit/yaml",
                          data={"yaml_text": DEFAULT.read_text(encoding="utf-8"), "base_version": "1", "note": "x"})

    assert response.status_code == 409
    assert "本次提交已被拒绝" in text_of(response)
    assert version_count(db) == 2


def test_editing_from_an_older_version_after_opening_on_the_newest_is_allowed(admin, db):
    """Reverting: open version 1's editor when version 2 is the newest; it saves version 3."""
    first = latest_id(db)
    upload(admin, DEFAULT.read_text(encoding="utf-8").replace(A1_MAX, A1_MAX.replace("3", "4")).replace(
        A4_MAX, A4_MAX.replace("2", "1")), note="v2")
    fields = editor_fields(admin, first)
    assert fields["base_version"] == "2"

    response = admin.post(f"/admin/rubrics/{first}/edit", data={**fields, "note": "恢复第1版分值"})

    assert response.status_code == 302
    assert versions(db)[-1] == (KEY, 3)
    assert "一级指标 A → 考核项目 A1 → max_points: 4 → 3" in text_of(admin.get(response.headers["Location"]))


def test_a_missing_or_forged_base_version_is_a_bad_request(admin, db):
    response = admin.post(f"/admin/rubrics/{latest_id(db)}/edit/yaml",
                          data={"yaml_text": DEFAULT.read_text(encoding="utf-8"), "base_version": "x", "note": "x"})
    assert response.status_code == 400
    assert version_count(db) == 1


# ---- audit, access, escaping, CSP, CSRF ------------------------------------------------------------


def test_every_save_leaves_a_rubric_save_audit_event_with_the_note(admin, db):
    fields = editor_fields(admin, latest_id(db))
    admin.post(f"/admin/rubrics/{latest_id(db)}/edit", data={**fields, "note": "结构化保存说明"})
    db.rollback()

    events = db.execute(select(AuditEvent).where(AuditEvent.action == "rubric.save")
                        .order_by(AuditEvent.id)).scalars().all()

    assert [(e.object_key, e.reason, e.actor_name) for e in events][-1] == (f"{KEY}@2", "结构化保存说明", "admin")
    assert events[-1].before["version"] == 1 and events[-1].after["version"] == 2


def _routes(version_id: int) -> list[tuple[str, str]]:
    return [("GET", "/admin/rubrics/"), ("GET", f"/admin/rubrics/{version_id}"),
            ("GET", f"/admin/rubrics/{version_id}/download"), ("GET", "/admin/rubrics/upload"),
            ("POST", "/admin/rubrics/upload"), ("GET", f"/admin/rubrics/{version_id}/edit"),
            ("POST", f"/admin/rubrics/{version_id}/edit"), ("GET", f"/admin/rubrics/{version_id}/edit/yaml"),
            ("POST", f"/admin/rubrics/{version_id}/edit/yaml")]


@pytest.mark.parametrize("username", ["sifaju", "xincheng"])
def test_reviewers_and_town_leaders_are_refused_on_every_rubric_route(client, auth, db, username):
    version_id = latest_id(db)
    auth.login(username)
    for method, url in _routes(version_id):
        data = {"yaml_text": DEFAULT.read_text(encoding="utf-8"), "base_version": "1", "note": "x"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, (method, url)
        assert TITLE not in response.get_data(as_text=True)
    assert version_count(db) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for method, url in _routes(latest_id(db)):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login")
    assert version_count(db) == 1


PAYLOAD = "<script>alert(1)</script>"


def test_rubric_text_is_escaped_on_every_page(admin, db):
    text = DEFAULT.read_text(encoding="utf-8").replace(f"title: {TITLE}", f"title: '{PAYLOAD}'", 1).replace(
        "criteria: 成立法治政府建设", "criteria: '\"><svg onload=alert(1)>{{7*7}}'  # ", 1)
    assert upload(admin, text, note=PAYLOAD).status_code == 302
    new_id = latest_id(db)

    for url in ("/admin/rubrics/", f"/admin/rubrics/{new_id}", f"/admin/rubrics/{new_id}/edit",
                f"/admin/rubrics/{new_id}/edit/yaml"):
        body = admin.get(url).get_data(as_text=True)
        assert PAYLOAD not in body and "<svg onload" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    body = admin.get(f"/admin/rubrics/{new_id}").get_data(as_text=True)
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;{{7*7}}" in body  # shown literally, never evaluated
    disposition = admin.get(f"/admin/rubrics/{new_id}/download").headers["Content-Disposition"]
    assert "filename*=UTF-8''_script_alert%281%29__script_-v2.yaml" in disposition  # no / < > in names


def test_pages_have_no_inline_scripts_or_styles(admin, db):
    """The CSP forbids them: scripts come from static files only."""
    version_id = latest_id(db)
    for url in ("/admin/rubrics/", f"/admin/rubrics/{version_id}", f"/admin/rubrics/{version_id}/edit",
                f"/admin/rubrics/{version_id}/edit/yaml", "/admin/rubrics/upload"):
        body = admin.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == [], url
        assert not re.search(r"\sstyle=|\son[a-z]+=", body), url
    assert '<script src="/static/js/rubric_editor.js">' in admin.get(f"/admin/rubrics/{version_id}/edit").get_data(
        as_text=True)
    with admin.get("/static/js/rubric_editor.js") as script:
        assert script.status_code == 200


def test_saving_without_the_csrf_token_is_refused(csrf_app, db):
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "admin", "password": "demo-admin", "csrf_token": token})
    version_id = latest_id(db)
    form = {"yaml_text": DEFAULT.read_text(encoding="utf-8"), "base_version": "1", "note": "x"}

    assert client.post(f"/admin/rubrics/{version_id}/edit/yaml", data=form).status_code == 400
    assert client.post("/admin/rubrics/upload", data={"file": (io.BytesIO(DEFAULT.read_bytes()), "a.yaml"),
                                                      "note": "x"}).status_code == 400
    assert version_count(db) == 1
    page = client.get(f"/admin/rubrics/{version_id}/edit/yaml").get_data(as_text=True)
    token = re.search(r'<form method="post" action="/admin/rubrics/\d+/edit/yaml"[^>]*>\s*'
                      r'<input type="hidden" name="csrf_token" value="([^"]+)"', page)[1]
    assert client.post(f"/admin/rubrics/{version_id}/edit/yaml",
                       data={**form, "csrf_token": token}).status_code == 302
    assert version_count(db) == 2


def test_the_structured_editor_keeps_the_quota_rounding_and_the_bonus_combination(admin, db):
    """Rules a rubric states beyond the defaults survive a save through the form."""
    from scoring.store import queries

    text = (RUBRICS / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("tie_break:", "quota_rounding: ceil\nquota_min_places: 1\ntie_break:")
    text = text.replace("bonus:\n  cap: 2\n", "bonus:\n  cap: 2\n  combine: majority\n")
    upload(admin, text.encode(), name="minimal.yaml")
    version_id = latest_id(db, "mini")
    fields = editor_fields(admin, version_id)
    response = admin.post(f"/admin/rubrics/{version_id}/edit", data={**fields, "note": "原样保存"})
    assert response.status_code == 302, text_of(response)
    saved = queries.rubric_of_version(db, latest_id(db, "mini"))
    assert (saved.quota_rounding, saved.quota_min_places, saved.bonus.combine) == ("ceil", 1, "majority")
