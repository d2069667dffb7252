"""Template globals and the loader that lets pages include the report's partials."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale, gettext, lazy_gettext
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from scoring.methods import method_of
from scoring.phases import PHASES, deadline_of, evidence_deadline, phase_view, time_left
from web import i18n

PHASE_NAMES = {
    "prepare": lazy_gettext("准备"), "submission": lazy_gettext("材料报送"), "scoring": lazy_gettext("评分"),
    "review": lazy_gettext("审核"), "released": lazy_gettext("发布"), "archived": lazy_gettext("归档"),
}
ROLE_NAMES = {"admin": lazy_gettext("管理员"), "reviewer": lazy_gettext("评分人"), "town": lazy_gettext("单位负责人")}


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    # "report/..." resolves to scoring/report/templates: the page and the PDF share parts.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader({"report": PackageLoader("scoring.report")})])
    app.jinja_env.globals.update(phase_name=lambda p: gettext(str(PHASE_NAMES.get(p, p))),
                                 role_name=lambda r: gettext(str(ROLE_NAMES.get(r, r))),
                                 phases=list(PHASES), phase_view=phase_view, method_of=method_of, evidence_deadline=evidence_deadline, get_locale=get_locale,
                                 time_left=time_left, deadline_of=deadline_of)
