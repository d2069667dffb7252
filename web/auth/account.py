"""One's own password, and an administrator's reset of another's (both audited)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from scoring.errors import InvalidInput
from scoring.messages import N_
from scoring.store import operations, queries
from web.db import get_session
from web.errors import invalid_input
from web.extensions import SignedInUser
from web.permissions import actor
from web.security import start_session

bp = Blueprint("account", __name__)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; other sessions end, this one continues under the new version."""
    error = None
    if request.method == "POST":
        form = request.form
        try:
            if form.get("new_password", "") != form.get("confirm_password", ""):
                raise InvalidInput("confirm_password", N_("两次输入的新密码不一致"))
            operations.change_password(get_session(), actor(), current_user.user_id,
                                       form.get("current_password", ""), form.get("new_password", ""))
        except InvalidInput as refused:
            error = invalid_input(refused)
        else:
            login_user(SignedInUser(queries.user(get_session(), current_user.user_id)))
            start_session()
            flash(_("密码已修改"), "ok")
            return redirect(url_for("auth.index"))
    return render_template("auth/password.html", error=error), 400 if error else 200
