"""``python -m web``: set up the database, load the demo when empty, print the URL, serve.

For development and the demo; production runs ``gunicorn wsgi:app`` behind HTTPS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scoring import jobs
from scoring.demo.load import load_demo
from scoring.settings import Settings
from web import create_app


def main() -> None:
    settings = Settings()
    app = create_app(settings)
    with app.app_context(), app.extensions["session_factory"]() as session:
        accounts = load_demo(session, settings)
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    if accounts:
        print("Demo district loaded. Demo accounts (username / password):")
        for account in accounts:
            print(f"  {account.username:<10} {account.password:<18} {account.note}")
    else:
        print("Existing data kept. Demo accounts, if this is the demo: <username> / demo-<username>")
    worker = _start_worker(settings)
    print(f"\n  Open http://{host}:{port}/  (Ctrl+C to stop)\n", flush=True)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()


def _start_worker(settings: Settings) -> subprocess.Popen | None:
    """Run a background-job worker beside the server when Redis answers (PDF ZIPs)."""
    if not jobs.redis_available(settings):
        print("Redis not reachable: ZIPs of all scorecards are unavailable (single PDFs still work).")
        return None
    rq = Path(sys.executable).with_name("rq")
    return subprocess.Popen([str(rq), "worker", "--url", settings.redis_url, "--quiet", settings.job_queue])


if __name__ == "__main__":
    main()
