"""Administrators edit people and towns: edit a user, reset a password, rename a town, confirm 停用."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scoring.errors import InvalidInput, NotFound
from scoring.store import operations, queries
from web.admin.views import ROLES, bp
from web.db import get_session
from web.i18n import translate
from web.permissions import actor, role_required
from web.security import form_id


def _user_or_404(user_id: int):
    user = queries.user(get_session(), user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


@bp.get("/users/<int:user_id>/edit")
@role_required("admin")
def edit_user(user_id: int):
    return _edit_page(_user_or_404(user_id))


def _edit_page(user, error: str = "", status: int = 200):
    return render_template("admin/user_edit.html", user=user, towns=queries.towns(get_session()), roles=ROLES,
                           error=error), status


@bp.post("/users/<int:user_id>/edit")
@role_required("admin")
def save_user(user_id: int):
    user = _user_or_404(user_id)
    form = request.form
    role, town_id = form.get("role", ""), form.get("town_id", "")
    try:
        operations.edit_user(get_session(), actor(), user_id, display_name=form.get("display_name", ""),
                             department=form.get("department", ""), role=role,
                             town_id=form_id(town_id) if role == "town" else None)
    except InvalidInput as exc:
        return _edit_page(user, translate(exc.message), 400)
    flash(_("已更新用户"), "ok")
    return redirect(url_for("admin.people"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    try:
        operations.reset_password(get_session(), actor(), user_id, request.form.get("password", ""))
    except InvalidInput as exc:
        return _edit_page(user, translate(exc.message), 400)
    flash(_("已重设 %(name)s 的密码", name=user.username), "ok")
    return redirect(url_for("admin.people"))


@bp.get("/users/<int:user_id>/disable")
@role_required("admin")
def confirm_disable(user_id: int):
    """停用 is a second step: this page says whom, and what it does, before the button."""
    return render_template("admin/user_disable.html", user=_user_or_404(user_id))


@bp.post("/towns/<int:town_id>/rename")
@role_required("admin")
def rename_town(town_id: int):
    try:
        operations.rename_town(get_session(), actor(), town_id, request.form.get("name", ""))
        flash(_("已更名"), "ok")
    except InvalidInput as exc:
        flash(translate(exc.message), "error")
    return redirect(url_for("admin.people"))
