"""The audit log as administrators read it: sentences, grouped autosaves, pages, XLSX export."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import render_template, request, send_file
from flask_babel import gettext as _

from scoring.services.audit_log import readable_entries
from scoring.store import queries
from scoring.textfiles import spreadsheet_safe
from web.admin.views import bp
from web.db import get_session
from web.i18n import translate
from web.permissions import role_required
from web.security import form_id

PER_PAGE = 100
EXPORT_LIMIT = 50_000


def parse_dates(args) -> tuple[dict, list[str]]:
    """``since`` and ``until`` as UTC moments (a bare ``until`` date: to its end), and a message per bad one."""
    problems = []
    dates = {}
    for key, end in (("since", False), ("until", True)):
        value = (args.get(key) or "").strip()
        dates[key] = None
        if value:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                problems.append(_("“%(value)s”不是日期（格式：年-月-日，如 2026-03-01）", value=value))
                continue
            if end and len(value) == 10:
                moment = moment.replace(hour=23, minute=59, second=59)
            dates[key] = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return dates, problems


def _filters(args) -> tuple[dict, list[str]]:
    """The query's filters, and a message for each that could not be read (a bad date)."""
    dates, problems = parse_dates(args)
    return {"town_id": form_id(args.get("town_id")), "actor_id": form_id(args.get("user_id")),
            "item_id": (args.get("item_id") or "").strip() or None,
            "action": (args.get("action") or "").strip() or None,
            "request_id": (args.get("request_id") or "").strip()[:64] or None, **dates}, problems


@bp.get("/audit")
@role_required("admin")
def audit():
    """The audit log, newest first, filterable by town, item, user, action and time, in pages."""
    session = get_session()
    args = request.args
    filters, problems = _filters(args)
    page = max(form_id(args.get("page")) or 1, 1)
    events, total = ([], 0) if problems else queries.audit_page(
        session, **filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    query = {k: v for k, v in args.items() if k != "page"}
    return render_template("admin/audit.html", entries=readable_entries(session, events), towns=queries.towns(session),
                           users=queries.users(session), args=args, problems=problems, page=page, pages=pages,
                           total=total, query=query), 400 if problems else 200


@bp.get("/audit.xlsx")
@role_required("admin")
def audit_xlsx():
    """The filtered log (every page) as an Excel file: time, person, what happened, reason."""
    from openpyxl import Workbook

    session = get_session()
    filters, problems = _filters(request.args)
    if problems:
        return render_template("errors/error.html", status=400, message="；".join(problems)), 400
    events, _total = queries.audit_page(session, **filters, limit=EXPORT_LIMIT)
    book = Workbook()
    sheet = book.active
    sheet.title = _("操作留痕")
    sheet.append([_("时间（UTC）"), _("操作人"), _("操作"), _("理由"), _("记录数")])
    for entry in readable_entries(session, events):  # names and reasons are typed by users: never a formula
        sheet.append([spreadsheet_safe(value) for value in (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor, translate(entry.text), entry.reason, entry.events)])
    for column, width in zip("ABCDE", (20, 24, 70, 40, 8), strict=True):
        sheet.column_dimensions[column].width = width
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, as_attachment=True, download_name="操作留痕.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
