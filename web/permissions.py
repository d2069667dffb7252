"""Who may do what, checked on the server for every route and every object."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user, login_required

from scoring.store.audit import Actor


def role_required(*roles: str) -> Callable:
    """Refuse (403) anyone signed in without one of these roles; send others to sign in."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def actor() -> Actor:
    """The signed-in user as the store's actor."""
    return Actor(current_user.user_id, current_user.username)


def own_town_or_404(town_id: int) -> None:
    """A town leader may only see their own town; another town does not exist for them."""
    if current_user.role == "town" and current_user.town_id != town_id:
        abort(404)
