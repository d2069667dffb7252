"""Background jobs: rendering all scorecards of an assessment as one ZIP, and extracting
the text of an uploaded evidence file (at the end of this module).

On Redis (RQ) an ``rq worker`` process (or ``python -m web``'s own worker) runs the job,
which reports progress in the job's meta. Without Redis (``BACKGROUND_JOBS=auto`` and no
answer, or ``thread``) the job runs in a thread of this process, its state kept in memory:
right for the embedded one-process server, not for several app servers (they need Redis).
The web enqueues and polls either way. Nothing here imports Flask.

Redis holds only the queue and each job's progress: the finished ZIP is stored by the job
in the project's own storage (``scoring.services.exports``), and the download reads it from
there, never a path or result from Redis. ``REDIS_URL`` may carry a password
(``redis://:pw@host:6379/0``) and use TLS (``rediss://…``, with ``?ssl_ca_certs=…`` for a
private CA); note that whoever can write to the queue can make a worker run code, so a
shared Redis must have a password.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from redis import Redis
from rq import Queue, get_current_job
from rq.job import Job
from sqlalchemy.engine import URL, make_url

from scoring.settings import Settings


def connection(settings: Settings) -> Redis:
    """A client of ``REDIS_URL`` (its password and TLS options included)."""
    return Redis.from_url(settings.redis_url, socket_connect_timeout=2)


def redis_available(settings: Settings) -> bool:
    """Whether Redis answers; the web says so plainly instead of failing a click later."""
    try:
        return bool(connection(settings).ping())
    except Exception:  # noqa: BLE001 - any failure to connect means "not available"
        return False


def uses_redis(settings: Settings) -> bool:
    if settings.background_jobs == "auto":
        return redis_available(settings)
    return settings.background_jobs == "redis"


def available(settings: Settings) -> bool:
    """Whether a job can be started now (Redis, when required, answers)."""
    return settings.background_jobs != "redis" or redis_available(settings)


def enqueue_assessment_zip(settings: Settings, assessment_id: int) -> str:
    """Queue the rendering of an assessment's scorecards and ranking; return the job id."""
    if not uses_redis(settings):
        return _enqueue_in_thread(settings, assessment_id)
    queue = Queue(settings.job_queue, connection=connection(settings))
    job = queue.enqueue(render_assessment_zip_job, _where(settings), assessment_id,
                        job_timeout=1800, result_ttl=86400, failure_ttl=86400)
    job.meta.update({"done": 0, "total": 0, "assessment_id": assessment_id})
    job.save_meta()
    return job.id


def render_assessment_zip_job(settings_data: dict, assessment_id: int) -> str:
    """The job: render every scorecard and the ranking into a ZIP, store it; return its sha256."""
    from scoring.services.exports import render_assessment_zip

    settings = worker_settings(settings_data)
    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta.update({"done": done, "total": total})
            job.save_meta()

    try:
        return render_assessment_zip(settings, assessment_id, progress=progress,
                                     job_id=job.id if job is not None else "direct")
    except Exception as exc:
        if job is not None and problem_of(exc):  # the page says why, not only "failed"
            job.meta["problem"] = problem_of(exc)
            job.save_meta()
        raise
    finally:
        from scoring.report.worker import shutdown_pool

        shutdown_pool()  # RQ's work-horse exits without running exit handlers


def worker_settings(sent: dict, environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings a job runs with: the worker's own environment wins over what the app sent.

    A worker on another machine has its own instance folder (``INSTANCE_PATH``) and may have
    its own ``DATABASE_URL``; what the app sent fills in only what the worker does not set.
    """
    return Settings(**{key: value for key, value in sent.items() if key.upper() not in environ})


@dataclass(frozen=True)
class JobState:
    status: str  # queued, started, finished, failed
    done: int
    total: int
    assessment_id: int | None  # as the queue says: for the page only, the download reads the store
    problem: str = ""  # why a failed job failed, when people can act on it ("storage_full")


def problem_of(error: BaseException) -> str:
    """The stable word for a failure people can act on, else "" (a bug: the log has it)."""
    code = getattr(error, "code", "")
    return code if code == "storage_full" else ""


def job_state(settings: Settings, job_id: str) -> JobState | None:
    """The job's status and progress, or None if there is no such job."""
    if job_id.startswith(LOCAL_PREFIX):
        with _local_lock:
            return _local_jobs.get(job_id)
    try:
        job = Job.fetch(job_id, connection=connection(settings))
    except Exception:  # noqa: BLE001 - unknown or expired job
        return None
    status = job.get_status(refresh=True)
    meta = job.get_meta(refresh=True)
    return JobState(str(status.value if hasattr(status, "value") else status), int(meta.get("done", 0)),
                    int(meta.get("total", 0)), meta.get("assessment_id"), str(meta.get("problem", "")))


LOCAL_PREFIX = "local-"
_local_jobs: dict[str, JobState] = {}
_local_lock = threading.Lock()
_local_executor: ThreadPoolExecutor | None = None


def _enqueue_in_thread(settings: Settings, assessment_id: int) -> str:
    """Run the job in this process's single job thread (jobs queue behind each other)."""
    global _local_executor
    job_id = LOCAL_PREFIX + uuid.uuid4().hex
    with _local_lock:
        _local_jobs[job_id] = JobState("queued", 0, 0, assessment_id)
        if _local_executor is None:  # made on first use: in the process that serves, after any fork
            _local_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-job")
    _local_executor.submit(_run_in_thread, settings, assessment_id, job_id)
    return job_id


def _run_in_thread(settings: Settings, assessment_id: int, job_id: str) -> None:
    from scoring.services.exports import render_assessment_zip

    def update(**changes) -> None:
        with _local_lock:
            _local_jobs[job_id] = replace(_local_jobs[job_id], **changes)

    update(status="started")
    try:
        render_assessment_zip(settings, assessment_id, job_id=job_id,
                              progress=lambda done, total: update(done=done, total=total))
    except Exception as exc:  # noqa: BLE001 - the page shows "failed" (and why); the log keeps the traceback
        import logging

        logging.getLogger(__name__).exception("background job %s failed", job_id)
        update(status="failed", problem=problem_of(exc))
        return
    update(status="finished")


# Extraction of uploaded evidence. Its state lives on the evidence row, not in the job, so
# the in-process runner works for several app servers too; the time limit is the
# extraction's own (a child process, ``scoring.evidence.sandbox``), RQ's timeout a backstop.
_extract_executor: ThreadPoolExecutor | None = None


def enqueue_extraction(settings: Settings, evidence_id: int) -> str:
    """Queue the extraction of a stored evidence file; return where it runs ("rq" or "thread")."""
    if uses_redis(settings):
        try:
            queue = Queue(settings.job_queue, connection=connection(settings))
            queue.enqueue(extract_evidence_job, _where(settings), evidence_id,
                          job_timeout=int(settings.extraction_timeout_seconds) + 60, result_ttl=3600,
                          failure_ttl=86400)
            return "rq"
        except Exception:  # noqa: BLE001 - Redis went away: extract here rather than never
            import logging

            logging.getLogger(__name__).exception("could not queue extraction of evidence %s", evidence_id)
    global _extract_executor
    with _local_lock:
        if _extract_executor is None:  # its own thread: an extraction never waits behind a ZIP
            _extract_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-extract")
    _extract_executor.submit(_extract_in_thread, settings, evidence_id)
    return "thread"


def _where(settings: Settings) -> dict:
    """Only what a worker needs to find the data and apply the limits. Secrets stay in its
    environment: whoever reads Redis must not learn the database's password, so the URL goes
    without it (the worker's own ``DATABASE_URL``, ``PGPASSWORD`` or ``.pgpass`` supplies it)."""
    return {"database_url": _without_password(settings.database_url), "instance_path": str(settings.instance_path),
            "environment": settings.environment, "extraction_timeout_seconds": settings.extraction_timeout_seconds,
            "extraction_memory_mb": settings.extraction_memory_mb}


def _without_password(url: str) -> str:
    if not url:
        return url
    parsed = make_url(url)
    if parsed.password is None:
        return url
    bare = URL.create(parsed.drivername, username=parsed.username, host=parsed.host, port=parsed.port,
                      database=parsed.database, query=parsed.query)
    return bare.render_as_string(hide_password=False)


def extract_evidence_job(settings_data: dict, evidence_id: int) -> str:
    """The job: extract one evidence file within its limits; return the state it ended in."""
    return _extract(worker_settings(settings_data), evidence_id)


def _extract_in_thread(settings: Settings, evidence_id: int) -> None:
    try:
        _extract(settings, evidence_id)
    except Exception:  # noqa: BLE001 - the row says "failed" or stays pending; the log keeps why
        import logging

        logging.getLogger(__name__).exception("extraction of evidence %s failed", evidence_id)


def _extract(settings: Settings, evidence_id: int) -> str:
    from scoring.services.evidence import extract_stored
    from scoring.services.match_index import configure
    from scoring.store.audit import use_key
    from scoring.store.db import make_engine, make_session_factory

    configure(settings.matcher_index_path)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        use_key(factory, settings.audit_key())  # the system's audit event is signed like any other
        with factory() as session:
            return extract_stored(session, settings, evidence_id).text_state
    finally:
        engine.dispose()


def resume_extractions(settings: Settings) -> list[int]:
    """Queue again every file whose extraction was lost with its process (a server restarted
    while its thread held the job, a worker killed); return their ids. Run at start-up by
    ``python -m web`` and by ``scoring evidence resume``; a file queued twice is extracted once."""
    from datetime import UTC, datetime, timedelta

    from scoring.store import operations
    from scoring.store.db import make_engine, make_session_factory

    stalled = datetime.now(UTC) - timedelta(seconds=settings.extraction_timeout_seconds + 60)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            stranded = operations.stranded_extractions(session, stalled_before=stalled)
    finally:
        engine.dispose()
    for evidence_id in stranded:
        enqueue_extraction(settings, evidence_id)
    return stranded
