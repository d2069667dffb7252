"""Pydantic's validation errors as messages for people (Chinese message ids with parameters).

Pydantic's own texts ("Input should be greater than or equal to 1") are developer English;
``pydantic_message`` maps the error types people actually cause to ``N_`` messages. Generic
on purpose: rubric files, marks tables and forms all use it. An unmapped type keeps
pydantic's text as a parameter, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scoring.messages import N_, Message


def _ctx(error: Mapping[str, Any], key: str) -> str:
    value = (error.get("ctx") or {}).get(key, "")
    return str(value)


def _choices(error: Mapping[str, Any], key: str) -> str:
    """Pydantic lists choices as "'a', 'b' or 'c'"; people read "a、b、c"."""
    text = _ctx(error, key).replace(" or ", ", ")
    return "、".join(part.strip().strip("'") for part in text.split(",") if part.strip())


_BY_TYPE: dict[str, Callable[[Mapping[str, Any]], Message]] = {
    "missing": lambda e: N_("缺少必填字段"),
    "extra_forbidden": lambda e: N_("未知字段（请检查拼写）"),
    "greater_than": lambda e: N_("应大于 %(limit)s", limit=_ctx(e, "gt")),
    "greater_than_equal": lambda e: N_("应不小于 %(limit)s", limit=_ctx(e, "ge")),
    "less_than": lambda e: N_("应小于 %(limit)s", limit=_ctx(e, "lt")),
    "less_than_equal": lambda e: N_("应不大于 %(limit)s", limit=_ctx(e, "le")),
    "string_too_short": lambda e: N_("至少需要 %(n)s 个字符", n=_ctx(e, "min_length")),
    "string_too_long": lambda e: N_("不能超过 %(n)s 个字符", n=_ctx(e, "max_length")),
    "string_pattern_mismatch": lambda e: N_("格式不正确（须符合 %(pattern)s）", pattern=_ctx(e, "pattern")),
    "string_type": lambda e: N_("应为文本"),
    "decimal_max_places": lambda e: N_("小数位数不能超过 %(n)s 位", n=_ctx(e, "decimal_places")),
    "decimal_max_digits": lambda e: N_("数字不能超过 %(n)s 位", n=_ctx(e, "max_digits")),
    "decimal_whole_digits": lambda e: N_("整数部分不能超过 %(n)s 位", n=_ctx(e, "whole_digits")),
    "decimal_parsing": lambda e: N_("应为数字"),
    "decimal_type": lambda e: N_("应为数字"),
    "finite_number": lambda e: N_("应为数字"),
    "float_parsing": lambda e: N_("应为数字"),
    "float_type": lambda e: N_("应为数字"),
    "int_parsing": lambda e: N_("应为整数"),
    "int_type": lambda e: N_("应为整数"),
    "int_from_float": lambda e: N_("应为整数"),
    "bool_parsing": lambda e: N_("应为 是/否"),
    "bool_type": lambda e: N_("应为 是/否"),
    "literal_error": lambda e: N_("应为以下之一：%(choices)s", choices=_choices(e, "expected")),
    "union_tag_invalid": lambda e: N_("%(field)s 的值 %(value)s 无效，应为以下之一：%(choices)s",
                                      field=_ctx(e, "discriminator").strip("'"), value=_ctx(e, "tag"),
                                      choices=_choices(e, "expected_tags")),
    "union_tag_not_found": lambda e: N_("缺少 %(field)s", field=_ctx(e, "discriminator").strip("'")),
    "too_short": lambda e: N_("至少需要 %(n)s 项", n=_ctx(e, "min_length")),
    "too_long": lambda e: N_("最多 %(n)s 项", n=_ctx(e, "max_length")),
    "list_type": lambda e: N_("应为列表"),
    "dict_type": lambda e: N_("应为若干字段（映射）"),
    "model_type": lambda e: N_("应为若干字段（映射）"),
    "model_attributes_type": lambda e: N_("应为若干字段（映射）"),
}


def pydantic_message(error: Mapping[str, Any]) -> Message:
    """The message for one entry of ``ValidationError.errors()``."""
    make = _BY_TYPE.get(str(error.get("type", "")))
    if make is not None:
        return make(error)
    return N_("取值无效：%(detail)s", detail=error.get("msg", ""))
