"""Where an evidence file's text stands, from upload to passages, in one place.

Extraction runs as a background job (``scoring.jobs``) with a time limit
(``scoring.evidence.sandbox``), so a file is first ``pending``, then ``extracting``, and ends
in one of the extraction's own states (``Extraction.state``: text, ocr, no_text_layer,
no_text) or ``failed`` (with the reason, a message) or ``timed_out``. A file that ended
without passages says so; it is never shown as an empty document.
"""

from __future__ import annotations

from scoring.messages import N_, Message

from .extract import STATE_MESSAGES

PENDING = frozenset({"pending", "extracting"})
DONE = frozenset(STATE_MESSAGES)  # text, ocr, no_text_layer, no_text
PROBLEMS = frozenset({"failed", "timed_out", "no_text_layer", "no_text"})  # shown as a warning
STATES = PENDING | DONE | {"failed", "timed_out"}

_MESSAGES: dict[str, Message] = {
    "pending": N_("等待提取文字"),
    "extracting": N_("正在提取文字…"),
    "timed_out": N_("文字提取超时：文件过大或过于复杂，未能在限定时间内读完，请拆分或另存后重新上传"),
    **STATE_MESSAGES,
}


def reason_data(message: Message) -> dict:
    """A message as stored beside the file (JSON): its id and parameters (nested messages too)."""
    return {"id": message.id, "params": {k: reason_data(v) if isinstance(v, Message) else str(v)
                                         for k, v in message.params.items()}}


def reason_message(data: dict | None) -> Message | None:
    """The stored reason again, as a message the shells translate."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    return Message(data["id"], {k: reason_message(v) if isinstance(v, dict) else v for k, v in params.items()})


def state_message(state: str, reason: dict | None = None) -> Message:
    """What people are told about a file's text in ``state``; a failure says why."""
    if state == "failed":
        why = reason_message(reason)
        return N_("文字提取失败：%(reason)s", reason=why) if why else N_("文字提取失败")
    return _MESSAGES.get(state, N_("文字提取失败"))
