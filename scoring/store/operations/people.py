"""Editing people and towns after creation: rename a town, edit a user, reset a password."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.errors import InvalidInput
from scoring.messages import N_
from scoring.store.audit import Actor, record
from scoring.store.models import Town, User
from scoring.store.operations.base import check_role, fits, get, operation

MIN_PASSWORD = 8


@operation
def rename_town(session: Session, actor: Actor, town_id: int, name: str) -> Town:
    """Rename a town (names stay unique in the district); audited with the old name."""
    town = get(session, Town, town_id)
    name = name.strip()
    if not name:
        raise InvalidInput("name", N_("请填写单位名称"))
    fits(name=(N_("单位名称"), name, 100))
    before = town.name
    town.name = name
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput("name", N_("单位 %(name)s 已存在", name=name)) from None
    record(session, actor, "town.rename", "town", str(town.id), town_id=town.id, before={"name": before},
           after={"name": name})
    return town


@operation
def edit_user(session: Session, actor: Actor, user_id: int, *, display_name: str, department: str, role: str,
              town_id: int | None) -> User:
    """Change a user's name, department, role and town; a changed role ends their sessions."""
    user = get(session, User, user_id)
    check_role(role)
    if (role == "town") != (town_id is not None):
        raise InvalidInput("town_id", N_("单位负责人必须且只能绑定一个单位"))
    display_name, department = display_name.strip() or user.username, department.strip()
    fits(display_name=(N_("姓名"), display_name, 100), department=(N_("部门"), department, 100))
    before = {"display_name": user.display_name, "department": user.department, "role": user.role,
              "town_id": user.town_id}
    if (role, town_id) != (user.role, user.town_id):
        user.session_version += 1  # what they may do changed: sign in again
    user.display_name, user.department, user.role, user.town_id = display_name, department, role, town_id
    record(session, actor, "user.update", "user", str(user.id), before=before,
           after={"display_name": display_name, "department": department, "role": role, "town_id": town_id})
    return user
