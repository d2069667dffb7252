"""Fixtures for the document tests: the demo district in a database of its own per test,
and a loopback HTTP server that records any request a renderer might make."""

from __future__ import annotations

import shutil
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from scoring.settings import Settings
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo district loaded once (≈ 9 s); tests get a copy of its SQLite file."""
    from scoring.demo.load import load_demo

    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(instance_path=folder)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    with make_session_factory(engine)() as session:
        load_demo(session, settings)
    engine.dispose()  # the last connection checkpoints the WAL into scoring.db
    return folder / "scoring.db"


@pytest.fixture
def demo_settings(demo_database: Path, tmp_path: Path) -> Settings:
    """Settings of a fresh copy of the demo database (2024 released, 2025 being scored)."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(demo_database, instance / "scoring.db")
    return Settings(instance_path=instance)


@pytest.fixture
def demo_session(demo_settings: Settings) -> Iterator[Session]:
    engine = make_engine(demo_settings.sqlalchemy_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server recording every request it gets: (base URL, paths)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b"body { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    with urllib.request.urlopen(f"{base}/control", timeout=5) as response:  # it does listen
        assert response.status == 200
    hits.clear()
    try:
        yield base, hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
