"""Administrators' rubric pages: versions, one version as a tree with its diff, download,
upload, and the editor (structured form or YAML text). Every save is a new version."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scoring.errors import Problem, RubricError, StaleEdit
from scoring.rubric.diff import diff_rubrics, yaml_diff
from scoring.rubric.load import rubric_text
from scoring.store import operations, queries
from scoring.store.views import RubricVersionView
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.rubrics import forms
from web.rubrics import problems as checks

bp = Blueprint("rubrics", __name__, url_prefix="/admin/rubrics")


@bp.get("/")
@role_required("admin")
def index():
    """Every stored rubric version, newest first."""
    session = get_session()
    versions = sorted(queries.rubric_versions(session), key=lambda v: v.id, reverse=True)
    return render_template("rubrics/index.html", versions=versions, users=queries.users_by_id(session))


@bp.get("/<int:version_id>")
@role_required("admin")
def version(version_id: int):
    """One version as a tree of categories and items, with its changes from the previous one."""
    session = get_session()
    row = queries.rubric_version(session, version_id)
    previous = queries.previous_rubric_version(session, row)
    rubric = queries.rubric_of_version(session, row.id)
    changes = text_diff = None
    if previous is not None:
        changes = diff_rubrics(queries.rubric_of_version(session, previous.id), rubric)
        text_diff = yaml_diff(previous.yaml_text, row.yaml_text, f"v{previous.version}", f"v{row.version}")
    return render_template("rubrics/version.html", row=row, rubric=rubric, previous=previous, changes=changes,
                           text_diff=text_diff, latest=_latest(row.rubric_key), users=queries.users_by_id(session))


@bp.get("/<int:version_id>/download")
@role_required("admin")
def download(version_id: int):
    """The version's YAML exactly as stored, as a file named after the rubric."""
    row = queries.rubric_version(get_session(), version_id)
    response = Response(row.yaml_text.encode("utf-8"), content_type="application/yaml; charset=utf-8")
    response.headers["Content-Disposition"] = _attachment(
        f"{row.rubric_key}-v{row.version}.yaml", f"{row.title}-v{row.version}.yaml")
    return response


@bp.route("/upload", methods=["GET", "POST"])
@role_required("admin")
def upload():
    """Upload a YAML file as the next version of the rubric it names (or a new rubric)."""
    if request.method == "GET":
        return render_template("rubrics/upload.html", problems=[], note="")
    upload_file = request.files.get("file")
    note = request.form.get("note", "")
    if upload_file is None or not upload_file.filename:
        return render_template("rubrics/upload.html", problems=[], note=note,
                               message=_("请选择要上传的 YAML 文件")), 400
    file_name = upload_file.filename
    try:
        text = rubric_text(upload_file.stream.read(forms.MAX_YAML_BYTES + 1), file_name)
    except RubricError as error:
        problems = checks.note_problems(note) + error.problems
    else:
        problems = checks.save_problems(text, file_name, note)
    if problems:
        return render_template("rubrics/upload.html", problems=_shown(problems), note=note, file_name=file_name), 400
    row = operations.save_rubric_version(get_session(), actor(), text, file_name=file_name, note=note)
    flash(_("已保存为 %(key)s 第 %(n)s 版", key=row.rubric_key, n=row.version), "ok")
    return redirect(url_for("rubrics.version", version_id=row.id))


@bp.route("/<int:version_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(version_id: int):
    """The structured editor, opened on a version; saving creates the next version."""
    session = get_session()
    row = queries.rubric_version(session, version_id)
    base_rubric = queries.rubric_of_version(session, row.id)
    stored = forms.editable_data(base_rubric)
    too_many = forms.too_large_for_editor(stored)
    if too_many:  # the page would be megabytes of inputs: the YAML view edits it
        flash(_("本细则共有 %(n)s 个指标、项目和规则，超过结构化编辑的上限 %(max)s 个；请在 YAML 视图中编辑。",
                n=too_many, max=forms.MAX_EDITOR_OBJECTS), "error")
        return redirect(url_for("rubrics.edit_yaml", version_id=row.id), 303)
    if request.method == "GET":
        return _editor("rubrics/edit.html", row, _latest(row.rubric_key).version, data=stored)
    base = _base_version()
    add = request.form.get("add", "")
    data = forms.rubric_data(request.form, key=row.rubric_key, version=base + 1, add=add, keep_blank=bool(add))
    if add:  # "add a row" without JavaScript: show the form again, save nothing
        return _editor("rubrics/edit.html", row, base, data=data, note=request.form.get("note", ""))
    return _save(row, base, forms.rubric_yaml(data, row.yaml_text, base_rubric), "rubrics/edit.html", data=data)


@bp.route("/<int:version_id>/edit/yaml", methods=["GET", "POST"])
@role_required("admin")
def edit_yaml(version_id: int):
    """The YAML view of the editor: the full text of a version; saving creates the next version."""
    row = queries.rubric_version(get_session(), version_id)
    if request.method == "GET":
        return _editor("rubrics/edit_yaml.html", row, _latest(row.rubric_key).version, yaml_text=row.yaml_text)
    text = request.form.get("yaml_text", "").replace("\r\n", "\n")
    return _save(row, _base_version(), text, "rubrics/edit_yaml.html", yaml_text=text)


def _save(row: RubricVersionView, base: int, text: str, template: str, **page):
    """Save the edit as a new version and show it; else the editor again with every problem."""
    note = request.form.get("note", "")
    file_name = f"{row.rubric_key}.yaml"
    problems = checks.save_problems(text, file_name, note, key=row.rubric_key)
    if problems:
        return _editor(template, row, base, problems=problems, note=note, **page), 400
    try:
        saved = operations.save_rubric_version(get_session(), actor(), text, file_name=file_name,
                                               base_version=base, note=note)
    except StaleEdit:
        return _editor(template, row, base, note=note, stale=True, **page), 409
    flash(_("已保存为第 %(n)s 版", n=saved.version), "ok")
    return redirect(url_for("rubrics.version", version_id=saved.id))


def _shown(problems) -> list[Problem]:
    """The problems with their messages in the reader's language."""
    return [replace(p, message=translate(p.message)) for p in problems]


def _editor(template: str, row: RubricVersionView, base: int, *, problems=(), data=None, **page) -> str:
    problems = _shown(problems)
    located = checks.located_problems(problems, data) if data is not None else []
    return render_template(template, row=row, base_version=base, latest=_latest(row.rubric_key), data=data,
                           problems=list(problems), located=located, errors=checks.errors_by_name(located),
                           open_rows=checks.rows_with_errors(located), percent=forms.percent,
                           tie_break_choices=forms.tie_break_choices(data or {}),
                           users=queries.users_by_id(get_session()), **page)


def _base_version() -> int:
    """The version the editor was opened on top of (a hidden field): the stale-edit check."""
    value = request.form.get("base_version", "")
    if not value.isascii() or not value.isdigit():
        abort(400)
    return int(value)


def _latest(rubric_key: str) -> RubricVersionView:
    return next(v for v in queries.rubric_versions(get_session()) if v.rubric_key == rubric_key)


def _attachment(ascii_name: str, name: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    name = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
