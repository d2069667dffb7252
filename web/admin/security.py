"""Security events as administrators read them: refused attempts (403, 404, 409), newest first, in pages."""

from __future__ import annotations

import ipaddress

from flask import render_template, request
from flask_babel import gettext as _

from scoring.store.security_events import KINDS, PER_IP_PER_MINUTE, events_page
from web.admin.audit import parse_dates
from web.admin.views import bp
from web.db import get_session
from web.permissions import role_required
from web.security import form_id

PER_PAGE = 50


def _filters(args) -> tuple[dict, list[str]]:
    """The page's filters and keyset position, and a message for each that could not be read."""
    dates, problems = parse_dates(args)
    kind = (args.get("kind") or "").strip()
    if kind and kind not in KINDS:
        problems.append(_("“%(value)s”不是可筛选的类别", value=kind[:40]))
    ip = (args.get("ip") or "").strip()
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            problems.append(_("“%(value)s”不是 IP 地址", value=ip[:64]))
    user = (args.get("user") or "").strip()
    if len(user) > 64:
        problems.append(_("用户名过长"))
    position = {}
    for key, name in (("before", "before_id"), ("after", "after_id")):
        value = args.get(key, "")
        if value and form_id(value) is None:
            problems.append(_("分页参数有误"))
        position[name] = form_id(value) if not problems else None
    return {"kind": kind or None, "ip": ip or None, "username": user or None, **dates, **position}, problems


@bp.get("/security-events")
@role_required("admin")
def security_events():
    """Refused attempts with who, from where and which request; filterable by kind, user, IP and time."""
    args = request.args
    filters, problems = _filters(args)
    page = None if problems else events_page(get_session(), **filters, limit=PER_PAGE)
    query = {k: v for k, v in args.items() if k not in ("before", "after")}
    return render_template("admin/security_events.html", page=page, args=args, problems=problems, query=query,
                           kinds=KINDS, per_ip=PER_IP_PER_MINUTE), 400 if problems else 200
