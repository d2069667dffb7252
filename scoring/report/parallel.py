"""Running documents on the render workers: the waiting loop, and a ranking in parts.

A long ranking is cut into parts (render.plan_ranking_parts) that the workers render in
parallel and that are then merged, because one process would need minutes and gigabytes
for a province-sized table (3,000 rows: ~25 s and ~0.85 GB in one process).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from pypdf import PdfWriter

from scoring.report.cache import PdfCache, content_key
from scoring.report.ranking import RankingReport
from scoring.report.render import plan_ranking_parts, render_ranking_html, render_ranking_part_html
from scoring.report.worker import Rendered, render_part, render_to_cache


class RankingJob:
    """The ranking PDF: one document, or parts rendered in parallel and merged.

    Each part's footer must count pages across the whole ranking ("第 41 页 / 共 97 页"), so
    parts are numbered from their expected page counts. A part whose count differs sends the
    parts numbered from it back to render (their layout does not depend on the footer, so
    one correction settles it); the last part, the only estimate, goes first to the queue.
    """

    def __init__(self, cache: PdfCache, report: RankingReport) -> None:
        self.cache, self.report = cache, report
        self.parts = plan_ranking_parts(report)
        self.pages = [part.pages for part in self.parts]
        self._html: dict[tuple[int, tuple[int, int]], str] = {}
        # The whole ranking's HTML when it is one document (built once: the key is its hash).
        self.single_html = render_ranking_html(report) if len(self.parts) == 1 else ""
        if len(self.parts) == 1:
            self.key = content_key(self.single_html)
        else:
            self.key = content_key(*(self.html(i) for i in range(len(self.parts))))
        self.path = cache.path(self.key)
        self.cached = self.path.exists()
        self.data: bytes | None = None  # the PDF, when the cache had no room for it (a full disk)
        self.done: dict[int, tuple[tuple[int, int], bytes]] = {}  # part -> (numbering, pdf)
        self.running: dict[Future, tuple[int, tuple[int, int]]] = {}

    def pdf(self) -> bytes:
        """The finished ranking's bytes: held here, or read from the cache."""
        return self.data if self.data is not None else self.path.read_bytes()

    def numbering(self, index: int) -> tuple[int, int]:
        return 1 + sum(self.pages[:index]), sum(self.pages)

    def html(self, index: int) -> str:
        numbering = self.numbering(index)
        if (index, numbering) not in self._html:  # the key needs them all before rendering
            self._html[index, numbering] = render_ranking_part_html(self.report, self.parts[index], *numbering)
        return self._html[index, numbering]

    def start(self, pool: ProcessPoolExecutor) -> None:
        """Send the ranking, or its parts (the last, estimated one first), to the workers."""
        if len(self.parts) == 1:
            self.running[pool.submit(render_to_cache, str(self.cache.root), self.key, self.single_html)] = (0, (1, 1))
        else:
            for index in [len(self.parts) - 1, *range(len(self.parts) - 1)]:
                self._submit(pool, index)

    def _submit(self, pool: ProcessPoolExecutor, index: int) -> Future:
        future = pool.submit(render_part, str(index), self.html(index))
        self.running[future] = (index, self.numbering(index))
        return future

    def finished(self, pool: ProcessPoolExecutor, future: Future, rendered: Rendered) -> list[Future]:
        """Record a finished part; return the futures of parts sent back to render."""
        index, numbering = self.running.pop(future)
        if len(self.parts) == 1:
            self.done[0] = (numbering, b"")  # render_to_cache stored it, or returned it
            self.data = rendered.pdf
            return []
        self.pages[index] = rendered.pages
        self.done[index] = (numbering, rendered.pdf or b"")
        stale = {i for i, (used, _) in self.done.items() if used != self.numbering(i)}
        for running, (i, used) in list(self.running.items()):
            if used != self.numbering(i) and running.cancel():
                del self.running[running]
                stale.add(i)
        for i in stale:
            self.done.pop(i, None)
        resubmitted = [self._submit(pool, i) for i in sorted(stale)]
        if not self.running and len(self.done) == len(self.parts):
            self._merge()
        return resubmitted

    def _merge(self) -> None:
        writer = PdfWriter()
        for index in range(len(self.parts)):
            writer.append(io.BytesIO(self.done[index][1]))
        buffer = io.BytesIO()
        writer.write(buffer)
        if not self.cache.keep(self.key, buffer.getvalue()):
            self.data = buffer.getvalue()


def run_jobs(pool: ProcessPoolExecutor, futures: list[Future], job: RankingJob | None,
             on_done: Callable[[Rendered], None]) -> None:
    """Wait, in the calling thread, for ``futures`` and the parts of ``job`` (started)."""
    ranking = set(job.running) if job is not None else set()
    pending = set(futures) | ranking
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            if future.cancelled():
                continue  # a part sent back to render with new page numbers
            rendered = future.result()
            if job is not None and future in ranking:
                resubmitted = set(job.finished(pool, future, rendered))
                ranking |= resubmitted
                pending |= resubmitted
            on_done(rendered)
