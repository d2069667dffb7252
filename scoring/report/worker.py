"""Long-lived render worker processes, one per core, each holding one renderer.

WeasyPrint lays out in pure Python, so documents render in parallel only in separate
processes (two workers on two cores render about twice as fast; threads do not help). Each worker builds its PdfRenderer (FontConfiguration and
parsed base CSS) once and keeps it for every document it renders. Workers receive HTML
strings only, never view models, so this module and the worker processes stay free of
pandas and SQLAlchemy (a worker's memory is WeasyPrint's and the document's, nothing else).
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from scoring.report.cache import PdfCache
from scoring.report.pdf import get_renderer

# The stylesheet of every report document (scorecard.html, ranking.html), parsed once per
# process by the renderer rather than linked from each document.
REPORT_CSS = ("scorecard.css",)

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    """What a worker reports back about one document it rendered."""

    key: str
    pages: int  # counted for parts only (0 for documents stored in the cache)
    cpu: float  # CPU seconds the worker spent on it
    peak_rss: int  # the worker's peak resident memory so far, in bytes
    # returned for parts that the caller merges, and for documents the cache had no room for
    pdf: bytes | None = None


def default_workers() -> int:
    """One worker per core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def render_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """This process's pool of render workers, started on first use and kept until exit.

    Workers come from a fork server that has imported WeasyPrint once: starting one is a
    fork, not a new interpreter, and no worker inherits the caller's threads, database
    connections or open sockets (forking a threaded web or job process is unsafe).
    """
    global _pool, _pool_workers
    wanted = workers or default_workers()
    with _pool_lock:
        if _pool is not None and _pool_workers != wanted:
            _pool.shutdown(wait=True)
            _pool = None
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["scoring.report.worker"])
            _pool = ProcessPoolExecutor(max_workers=wanted, mp_context=context, initializer=_warm_up)
            _pool_workers = wanted
        return _pool


def warm_pool(workers: int | None = None) -> int:
    """Start every worker now and return how many run.

    The pool spawns processes on demand, one per busy worker, so a first batch would wait
    for the others' start-up (2–3 s each). Tasks that hold a worker briefly make the pool
    start them all; a long-lived server or job worker calls this once when it starts.
    """
    wanted = workers or default_workers()
    pool = render_pool(wanted)
    pids: set[int] = set()
    for _ in range(10):
        pids |= set(pool.map(_hold, [0.2] * wanted))
        if len(pids) >= wanted:
            break
    return len(pids)


def _hold(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def shutdown_pool() -> None:
    """Stop the render workers (they are started again on next use)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown_pool)


class RenderLimitExceeded(RuntimeError):
    """A document past its bound: ``kind`` "time" (seconds) or "size" (characters or bytes)."""

    def __init__(self, kind: str, limit: float) -> None:
        super().__init__(f"document over its {kind} limit ({limit})")
        self.kind = kind
        self.limit = limit


MAX_HTML_CHARS = 5_000_000  # a 2,000-town ranking is ~2 MB of HTML
MAX_PDF_BYTES = 100 * 1024**2


def render_bounded(html: str, *, seconds: float) -> bytes:
    """Render one report document in a worker process, bounded in size and in time.

    Past ``seconds`` the workers are killed (WeasyPrint cannot be interrupted inside a
    process) and RenderLimitExceeded("time") is raised; the pool starts afresh on next use.
    """
    if len(html) > MAX_HTML_CHARS:
        raise RenderLimitExceeded("size", MAX_HTML_CHARS)
    future = render_pool().submit(render_document, html)
    try:
        pdf = future.result(timeout=seconds)
    except TimeoutError:
        kill_pool()
        raise RenderLimitExceeded("time", seconds) from None
    if len(pdf) > MAX_PDF_BYTES:
        raise RenderLimitExceeded("size", MAX_PDF_BYTES)
    return pdf


def kill_pool() -> None:
    """Kill the render workers at once (their documents fail; the next use starts new ones)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def render_document(html: str) -> bytes:
    """Render a report document with this process's renderer and the report stylesheet."""
    return get_renderer().render(html, bundled=REPORT_CSS)


def _warm_up() -> None:
    # Fonts loaded and stylesheets parsed before the first real document arrives.
    render_document('<html lang="zh-CN"><body><p>预热</p></body></html>')


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def render_to_cache(cache_root: str, key: str, html: str) -> Rendered:
    """Render ``html`` and store the PDF in the cache under ``key`` (in a worker); a PDF the
    cache has no room for (a full disk) is returned instead."""
    start = time.process_time()
    pdf = render_document(html)
    kept = PdfCache(Path(cache_root)).keep(key, pdf)
    return Rendered(key=key, pages=0, cpu=time.process_time() - start, peak_rss=_peak_rss(),
                    pdf=None if kept else pdf)


def render_part(key: str, html: str) -> Rendered:
    """Render one part of a long document and return its bytes for merging (in a worker)."""
    start = time.process_time()
    pdf = render_document(html)
    return Rendered(key=key, pages=page_count(pdf), cpu=time.process_time() - start, peak_rss=_peak_rss(), pdf=pdf)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
