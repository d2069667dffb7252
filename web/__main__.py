"""``python -m web`` (``make run``): migrate, load the demo when empty, print the URL, serve.

Serves with gunicorn (threaded workers), not Flask's development server. Background jobs
run in an RQ worker beside it when Redis answers, else in a thread of the one app process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from scoring import jobs
from scoring.demo.load import load_demo
from scoring.settings import Settings
from scoring.store.audit import use_key
from scoring.store.checkpoints import use_checkpoints
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database


def prepare(settings: Settings) -> list:
    """Migrate once (not in every worker) and load the demo into an empty database."""
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    try:
        factory = make_session_factory(engine)
        use_key(factory, settings.audit_key())
        use_checkpoints(factory, settings.audit_checkpoints_path)
        with factory() as session:
            return load_demo(session, settings)
    finally:
        engine.dispose()


class Server(BaseApplication):
    """gunicorn, configured here: the app is built in each worker, after the fork."""

    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings, self.options = settings, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self.settings)


def main() -> None:
    settings = Settings()
    accounts = prepare(settings)
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    if accounts:
        print("Demo district loaded. Demo accounts (username / password):")
        for account in accounts:
            print(f"  {account.username:<10} {account.password:<18} {account.note}")
    else:
        print("Existing data kept. Demo accounts, if this is the demo: <username> / demo-<username>")
    worker = _start_worker(settings)
    # Jobs in a thread live in one process's memory: then one worker process, many threads.
    processes = int(os.environ.get("WEB_CONCURRENCY", "2" if worker else "1"))
    print(f"\n  Open http://{host}:{port}/  (Ctrl+C to stop)\n", flush=True)
    try:
        Server(settings, {"bind": f"{host}:{port}", "workers": processes, "worker_class": "gthread",
                          "threads": 8, "timeout": 120, "accesslog": None, "loglevel": "warning",
                          # in the worker: a job lost in a thread by the last stop is queued again here
                          "post_worker_init": lambda _worker: _resume_extractions(settings)}).run()
    finally:
        if worker is not None:
            worker.terminate()


def _resume_extractions(settings: Settings) -> None:
    try:
        jobs.resume_extractions(settings)
    except Exception:  # noqa: BLE001 - the server serves anyway; `scoring evidence resume` retries
        import logging

        logging.getLogger(__name__).exception("could not queue stranded extractions again")


def _start_worker(settings: Settings) -> subprocess.Popen | None:
    """Run an RQ worker beside the server when jobs go to Redis; else they run in-process."""
    if not jobs.uses_redis(settings):
        print("Redis not reachable: background jobs (ZIPs of all scorecards, evidence text extraction) run inside the server.")
        return None
    rq = Path(sys.executable).with_name("rq")
    # The URL by environment, not argument: a password in it stays out of `ps`.
    return subprocess.Popen([str(rq), "worker", "--quiet", settings.job_queue],
                            env={**os.environ, "RQ_REDIS_URL": settings.redis_url})


if __name__ == "__main__":
    main()
