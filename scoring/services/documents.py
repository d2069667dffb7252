"""All documents of an assessment: scorecards and ranking, rendered by long-lived workers.

Called from the CLI, from RQ jobs and from the web; needs no Flask. Every PDF goes through
the content-addressed cache (scoring.report.cache): an unchanged document is read from disk,
and only documents whose content changed are rendered, by the worker pool of
scoring.report.worker (one process per core). Every number comes from scoring.services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from scoring.report.cache import PdfCache, content_key
from scoring.report.parallel import RankingJob, run_jobs
from scoring.report.ranking import RankingReport
from scoring.report.render import render_scorecard_html
from scoring.report.worker import (
    Rendered,
    page_count,
    render_bounded,
    render_pool,
    render_to_cache,
)
from scoring.services import scorecards as services
from scoring.settings import Settings
from scoring.store import checkpoints, queries
from scoring.store.db import make_engine, make_session_factory

Progress = Callable[[int, int], None]
RANKING_NAME = "考核结果排名.pdf"
CACHE_MAX_BYTES = 2 * 1024**3  # least recently used PDFs go beyond this (after a ZIP)


def pdf_cache(settings: Settings) -> PdfCache:
    """The PDF cache of this machine's instance folder (``instance/pdf-cache``).

    Per machine, and right on every machine: a PDF is found by the hash of its HTML (or by
    the data version, the newest audit event, read from the shared database), so another
    server's cache can only miss, never answer with a stale document.
    """
    return PdfCache(settings.pdf_cache_path)


def scorecard_pdf(settings: Settings, session: Session, assessment_id: int, town_id: int) -> bytes:
    """Return a town's scorecard PDF: from the cache if its content is unchanged, else
    rendered in the calling process (by its long-lived renderer) and cached.

    Two keys lead to the same bytes: the data version (the newest audit event: every write
    leaves one, so nothing the card shows can change without it changing) answers without
    even building the view model; the HTML's hash catches identical content after a write.
    """
    cache = pdf_cache(settings)
    anchor = checkpoints.latest(session)  # printed on the card: a new checkpoint is a new card
    alias = content_key("scorecard", str(assessment_id), str(town_id), str(queries.data_version(session)),
                        anchor.short if anchor else "")
    data = cache.get(alias)
    if data is None:
        html = render_scorecard_html(services.town_scorecard(session, assessment_id, town_id))
        session.rollback()  # every value is in the HTML: render outside any transaction
        data = cache.get(content_key(html))
        if data is None:
            data = render_bounded(html, seconds=settings.render_timeout_seconds)
            cache.keep(content_key(html), data)  # a full disk costs the cache, never the document
        cache.keep(alias, data)
    return data


def ranking_pdf(settings: Settings, session: Session, assessment_id: int, *, workers: int | None = None) -> bytes:
    """Return the district ranking PDF (cached; see render_ranking)."""
    report = services.district_ranking(session, assessment_id)
    session.rollback()  # the report holds every value: render outside any transaction
    return render_ranking(settings, report, workers=workers).data


@dataclass(frozen=True)
class RankingDocument:
    path: Path  # the PDF in the cache (absent when its disk had no room for it)
    data: bytes
    pages: int
    parts: int  # documents it was rendered as (1: one document)
    rendered: bool  # False: served from the cache
    worker_cpu: float  # CPU seconds the workers spent on it
    peak_worker_rss: int  # bytes, 0 when no worker rendered


def render_ranking(settings: Settings, report: RankingReport, *, workers: int | None = None) -> RankingDocument:
    """Return the ranking's PDF from the cache, or render it: in the calling process when
    short, by the workers in parts when long (a province-sized ranking is a background job)."""
    job = RankingJob(pdf_cache(settings), report)
    peak, cpu = 0, 0.0

    def on_done(rendered: Rendered) -> None:
        nonlocal peak, cpu
        peak, cpu = max(peak, rendered.peak_rss), cpu + rendered.cpu

    if not job.cached:
        if len(job.parts) == 1:
            pdf = render_bounded(job.single_html, seconds=settings.render_timeout_seconds)
            job.data = None if job.cache.keep(job.key, pdf) else pdf
        else:
            pool = render_pool(workers)
            job.start(pool)
            run_jobs(pool, [], job, on_done)
    data = job.pdf()
    return RankingDocument(job.path, data, page_count(data), len(job.parts), not job.cached, cpu, peak)


@dataclass
class Document:
    name: str  # file name in the output folder or ZIP
    path: Path  # the PDF in the cache
    data: bytes | None = None  # the PDF, when the cache had no room for it (a full disk)

    def read(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


@dataclass
class BatchResult:
    """What a batch produced, and what it cost."""

    documents: list[Document] = field(default_factory=list)
    rendered: int = 0  # documents and ranking parts rendered by a worker
    cached: int = 0  # documents served from the cache
    worker_cpu: float = 0.0  # CPU seconds the workers spent rendering
    peak_worker_rss: int = 0  # bytes: the largest peak of the workers that rendered


def render_assessment(settings: Settings, assessment_id: int, *, town_ids: list[int] | None = None,
                      ranking: bool = True, progress: Progress | None = None,
                      workers: int | None = None) -> BatchResult:
    """Render the scorecards of an assessment's towns (all, or ``town_ids``) and its ranking.

    ``progress(done, total)`` is called in the calling thread as documents complete (a long
    ranking counts once per part). Unchanged documents come from the cache. Cards are sent
    to the workers as they are built, so the workers render while the next ones are built.
    Opens its own database session, briefly: the caller must not hold a write transaction
    (with SQLite every transaction of the store is one, BEGIN IMMEDIATE).
    """
    cache = pdf_cache(settings)
    result = BatchResult()
    pool = render_pool(workers)  # worker processes start with the first document sent
    futures: list[Future] = []
    with own_session(settings) as session:  # read everything, then let go of the database
        towns = queries.assessment_towns(session, assessment_id)
        wanted = [t for t in (towns if town_ids is None else town_ids) if t in towns]
        cards, report = services.assessment_documents(session, assessment_id, wanted, ranking=ranking)
    job = RankingJob(cache, report) if report is not None else None
    if job is not None and not job.cached:
        job.start(pool)  # first: it is ready before the cards, and the longest document
    card_keys: set[str] = set()
    uncached: dict[str, bytes] = {}  # PDFs the cache had no room for, by key
    for card in cards:
        html = render_scorecard_html(card)
        key = content_key(html)
        prefix = f"{card.rank:03d}-" if card.rank is not None else "未排名-"
        result.documents.append(Document(f"{prefix}{safe_file_name(card.town)}.pdf", cache.path(key)))
        if cache.path(key).exists():
            result.cached += 1
        else:
            card_keys.add(key)
            futures.append(pool.submit(render_to_cache, str(cache.root), key, html))
    result.documents.sort(key=lambda d: d.name)  # by rank, unranked towns after
    if job is not None:
        result.documents.append(Document(RANKING_NAME, job.path))
        result.cached += job.cached
    cards_done = len(wanted) - len(card_keys)
    total = len(wanted) + (len(job.parts) if job is not None else 0)

    def parts_done() -> int:  # parts whose numbering is final; all of them once merged
        return 0 if job is None else len(job.parts) if job.cached else len(job.done)

    def on_done(rendered: Rendered) -> None:
        nonlocal cards_done
        result.rendered += 1
        result.worker_cpu += rendered.cpu
        result.peak_worker_rss = max(result.peak_worker_rss, rendered.peak_rss)
        cards_done += rendered.key in card_keys
        if rendered.key in card_keys and rendered.pdf is not None:
            uncached[rendered.key] = rendered.pdf
        _report(progress, cards_done + parts_done(), total)

    _report(progress, cards_done + parts_done(), total)
    run_jobs(pool, futures, job if job is not None and not job.cached else None, on_done)
    for document in result.documents:
        document.data = uncached.get(document.path.stem)
    if job is not None and job.data is not None:
        result.documents[-1].data = job.data
    return result


def write_documents(result: BatchResult, out_dir: Path) -> list[Path]:
    """Copy the documents of ``result`` into ``out_dir``; return the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for document in result.documents:
        target = out_dir / document.name
        target.write_bytes(document.read())
        written.append(target)
    return written


def safe_file_name(name: str) -> str:
    """A town name usable as a file name on every system (it stays readable Chinese)."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", name).strip(" .")
    return cleaned[:80] or "unnamed"


# -- internals ------------------------------------------------------------------------------


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(min(done, total), total)


@contextmanager
def own_session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
