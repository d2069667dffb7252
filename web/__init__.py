"""The Flask app: ``create_app`` reads like a table of contents."""

from __future__ import annotations

import gc

from flask import Flask

from scoring.settings import Settings
from web import db, errors, extensions, health, security, templating
from web.admin.views import bp as admin_bp
from web.auth.account import bp as account_bp
from web.auth.views import bp as auth_bp
from web.review.views import bp as review_bp
from web.rubrics.views import bp as rubrics_bp
from web.town.views import bp as town_bp
from web.verify import bp as verify_bp


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for these settings (read from the environment when not given).

    The schema is not migrated here: ``scoring init-db`` or ``python -m web`` does it once.
    """
    settings = settings or Settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    security.configure(app, settings)
    health.init_app(app)
    db.init_app(app, settings)
    extensions.init_app(app, settings)
    errors.init_app(app)
    templating.init_app(app)
    for blueprint in (auth_bp, account_bp, review_bp, town_bp, admin_bp, rubrics_bp, verify_bp):
        app.register_blueprint(blueprint)
    if settings.environment == "production":
        _freeze_start_up_objects()
    return app


def _freeze_start_up_objects() -> None:
    """Keep what start-up built (modules, the app: some 250,000 objects, alive as long as the
    worker) out of the garbage collector's full collections.

    A full collection walked them all: 100-200 ms of a request, now and then, at any district
    size; after the freeze it walks what requests left behind (about 10 ms at 200 towns).
    Production only: a test process builds many apps, whose frozen objects would never be freed.
    """
    gc.collect()
    gc.freeze()
