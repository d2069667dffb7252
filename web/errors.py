"""Map domain errors to HTTP answers; refusals carry no data in the body."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _

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
from web.i18n import translate


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _page(status: int, message: str):
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda e: _page(404, _("未找到")))
    app.register_error_handler(404, lambda e: _page(404, _("未找到")))
    app.register_error_handler(NotPermitted, lambda e: _page(403, _("无权访问")))
    app.register_error_handler(403, lambda e: _page(403, _("无权访问")))
    app.register_error_handler(PhaseClosed, lambda e: _page(409, _("当前阶段不允许此操作：%(reason)s", reason=str(e))))
    app.register_error_handler(LoginLocked, lambda e: _page(429, _("登录失败次数过多，请稍后再试")))
    app.register_error_handler(413, lambda e: _page(413, _("文件过大")))
    app.register_error_handler(400, lambda e: _page(400, _("请求无效（表单可能已过期，请刷新页面）")))
    app.register_error_handler(EvidenceRejected, lambda e: _page(413 if e.code == "too_large" else 400, e.reason))
    app.register_error_handler(RubricError, lambda e: _page(400, str(e)))
    app.register_error_handler(StaleEdit, _stale)
    app.register_error_handler(InvalidInput, lambda e: _page(400, _("输入有误：%(reason)s", reason=translate(e.message))))
    # Operations raise ValueError for input they refuse (too long, wrong role ...): nothing saved.
    app.register_error_handler(ValueError, lambda e: _page(400, _("输入有误：%(reason)s", reason=str(e))))


def _stale(error: StaleEdit):
    body = {"error": "stale", "message": _("内容已被他人或其他页面修改，请核对当前内容后再保存"),
            "current": error.current, "version": error.version}
    return jsonify(body), 409
