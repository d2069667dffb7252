"""All documents of an assessment: scorecards and ranking, rendered by long-lived workers.

Called from the CLI, from RQ jobs and from the web; needs no Flask. Every PDF goes through
the content-addressed cache (scoring.report.cache): an unchanged document is read from disk,
and only documents whose content changed are rendered, by the worker pool of
scoring.report.worker (one process per core). Every number comes from scoring.services.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfWriter
from sqlalchemy.orm import Session

from scoring import services
from scoring.report.cache import PdfCache, content_key
from scoring.report.pdf import render_pdf
from scoring.report.render import (
    plan_ranking_parts,
    render_ranking_html,
    render_ranking_part_html,
    render_scorecard_html,
)
from scoring.report.scorecard import RankingReport
from scoring.report.worker import Rendered, page_count, render_part, render_pool, render_to_cache
from scoring.settings import Settings
from scoring.store import queries
from scoring.store.db import make_engine, make_session_factory

Progress = Callable[[int, int], None]
RANKING_NAME = "考核结果排名.pdf"


def pdf_cache(settings: Settings) -> PdfCache:
    """The PDF cache of this instance (``instance/pdf-cache``)."""
    return PdfCache(settings.instance_path / "pdf-cache")


def scorecard_pdf(settings: Settings, session: Session, assessment_id: int, town_id: int) -> bytes:
    """Return a town's scorecard PDF: from the cache if its content is unchanged, else
    rendered in the calling process (by its long-lived renderer) and cached."""
    html = render_scorecard_html(services.town_scorecard(session, assessment_id, town_id))
    return pdf_cache(settings).get_or_render(html, render_pdf)


def ranking_pdf(settings: Settings, session: Session, assessment_id: int, *, workers: int | None = None) -> bytes:
    """Return the district ranking PDF (cached; see render_ranking)."""
    report = services.district_ranking(session, assessment_id)
    return render_ranking(settings, report, workers=workers).path.read_bytes()


@dataclass(frozen=True)
class RankingDocument:
    path: Path  # the PDF in the cache
    pages: int
    parts: int  # documents it was rendered as (1: one document)
    rendered: bool  # False: served from the cache
    peak_worker_rss: int  # bytes, 0 when no worker rendered


def render_ranking(settings: Settings, report: RankingReport, *, workers: int | None = None) -> RankingDocument:
    """Return the ranking's PDF from the cache, or render it: in the calling process when
    short, by the workers in parts when long (a province-sized ranking is a background job)."""
    job = _RankingJob(pdf_cache(settings), report)
    peak = 0

    def on_done(rendered: Rendered) -> None:
        nonlocal peak
        peak = max(peak, rendered.peak_rss)

    if not job.cached:
        if len(job.parts) == 1:
            job.cache.put(job.key, render_pdf(render_ranking_html(report)))
        else:
            _run(render_pool(workers), [], job, on_done)
    return RankingDocument(job.path, page_count(job.path.read_bytes()), len(job.parts), not job.cached, peak)


@dataclass(frozen=True)
class Document:
    name: str  # file name in the output folder or ZIP
    path: Path  # the PDF in the cache


@dataclass
class BatchResult:
    """What a batch produced, and what it cost."""

    documents: list[Document] = field(default_factory=list)
    rendered: int = 0  # documents and ranking parts rendered by a worker
    cached: int = 0  # documents served from the cache
    peak_worker_rss: int = 0  # bytes: the largest peak of the workers that rendered


def render_assessment(settings: Settings, assessment_id: int, *, town_ids: list[int] | None = None,
                      ranking: bool = True, progress: Progress | None = None,
                      workers: int | None = None) -> BatchResult:
    """Render the scorecards of an assessment's towns (all, or ``town_ids``) and its ranking.

    ``progress(done, total)`` is called in the calling thread as documents complete (a long
    ranking counts once per part). Unchanged documents come from the cache.
    """
    with _session(settings) as session:
        towns = queries.assessment_towns(session, assessment_id)
        wanted = list(towns) if town_ids is None else [t for t in town_ids if t in towns]
        cards = [services.town_scorecard(session, assessment_id, t) for t in wanted]
        report = services.district_ranking(session, assessment_id) if ranking else None
    cache = pdf_cache(settings)
    result = BatchResult()
    todo: dict[str, str] = {}  # key -> html of documents to render
    for card in sorted(cards, key=lambda c: (c.rank is None, c.rank or 0, c.town)):
        html = render_scorecard_html(card)
        key = content_key(html)
        prefix = f"{card.rank:03d}-" if card.rank is not None else "未排名-"
        result.documents.append(Document(f"{prefix}{safe_file_name(card.town)}.pdf", cache.path(key)))
        if not cache.path(key).exists():
            todo[key] = html
    job = _RankingJob(cache, report) if report is not None else None
    if job is not None:
        result.documents.append(Document(RANKING_NAME, job.path))
    result.cached = len(cards) - len(todo) + (1 if job is not None and job.cached else 0)
    total = len(cards) + (len(job.parts) if job is not None else 0)
    cards_done = len(cards) - len(todo)

    def on_done(rendered: Rendered) -> None:
        nonlocal cards_done
        result.rendered += 1
        result.peak_worker_rss = max(result.peak_worker_rss, rendered.peak_rss)
        cards_done += rendered.pdf is None and rendered.key in todo
        _report(progress, cards_done + _parts_done(job), total)

    _report(progress, cards_done + _parts_done(job), total)
    if todo or (job is not None and not job.cached):
        pool = render_pool(workers)
        futures = [pool.submit(render_to_cache, str(cache.root), key, html) for key, html in todo.items()]
        _run(pool, futures, job if job is not None and not job.cached else None, on_done)
    return result


def _parts_done(job: _RankingJob | None) -> int:
    if job is None:
        return 0
    return len(job.parts) if job.cached or job.path.exists() else len(job.done)


def render_assessment_zip(settings: Settings, assessment_id: int, progress: Progress | None = None,
                          *, workers: int | None = None) -> Path:
    """Render every scorecard of an assessment and its ranking into one ZIP; return its path.

    The ZIP is named by its content (under ``instance/exports``), so asking again for
    unchanged results returns the same file and renders nothing.
    """
    result = render_assessment(settings, assessment_id, progress=progress, workers=workers)
    listing = "\n".join(f"{d.name}\0{d.path.name}" for d in result.documents)
    target = (settings.instance_path / "exports"
              / f"assessment-{assessment_id}-{hashlib.sha256(listing.encode()).hexdigest()[:16]}.zip")
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", suffix=".zip", delete=False) as tmp:
        # PDFs are compressed already: storing them is as small, and faster.
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            for document in result.documents:
                archive.write(document.path, document.name)
    Path(tmp.name).replace(target)
    return target


def write_documents(result: BatchResult, out_dir: Path) -> list[Path]:
    """Copy the documents of ``result`` into ``out_dir``; return the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for document in result.documents:
        target = out_dir / document.name
        target.write_bytes(document.path.read_bytes())
        written.append(target)
    return written


def safe_file_name(name: str) -> str:
    """A town name usable as a file name on every system (it stays readable Chinese)."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", name).strip(" .")
    return cleaned[:80] or "unnamed"


# -- internals ------------------------------------------------------------------------------


class _RankingJob:
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
        if len(self.parts) == 1:
            self.key = content_key(render_ranking_html(report))
        else:
            self.key = content_key(*(self.html(i) for i in range(len(self.parts))))
        self.path = cache.path(self.key)
        self.cached = self.path.exists()
        self.done: dict[int, tuple[tuple[int, int], bytes]] = {}  # part -> (numbering, pdf)
        self.running: dict[Future, tuple[int, tuple[int, int]]] = {}

    def numbering(self, index: int) -> tuple[int, int]:
        return 1 + sum(self.pages[:index]), sum(self.pages)

    def html(self, index: int) -> str:
        return render_ranking_part_html(self.report, self.parts[index], *self.numbering(index))

    def start(self, pool: ProcessPoolExecutor) -> list[Future]:
        if len(self.parts) == 1:
            return [pool.submit(render_to_cache, str(self.cache.root), self.key, render_ranking_html(self.report))]
        return [self._submit(pool, i) for i in [len(self.parts) - 1, *range(len(self.parts) - 1)]]

    def _submit(self, pool: ProcessPoolExecutor, index: int) -> Future:
        future = pool.submit(render_part, str(index), self.html(index))
        self.running[future] = (index, self.numbering(index))
        return future

    def finished(self, pool: ProcessPoolExecutor, future: Future, rendered: Rendered) -> list[Future]:
        """Record a finished part; return the futures of parts sent back to render."""
        if len(self.parts) == 1:
            self.done[0] = ((1, 1), b"")
            return []
        index, numbering = self.running.pop(future)
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
        self.cache.put(self.key, buffer.getvalue())


def _run(pool: ProcessPoolExecutor, futures: list[Future], job: _RankingJob | None,
         on_done: Callable[[Rendered], None]) -> None:
    """Wait, in the calling thread, for ``futures`` and the ranking's parts (queued last)."""
    ranking = set(job.start(pool)) if job is not None else set()
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


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(min(done, total), total)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
