"""Rubric YAML text to data, safely: bounded size, no aliases, no duplicate keys, line numbers.

A YAML alias bomb (a few hundred bytes of nested ``&a``/``*a``) expands to millions of
nodes in whatever walks the tree; a rubric never needs anchors, so the first anchor or
alias is refused as the parser meets it, before any tree exists. Duplicate mapping keys,
which YAML loaders resolve silently (the last wins), are refused with both lines; nesting
is bounded. The text is parsed once, by libyaml when available, into plain data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

import yaml

from scoring.errors import Problem, RubricError
from scoring.messages import N_
from scoring.rubric.routes import Loc, split
from scoring.textfiles import MAX_TEXT_BYTES, UnreadableText, check_text

MAX_DEPTH = 40  # a rubric nests about 10 levels deep
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Lines = dict[Loc, tuple[int, int]]


def read_yaml(text: str, file: str) -> tuple[Any, Lines]:
    """Return (data, loc -> (line, column)) of a YAML text; RubricError naming what is wrong."""
    try:
        check_text(text, MAX_TEXT_BYTES)
    except UnreadableText as exc:
        raise RubricError(file, [Problem(file, exc.message, line=exc.line)]) from None
    try:
        return _build(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RubricError(file, [Problem(
            file, N_("YAML 语法错误：%(problem)s", problem=exc.problem or exc),
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None)]) from None
    except yaml.YAMLError as exc:
        raise RubricError(file, [Problem(file, N_("无法读取的 YAML：%(problem)s", problem=exc))]) from None


_NO_KEY = object()
_STR = "tag:yaml.org,2002:str"
_IMPLICIT = yaml.SafeLoader.yaml_implicit_resolvers  # first character -> [(tag, pattern)]
_constructor = yaml.constructor.SafeConstructor()
# The tags a rubric may hold besides text, built by PyYAML's safe constructors.
_TYPED = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "timestamp"))


def _build(text: str, file: str) -> tuple[Any, Lines]:
    """Data and line map from libyaml's event stream, in one pass.

    Building from events (rather than composing a node tree, then constructing) is what
    makes a 5,000-item rubric quick, and it sees every anchor, alias and key as it comes.
    A frame is [container, loc, pending key (mappings), first line of each key].
    """
    lines: Lines = {}
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.AliasEvent or getattr(event, "anchor", None):
            _refuse(file, N_("细则中不能使用 YAML 锚点和别名（& 与 *），请把内容直接写出"), event.start_mark)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                _refuse(file, N_("一个文件只能有一份细则（发现第二个 YAML 文档）"), event.start_mark)
            continue
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind not in (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent):
            continue
        mark = event.start_mark
        at = (mark.line + 1, mark.column + 1)
        frame = stack[-1] if stack else None
        if frame is not None and frame[2] is _NO_KEY:  # a mapping key
            if kind is not yaml.ScalarEvent:
                _refuse(file, N_("字段名只能是文本"), mark)
            key = _scalar(event, file)
            if key in frame[3]:  # named by route and field, from the data read so far
                route, field = split(root, (*frame[1], key))
                raise RubricError(file, [Problem(file, N_("字段重复（第 %(first)s 行已有），同一层级的字段只能写一次",
                                                          first=frame[3][key]),
                                                 path=route, field=field, line=at[0], column=at[1])])
            frame[3][key] = at[0]
            frame[2] = key
            lines[(*frame[1], key)] = at
            continue
        if frame is None:
            loc: Loc = ()
        elif isinstance(frame[0], list):
            loc = (*frame[1], len(frame[0]))
        else:
            loc = (*frame[1], frame[2])
        lines.setdefault(loc, at)
        if kind is yaml.ScalarEvent:
            value: Any = _scalar(event, file)
        elif kind is yaml.MappingStartEvent:
            value = {}
        else:
            value = []
        if frame is None:
            root = value
        elif isinstance(frame[0], list):
            frame[0].append(value)
        else:
            frame[0][frame[2]] = value
            frame[2] = _NO_KEY
        if kind is not yaml.ScalarEvent:
            if len(stack) >= MAX_DEPTH:
                _refuse(file, N_("嵌套超过 %(n)s 层", n=MAX_DEPTH), mark)
            stack.append([value, loc, _NO_KEY if kind is yaml.MappingStartEvent else None, {}])
    return root, lines


def _scalar(event: yaml.ScalarEvent, file: str) -> Any:
    """A scalar's value as YAML 1.1 (PyYAML's safe loader) reads it: 12, 0.5, true, null, text."""
    value, tag = event.value, event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value  # quoted: always text
        resolvers = _IMPLICIT.get(value[:1])
        if not resolvers:
            return value  # most values: text whose first character starts no number or keyword
        tag = next((t for t, pattern in resolvers if pattern.match(value)), _STR)
    if tag == _STR:
        return value
    if tag not in _TYPED:
        _refuse(file, N_("不支持的 YAML 标签 %(tag)s", tag=tag), event.start_mark)
    try:
        return _constructor.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, value))
    except (ValueError, KeyError, yaml.YAMLError):
        _refuse(file, N_("%(value)s 不是有效的 %(tag)s", value=value, tag=tag), event.start_mark)


def _refuse(file: str, message: Any, mark: Any) -> NoReturn:
    raise RubricError(file, [Problem(file, message, line=mark.line + 1, column=mark.column + 1)])


class _RubricDumper(yaml.SafeDumper):
    """Writes Decimal points as plain YAML numbers (12, 0.5), never as strings."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = f"{value.normalize():f}"
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


def dump_yaml(data: Any) -> str:
    """YAML for rubric data (valid or a draft): Chinese kept, key order kept, numbers plain."""
    return yaml.dump(data, Dumper=_RubricDumper, allow_unicode=True, sort_keys=False, width=100)


_RubricDumper.add_representer(Decimal, _represent_decimal)
