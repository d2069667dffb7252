"""Operations refuse bad input with InvalidInput (field + message id), never ValueError; nothing lands."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scoring.errors import InvalidInput, PhaseClosed
from scoring.messages import Message
from scoring.store import operations
from scoring.store.audit import Actor
from scoring.store.models import AuditEvent, Town, User

ADMIN = Actor(None, "admin")


def count(db, model) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def new_user(db, **changes):
    fields = {"username": "wang", "display_name": "王", "password": "password-123", "role": "reviewer"} | changes
    return operations.create_user(db, ADMIN, **fields)


@pytest.mark.parametrize(("changes", "field", "text"), [
    ({"username": "admin"}, "username", "用户名 admin 已被使用"),
    ({"password": "short"}, "password", "密码至少 8 个字符"),
    ({"role": "town"}, "town_id", "单位负责人必须且只能绑定一个单位"),
    ({"town_id": 1}, "town_id", "单位负责人必须且只能绑定一个单位"),
    ({"role": "boss"}, "role", "请选择角色（管理员、评分人或单位负责人）"),
    ({"username": "w" * 65}, "username", "用户名 不能超过 64 个字符"),
    ({"department": "部" * 101}, "department", "部门 不能超过 100 个字符"),
    ({"username": ""}, "username", "请填写用户名"),
])
def test_a_refused_user_names_the_field_and_why_and_nothing_is_written(db, changes, field, text):
    users, events = count(db, User), count(db, AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        new_user(db, **changes)
    assert (caught.value.field, str(caught.value.message)) == (field, text)
    assert isinstance(caught.value.message, Message)  # a message id the web translates
    assert (count(db, User), count(db, AuditEvent)) == (users, events)


def test_a_town_leader_bound_to_a_town_that_does_not_exist_is_refused_by_that_field(db, ids):
    users, events = count(db, User), count(db, AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        new_user(db, role="town", town_id=999_999)
    assert (caught.value.field, str(caught.value.message)) == ("town_id", "所选单位不存在，请重新选择")
    leader = new_user(db, username="zhao", role="town", town_id=ids["towns"]["新城镇"])
    with pytest.raises(InvalidInput) as caught:
        operations.update_user(db, ADMIN, leader.id, role="town", town_id=999_999)
    assert (caught.value.field, str(caught.value.message)) == ("town_id", "所选单位不存在，请重新选择")
    assert (count(db, User), count(db, AuditEvent)) == (users + 1, events + 1)


def test_a_town_name_already_taken_is_refused_and_nothing_is_written(db):
    towns, events = count(db, Town), count(db, AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        operations.create_town(db, ADMIN, 1, "新城镇")
    assert (caught.value.field, str(caught.value.message)) == ("name", "单位 新城镇 已存在")
    assert (count(db, Town), count(db, AuditEvent)) == (towns, events)
    operations.create_town(db, ADMIN, 1, "新设镇")  # the session is usable after the refusal
    assert count(db, Town) == towns + 1


def test_deadlines_and_assignments_refuse_bad_input_by_field(db, ids):
    with pytest.raises(InvalidInput) as caught:
        operations.set_deadlines(db, ADMIN, ids["scoring"], {"submission": "2026-13-01"})
    assert caught.value.field == "deadline-submission" and "2026-13-01 不是日期" in str(caught.value.message)
    with pytest.raises(InvalidInput) as caught:
        operations.set_deadlines(db, ADMIN, ids["scoring"], {"someday": "2026-01-01"})
    assert caught.value.field == "deadlines"
    with pytest.raises(InvalidInput) as caught:
        operations.assign(db, ADMIN, ids["scoring"], ids["users"]["admin"], ["A1"])
    assert (caught.value.field, str(caught.value.message)) == ("reviewer_id", "只能给评分人分配考核项目")


def test_a_phase_jump_is_refused_with_a_message_id(db, ids):
    with pytest.raises(PhaseClosed) as caught:
        operations.set_phase(db, ADMIN, ids["scoring"], "archived")
    assert isinstance(caught.value.args[0], Message)
