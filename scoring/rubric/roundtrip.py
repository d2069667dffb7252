"""Apply an edited rubric onto the YAML text it was edited from, keeping comments and order.

The structured editor posts the whole rubric. Writing it out afresh would drop every comment
and reorder keys, so the saved diff would be the whole file; instead the old text is loaded
with ruamel.yaml's round-trip loader and only what differs between the two rubrics (compared
as full model dumps, defaults included) is written into it. A value equal in both is left
untouched, even when the file leaves it to its default.

The old text is a stored rubric version: it already passed ``scoring.rubric.source``'s safe
reader (no aliases, bounded size and depth), so the round-trip loader meets no surprises.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from scoring.rubric.model import Rubric

# List elements are matched by these keys (the first one an element has), so a deleted or
# inserted row does not shift every later row's comments onto its neighbour.
_MATCH_KEYS = ("id", "name")


def apply_rubric(old_text: str, old: Rubric, new: Rubric) -> str:
    """Return ``old_text`` changed where ``new`` differs from ``old``, comments and order kept."""
    yaml = _yaml()
    document = yaml.load(old_text)
    document = _merge(document, old.model_dump(mode="python"), new.model_dump(mode="python"))
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # never fold a long line the file did not fold
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _merge(node: Any, old: Any, new: Any) -> Any:
    """The document node for ``new``, reusing ``node`` (which holds ``old``) where it can."""
    if old == new and node is not None:
        return node
    if isinstance(new, dict) and isinstance(old, dict) and isinstance(node, CommentedMap):
        if new.get("kind", None) != old.get("kind", None):
            return _plain(new)  # another scoring method: a new shape
        for key, value in new.items():
            if value is None:  # cleared (a quota, a cap): the key goes
                node.pop(key, None)
            elif key in node:
                node[key] = _merge(node[key], old.get(key), value)
            elif old.get(key) != value:
                node[key] = _plain(value)
        for key in [k for k in node if k not in new]:
            del node[key]
        return node
    if isinstance(new, list) and isinstance(old, list) and isinstance(node, CommentedSeq) \
            and len(node) == len(old):
        return _merge_list(node, old, new)
    return _plain(new)


def _merge_list(node: CommentedSeq, old: list, new: list) -> CommentedSeq:
    old_keys, new_keys = [_key(v) for v in old], [_key(v) for v in new]
    if None in old_keys or None in new_keys or len(set(new_keys)) != len(new_keys):
        old_keys, new_keys = list(range(len(old))), list(range(len(new)))  # match by position
    for index in reversed(range(len(old))):  # rows that are gone
        if old_keys[index] not in new_keys:
            del node[index]
            del old[index], old_keys[index]
    for index, value in enumerate(new):
        key = new_keys[index]
        if index < len(old_keys) and old_keys[index] == key:
            node[index] = _merge(node[index], old[index], value)
        elif key in old_keys:  # moved: take the old row (and its comments) along
            at = old_keys.index(key)
            moved, before = node[at], old[at]
            del node[at], old[at], old_keys[at]
            node.insert(index, _merge(moved, before, value))
            old.insert(index, value)
            old_keys.insert(index, key)
        else:
            node.insert(index, _plain(value))
            old.insert(index, value)
            old_keys.insert(index, key)
    return node


def _key(value: Any) -> Any:
    if isinstance(value, dict):
        for name in _MATCH_KEYS:
            if value.get(name) is not None:
                return (name, value[name])
    return None


def _plain(value: Any) -> Any:
    """New data as YAML nodes: Decimals as plain numbers, defaults left out of new objects."""
    if isinstance(value, dict):
        return CommentedMap((k, _plain(v)) for k, v in value.items() if v is not None and v != [] and v != "")
    if isinstance(value, list):
        return CommentedSeq(_plain(v) for v in value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
