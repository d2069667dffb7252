"""The request's database session, on ``g``; the only Flask-aware part of persistence."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from scoring.services import background, cache, match_index
from scoring.settings import Settings
from scoring.store.audit import use_key
from scoring.store.checkpoints import use_checkpoints
from scoring.store.db import make_engine, make_session_factory


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url, lock_timeout_ms=settings.request_lock_timeout_ms)
    # Migrations run once, by `scoring init-db` or `python -m web`, never in every worker.
    app.extensions["engine"] = engine
    factory = make_session_factory(engine)
    use_key(factory, settings.audit_key())  # every event this app records is signed
    use_checkpoints(factory, settings.audit_checkpoints_path)  # and what it publishes is anchored
    app.extensions["session_factory"] = factory
    cache.configure(settings.outcome_cache_path)  # outcomes shared by the workers
    background.configure(settings.figures_path)  # and the figures computed in the background
    match_index.configure(settings.matcher_index_path)  # towns' matcher indexes, likewise
    app.teardown_appcontext(_close)


def session_factory() -> sessionmaker[Session]:
    """The app's session factory: for work that outlives the request (a figure computed in the background)."""
    return current_app.extensions["session_factory"]


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session


def _close(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
