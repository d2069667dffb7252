"""Pydantic's validation errors as messages for people (Chinese message ids with parameters)."""

from __future__ import annotations

from typing import Any

from scoring.messages import N_, Message


def pydantic_message(error: dict[str, Any]) -> Message:
    """One pydantic error (an item of ``ValidationError.errors()``) as a message a person can act on."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return N_("必填")
    if kind == "extra_forbidden":
        return N_("未知字段（请检查拼写）")
    if kind in ("greater_than_equal", "greater_than"):
        return N_("不能小于 %(limit)s", limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return N_("不能大于 %(limit)s", limit=ctx.get("le", ctx.get("lt")))
    if kind == "string_too_long":
        return N_("不能超过 %(limit)s 个字符", limit=ctx.get("max_length"))
    if kind == "string_too_short":
        return N_("不能为空")
    if kind == "too_long":
        return N_("最多 %(limit)s 项", limit=ctx.get("max_length"))
    if kind == "too_short":
        return N_("至少 %(limit)s 项", limit=ctx.get("min_length"))
    if kind in ("decimal_max_places", "decimal_max_digits"):
        return N_("最多两位小数")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return N_("请填写整数")
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type"):
        return N_("请填写数字")
    if kind in ("bool_parsing", "bool_type"):
        return N_("请选择是或否")
    if kind == "literal_error":
        return N_("请选择以下之一：%(choices)s", choices=ctx.get("expected", ""))
    return N_("格式不正确")
