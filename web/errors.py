"""Map domain errors to HTTP answers; refusals carry no data in the body.

Only refusals the core raises on purpose (``InvalidInput``, ``PhaseClosed`` ...) become
4xx answers. Any other exception is a bug: Flask logs it with its traceback and the
reader gets a generic 500 page in their language, never Werkzeug's English one.
"""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from scoring.errors import (
    InvalidInput,
    LoginLocked,
    NotFound,
    NotPermitted,
    PhaseClosed,
    RubricError,
    StaleEdit,
)
from scoring.evidence import EvidenceRejected
from scoring.report.worker import RenderLimitExceeded
from scoring.store.db import is_busy
from web import security_events
from web.i18n import translate


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _page(status: int, message: str):
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(NotPermitted, lambda e: _refused(403, _("无权访问")))
    app.register_error_handler(403, lambda e: _refused(403, _("无权访问")))
    app.register_error_handler(PhaseClosed, lambda e: _page(409, _("当前阶段不允许此操作：%(reason)s",
                                                                 reason=phase_refusal(e))))
    app.register_error_handler(LoginLocked, _locked)
    app.register_error_handler(413, too_large)
    app.register_error_handler(400, lambda e: _page(400, _("请求无效（表单可能已过期，请刷新页面）")))
    app.register_error_handler(EvidenceRejected, lambda e: _page(rejected_status(e), translate(e.message)))
    app.register_error_handler(RubricError, lambda e: _page(400, "\n".join(e.lines(translate))))
    app.register_error_handler(StaleEdit, _stale)
    app.register_error_handler(InvalidInput, lambda e: _page(400, invalid_input(e)))
    app.register_error_handler(HTTPException, _http)  # 405 and the rest: never Werkzeug's page
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(RenderLimitExceeded, _render_limit)
    app.register_error_handler(500, _bug)


def _refused(status: int, message: str):
    """A refusal, also a security event (who, from where, which route and request)."""
    security_events.note("forbidden", status)
    return _page(status, message)


def _not_found(_error: Exception):
    """An object the caller may not reach (another town's) or that does not exist: recorded
    when a route matched (a view refused it), not for URLs that name no route at all."""
    if request.endpoint is not None:
        security_events.note("not_found", 404)
    return _page(404, _("未找到"))


def _locked(_error: LoginLocked):
    body, status = _page(429, _("登录失败次数过多，请稍后再试"))
    minutes = current_app.config["SETTINGS"].login_lockout_minutes
    return body, status, {"Retry-After": str(minutes * 60)}


def rejected_status(error: EvidenceRejected) -> int:
    """413 for a file over the limit, 507 when the server's storage is full, else 400."""
    return {"too_large": 413, "storage_full": 507}.get(error.code, 400)


def too_large(_error: Exception | None = None):
    return _page(413, _("文件过大"))


def invalid_input(error: InvalidInput) -> str:
    """What was wrong with the input, in the reader's language (for flashes and error pages)."""
    return _("输入有误：%(reason)s", reason=translate(error.message))


def phase_refusal(error: PhaseClosed) -> str:
    """The refusal's reason: a ``Message``, or a plain message id (``phases.REFUSALS``)."""
    reason = error.args[0] if error.args else ""
    if isinstance(reason, str):
        return _(reason) if reason else ""
    return translate(reason)


def _http(error: HTTPException):
    if error.code is None or error.code >= 500:
        return _bug(error)
    return _page(error.code, _("请求无法处理"))


def _bug(_error: Exception):
    """A bug (already logged by Flask): a generic page, without the database if that is what failed."""
    message = _("服务器内部错误，已记录，请稍后再试或联系管理员")
    if _wants_json():
        return jsonify({"error": message}), 500
    try:
        session = g.get("db_session")
        if session is not None:
            session.rollback()  # the page reads the signed-in user; a failed transaction would refuse
        return render_template("errors/error.html", status=500, message=message), 500
    except SQLAlchemyError:  # the page's header reads the signed-in user: the database may be the bug
        # Rendered without context processors (Flask-Login's would load the user again).
        bare = current_app.jinja_env.get_template("errors/bare.html")
        return bare.render(status=500, message=message), 500


RETRY_AFTER_SECONDS = 5


def _database_error(error: SQLAlchemyError):
    """A database busy with another writer: 503 "busy, retry" with Retry-After; anything else is a bug."""
    if not is_busy(error):
        current_app.logger.error("database error", exc_info=error)
        return _bug(error)
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    current_app.logger.warning("database busy: answered 503", extra={"fields": {"path": request.path[:300]}})
    message = _("系统繁忙，本次操作未保存，请稍后重试")
    try:
        body, status = _page(503, message)
    except SQLAlchemyError:  # the page's header reads the signed-in user
        body, status = current_app.jinja_env.get_template("errors/bare.html").render(status=503, message=message), 503
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _render_limit(error: RenderLimitExceeded):
    """A document past its time or size bound: said plainly, never a hung request or a 500."""
    current_app.logger.warning("document over its limit", extra={"fields": {"kind": error.kind,
                                                                            "limit": error.limit}})
    if error.kind == "time":
        body, status = _page(503, _("生成 PDF 超时（上限 %(seconds)s 秒），请稍后重试", seconds=int(error.limit)))
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return _page(422, _("文档过大，无法生成 PDF"))


def _stale(error: StaleEdit):
    security_events.note("stale_edit", 409, security_events.refused_value() | {"current_version": error.version})
    body = {"error": "stale", "message": _("内容已被他人或其他页面修改，请核对当前内容后再保存"),
            "current": error.current, "version": error.version}
    return jsonify(body), 409
