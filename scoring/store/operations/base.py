"""What every write shares: one transaction per operation, and small checks of stored values."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

from scoring.errors import InvalidInput, NotFound
from scoring.messages import N_, Message
from scoring.store import checkpoints
from scoring.store.db import begin_write
from scoring.store.models import (
    ROLES,
)

P = ParamSpec("P")
R = TypeVar("R")
_IN_OPERATION = "scoring_operation"


def operation(function: Callable[P, R]) -> Callable[P, R]:
    """Run a write in one transaction: commit on success, roll back on any error.

    The transaction is begun as a write (``db.begin_write``), so on SQLite it waits for the
    write lock once, at the start, and reads before it never held that lock. An operation
    called from inside another joins the outer one's transaction.
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = args[0]  # type: ignore[assignment]
        if session.info.get(_IN_OPERATION):
            return function(*args, **kwargs)
        begin_write(session)
        session.info[_IN_OPERATION] = True
        try:
            result = function(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            checkpoints.discard(session)
            raise
        finally:
            session.info.pop(_IN_OPERATION, None)
        checkpoints.after_commit(session)  # what was published is written down outside the database
        return result

    return wrapper


def fits(**values: tuple[Message, str, int]) -> None:
    """Refuse text longer than its column (PostgreSQL would fail; SQLite would store it).

    Each keyword is the form field; its value is (the field's name for people, text, limit).
    """
    for field, (label, value, limit) in values.items():
        if len(value) > limit:
            raise InvalidInput(field, N_("%(field)s 不能超过 %(limit)s 个字符", field=label, limit=limit))


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput("role", N_("请选择角色（管理员、评分人或单位负责人）"))


def get(session: Session, model: type, key: int):
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__} {key}")
    return row
