"""Districts, towns and users: creating them, changing them, signing in."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.errors import InvalidInput, LoginLocked
from scoring.messages import N_
from scoring.store.audit import Actor, record
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

log = logging.getLogger("scoring.security")


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
    _check_town(session, town_id)
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


def _check_town(session: Session, town_id: int | None) -> None:
    """A town leader's town must exist (else the foreign key fails, or looked like a taken username)."""
    if town_id is not None and session.get(Town, town_id) is None:
        raise InvalidInput("town_id", N_("所选单位不存在，请重新选择"))


@operation
def update_user(session: Session, actor: Actor, user_id: int, *, role: str | None = None,
                active: bool | None = None, department: str | None = None, town_id: int | None = None) -> User:
    """Change a user's role, department, town or active flag; ends their sessions."""
    user = get(session, User, user_id)
    before = {"role": user.role, "active": user.active, "department": user.department, "town_id": user.town_id}
    if role is not None:
        check_role(role)
        _check_town(session, town_id if role == "town" else None)  # before the change: a query autoflushes
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


@operation
def change_password(session: Session, actor: Actor, user_id: int, current: str, new: str) -> User:
    """A user changes their own password (knowing the current one); their other sessions end."""
    user = get(session, User, user_id)
    if len(current) > MAX_PASSWORD or not check_password(user.password_hash, current):
        raise InvalidInput("current_password", N_("当前密码不正确"))
    return _set_password(session, actor, user, new, "user.password")


@operation
def reset_password(session: Session, actor: Actor, user_id: int, new: str) -> User:
    """An administrator sets a user's password; every session of that user ends."""
    return _set_password(session, actor, get(session, User, user_id), new, "user.password_reset")


def _set_password(session: Session, actor: Actor, user: User, new: str, action: str) -> User:
    if len(new) < 8:
        raise InvalidInput("password", N_("密码至少 8 个字符"))
    fits(password=(N_("密码"), new, MAX_PASSWORD))
    user.password_hash = hash_password(new)
    user.session_version += 1
    record(session, actor, action, "user", str(user.id))  # that it changed, never the value
    return user


MAX_USERNAME, MAX_PASSWORD = 64, 1024
_dummy_hash: list[str] = []


def _dummy() -> str:
    """A hash to check unknown usernames against, so they take as long as known ones."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_hex(16)))
    return _dummy_hash[0]


def authenticate(session: Session, username: str, password: str, *, remote_addr: str = "",
                 device: str = "", max_failures: int = 5, ip_budget: int = 30,
                 lockout_minutes: int = 15) -> User | None:
    """Return the active user with these credentials, or None; raise LoginLocked when throttled.

    Throttling, in the database so every worker shares it, never locks an account for everyone:
    - per (IP, account): after ``max_failures`` failures in the window that pair is refused;
    - per IP: ``ip_budget`` failures over all accounts, then that IP is refused;
    - a device that signed in to this account before (``device``, from a signed cookie) is
      counted on its own instead of by IP, so an attacker sharing or spoofing the IP
      cannot lock its owner out.
    Each attempt is first recorded as a failure and counted in the same short transaction
    (serialised by SQLite's write lock, or an advisory lock on PostgreSQL), so parallel
    tries cannot pass the limit; a success then removes its row. Failures stay in
    ``login_failures`` (the security record), not in the audit trail of changes.
    """
    begin_write(session)  # it writes (a failure or a login event): take the write lock first
    if not username or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        check_password(_dummy(), password[:MAX_PASSWORD])  # same time as a real check
        return None
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7302)"))
    attempt = LoginFailure(username=username, remote_addr=remote_addr[:64], device=device[:32])
    session.add(attempt)
    session.flush()
    since = utcnow() - timedelta(minutes=lockout_minutes)
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    if device:
        refused = session.execute(recent.where(LoginFailure.username == username,
                                               LoginFailure.device == device)).scalar_one() > max_failures
    else:
        by_ip = recent.where(LoginFailure.remote_addr == attempt.remote_addr, LoginFailure.device == "")
        refused = (session.execute(by_ip.where(LoginFailure.username == username)).scalar_one() > max_failures
                   or session.execute(by_ip).scalar_one() > ip_budget)
    session.commit()
    if refused:
        log.warning("login refused", extra={"fields": {"event": "login.throttled", "username": username[:64],
                                                       "ip": remote_addr, "device": bool(device)}})
        raise LoginLocked(username)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = check_password(user.password_hash if user is not None else _dummy(), password)
    if not ok or user is None or not user.active:
        log.warning("login failed", extra={"fields": {"event": "login.failed", "username": username,
                                                      "ip": remote_addr}})
        return None
    begin_write(session)  # SQLite: a read transaction that then writes fails if another wrote meanwhile
    session.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
    record(session, Actor(user.id, user.username), "login", "user", str(user.id), after={"remote_addr": remote_addr})
    session.commit()
    return user
