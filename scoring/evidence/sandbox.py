"""Extraction in a child process with a time limit and a memory bound.

A file comes from outside and may be hostile: a PDF that takes minutes to lay out, a scan
of 2,000 pages, a decompression bomb. Python cannot stop a thread, so the extraction runs
in a child process (``python -m scoring.evidence.sandbox``) in its own process group: past
``timeout`` seconds the whole group (with any pdftotext or tesseract it started) is killed
and the outcome is ``timed_out``. The child also bounds its own address space and CPU time,
so a file that needs more memory fails instead of taking the machine. The page bounds are
the readers' own (``pdf_text.MAX_PDF_PAGES``, ``ocr.MAX_OCR_PAGES``); the size bound is the
upload's. The parent gets the passages back as JSON and nothing is stored until it has all
of them (the caller stores them in one transaction).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scoring.messages import N_, Message

from .errors import EvidenceRejected
from .passages import Passage

DEFAULT_TIMEOUT_SECONDS = 120.0
DEFAULT_MEMORY_BYTES = 1536 * 1024 * 1024
_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the scoring package


@dataclass(frozen=True)
class Outcome:
    """What became of a file's text: ``state`` (``scoring.evidence.states``), its passages,
    and for ``failed`` the reason."""

    state: str
    passages: list[Passage]
    reason: Message | None = None
    seconds: float = 0.0


def extract_limited(data: bytes, kind: str, filename: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                    memory_bytes: int = DEFAULT_MEMORY_BYTES) -> Outcome:
    """Extract ``data`` in a child process; ``timed_out`` past ``timeout`` seconds (the child
    and everything it started are killed), ``failed`` with the reason for an unreadable file."""
    import time

    header = json.dumps({"kind": kind, "name": filename, "memory": memory_bytes, "cpu": int(timeout) + 5})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "scoring.evidence.sandbox"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        out, err = child.communicate(header.encode() + b"\n" + data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        for stream in (child.stdin, child.stdout, child.stderr):  # closed even mid-write of a large file
            try:
                stream.close()
            except OSError:
                pass
        child.wait()
        return Outcome("timed_out", [], seconds=time.monotonic() - started)
    finally:
        if child.poll() is None:  # interrupted (the worker itself stopped): leave nothing running
            _kill_group(child)
    seconds = time.monotonic() - started
    try:
        answer = json.loads(out) if child.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return Outcome("failed", [], N_("文件过于复杂，超出了文字提取允许的内存或时间"), seconds)
    if "rejected" in answer:
        from .states import reason_message

        return Outcome("failed", [], reason_message(answer["rejected"]), seconds)
    passages = [Passage.model_validate(p) for p in answer["passages"]]
    return Outcome(answer["state"], passages, None, seconds)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _bound(memory: int, cpu: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def main() -> None:
    """The child: read the header line and the file from stdin, print the outcome as JSON."""
    raw = sys.stdin.buffer.read()
    header_line, _, data = raw.partition(b"\n")
    header = json.loads(header_line)
    _bound(int(header["memory"]), int(header["cpu"]))
    from .extract import extract_document
    from .states import reason_data

    try:
        extraction = extract_document(data, header["kind"], header["name"])
    except EvidenceRejected as exc:
        answer: dict = {"rejected": reason_data(exc.message)}
    else:
        answer = {"state": extraction.state, "passages": [p.model_dump(mode="json") for p in extraction.passages]}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
