"""Districts, towns and users: creating them, changing them, signing in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.errors import InvalidInput, LoginLocked
from scoring.messages import N_
from scoring.store.audit import SYSTEM, Actor, record
from scoring.store.db import begin_write
from scoring.store.models import (
    District,
    LoginFailure,
    Town,
    User,
    utcnow,
)
from scoring.store.operations.base import check_role, fits, get, operation
from scoring.store.passwords import check_password, hash_password


@operation
def create_district(session: Session, actor: Actor, name: str) -> District:
    district = District(name=name)
    session.add(district)
    session.flush()
    record(session, actor, "district.create", "district", str(district.id), after={"name": name})
    return district


@operation
def create_town(session: Session, actor: Actor, district_id: int, name: str) -> Town:
    fits(name=(N_("单位名称"), name, 100))
    if not name:
        raise InvalidInput("name", N_("请填写单位名称"))
    town = Town(district_id=district_id, name=name)
    session.add(town)
    try:
        session.flush()
    except IntegrityError:  # (district, name) is unique
        raise InvalidInput("name", N_("单位 %(name)s 已存在", name=name)) from None
    record(session, actor, "town.create", "town", str(town.id), after={"name": name}, town_id=town.id)
    return town


@operation
def create_user(session: Session, actor: Actor, *, username: str, display_name: str, password: str, role: str,
                department: str = "", town_id: int | None = None) -> User:
    """Create a user with a hashed password; a town leader must be bound to a town."""
    check_role(role)
    if (role == "town") != (town_id is not None):
        raise InvalidInput("town_id", N_("单位负责人必须且只能绑定一个单位"))
    if len(password) < 8:
        raise InvalidInput("password", N_("密码至少 8 个字符"))
    fits(username=(N_("用户名"), username, 64), display_name=(N_("姓名"), display_name, 100),
          department=(N_("部门"), department, 100))
    if not username:
        raise InvalidInput("username", N_("请填写用户名"))
    user = User(username=username, display_name=display_name, password_hash=hash_password(password), role=role,
                department=department, town_id=town_id, active=True, session_version=1)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput("username", N_("用户名 %(username)s 已被使用", username=username)) from None
    record(session, actor, "user.create", "user", str(user.id),
           after={"username": username, "role": role, "department": department, "town_id": town_id})
    return user


@operation
def update_user(session: Session, actor: Actor, user_id: int, *, role: str | None = None,
                active: bool | None = None, department: str | None = None, town_id: int | None = None) -> User:
    """Change a user's role, department, town or active flag; ends their sessions."""
    user = get(session, User, user_id)
    before = {"role": user.role, "active": user.active, "department": user.department, "town_id": user.town_id}
    if role is not None:
        check_role(role)
        user.role = role
        user.town_id = town_id if role == "town" else None
    if active is not None:
        user.active = active
    if department is not None:
        fits(department=(N_("部门"), department, 100))
        user.department = department
    if user.role == "town" and user.town_id is None:
        raise InvalidInput("town_id", N_("单位负责人必须且只能绑定一个单位"))
    user.session_version += 1  # signed-in sessions of this user are void from now
    after = {"role": user.role, "active": user.active, "department": user.department, "town_id": user.town_id}
    record(session, actor, "user.update", "user", str(user.id), before=before, after=after)
    return user


@operation
def end_sessions(session: Session, actor: Actor, user_id: int) -> None:
    """Void every signed-in session of a user (logout)."""
    user = get(session, User, user_id)
    user.session_version += 1
    record(session, actor, "user.logout", "user", str(user.id))


def authenticate(session: Session, username: str, password: str, *, remote_addr: str = "",
                 max_failures: int = 5, lockout_minutes: int = 15) -> User | None:
    """Return the active user with these credentials, or None; raise LoginLocked when locked.

    Failures are counted per username in the database, so every worker process shares the
    limit. A success does not clear earlier failures: the window simply passes.
    """
    begin_write(session)  # it writes (a failure or a login event): take the write lock first
    since = utcnow() - timedelta(minutes=lockout_minutes)
    failures = session.execute(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)).scalar_one()
    if failures >= max_failures:
        session.rollback()
        raise LoginLocked(username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = user is not None and user.active and check_password(user.password_hash, password)
    if not ok:
        session.add(LoginFailure(username=username, remote_addr=remote_addr))
        record(session, SYSTEM, "login.failed", "user", username, after={"remote_addr": remote_addr})
        session.commit()
        return None
    record(session, Actor(user.id, user.username), "login", "user", str(user.id), after={"remote_addr": remote_addr})
    session.commit()
    return user
