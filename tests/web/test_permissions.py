"""The authorization matrix, generated from the app's URL map: every route × role × phase.

``RULES`` says who may use each endpoint, ``PHASE_ACTION`` which action of the phase table
(``scoring.phases.ALLOWED``) it performs, or None when no phase limits it; a route missing
from either fails ``test_every_route_has_a_rule`` and its own cases. For each (route,
method, role, phase) one case: anonymous users are sent to sign in, a role without the
right gets a 403 that carries no data, a role with it gets past authorization, and past
the phase exactly when the phase table (with the assessment's deadlines) says so. ``OTHER``
holds, for every route reaching a town's object, a case with another town's object
(refused in every phase, without its data). Every route with an integer id answers 404,
never 500, for ids of nothing and ids past 2^63.

One app per backend serves the whole module (the phase is set per case), and each role's
client signs in once: the matrix stays fast. The requests that a phase allows really run
(valid forms), so a phase refusal cannot hide behind a refusal of an empty form.
"""

from __future__ import annotations

import io
import tempfile

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from scoring import phases
from scoring.phases import PHASES
from scoring.settings import Settings
from web.security import MAX_ID

# Demo data: assessment 2 = 2025 (the one the matrix moves through the phases). Town 新城镇's
# leader is "xincheng"; "sifaju" reviews categories A–C for every town, "zhengwu" D–G. The
# module adds "narrow" (a reviewer of 新城镇 only), "spare" (for the conflict and reassignment
# forms), both of a department no item belongs to (assigning by department leaves them as they
# are), the assignments by department, an appeal routed to "sifaju" and an assessment of 东港镇 alone.
USERS = {"admin": "admin", "reviewer": "sifaju", "town": "xincheng"}
ROLES = ("anonymous", *USERS)
PUBLIC, SIGNED_IN = "public", "signed in"
RULES = {
    "auth.index": PUBLIC, "auth.login": PUBLIC, "auth.set_language": PUBLIC, "static": PUBLIC,
    "health.healthz": PUBLIC, "health.readyz": PUBLIC, "town.report_css": PUBLIC, "verify.verify": PUBLIC,
    "auth.logout": SIGNED_IN, "account.password": SIGNED_IN,
    "review.dashboard": "reviewer", "review.score_town": "reviewer", "review.save_mark": "reviewer",
    "review.evidence_file": "reviewer", "review.search": "reviewer", "review.declare_conflict": "reviewer",
    "review.evidence_states": "reviewer", "review.appeals": "reviewer", "review.decide_appeal": "reviewer",
    "review.score_sheet": "reviewer", "review.import_sheet": "reviewer", "review.withdraw_conflict": "reviewer",
    "town.dashboard": "town", "town.scorecard": "town", "town.scorecard_pdf": "town",
    "town.upload_evidence": "town", "town.evidence_file": "town", "town.coverage": "town",
    "town.appeals": "town", "town.file_appeal": "town", "town.evidence_states": "town",
    **{endpoint: "admin" for endpoint in (
        "admin.dashboard", "admin.coverage", "admin.create_assessment", "admin.assessment", "admin.assignments",
        "admin.save_matrix", "admin.reviewer_towns", "admin.save_reviewer_towns", "admin.assign_by_department",
        "admin.copy_assignments", "admin.record_conflict", "admin.reassign_town", "admin.set_arbiter",
        "admin.route_appeal", "admin.set_deadlines", "admin.set_phase", "admin.ranking_pdf", "admin.start_zip", "admin.scorecard",
        "admin.scorecard_pdf", "admin.audit", "admin.job", "admin.job_download",
        "admin.job_progress", "admin.people", "admin.create_town", "admin.create_user", "admin.update_user",
        "rubrics.index", "rubrics.version", "rubrics.download", "rubrics.edit",
        "rubrics.edit_yaml", "rubrics.upload", "admin.appeals", "admin.decide_appeal", "admin.publish",
        "admin.appeal_attachment", "admin.confirm_phase", "admin.audit_xlsx", "admin.edit_user", "admin.save_user",
        "admin.reset_password", "admin.confirm_disable", "admin.rename_town", "admin.disagreements",
        "admin.resolve_disagreement", "admin.calibration", "admin.results_xlsx", "admin.set_document",
        "admin.rubric_what_if", "admin.apply_rubric",
        "admin.evidence_states", "admin.security_events", "admin.withdraw_conflict")},
}
# The action of the phase table each endpoint performs (None: the phase does not limit it).
# Administrators move phases and see everything in every phase; set_phase's own rule
# (one step at a time) is phases.can_move, tested with the phase changes.
PHASE_ACTION: dict[str, phases.Action | None] = {
    **dict.fromkeys(RULES),
    "review.save_mark": "score", "review.import_sheet": "score",
    "town.upload_evidence": "upload_evidence", "town.coverage": "upload_evidence",
    "town.scorecard": "see_results", "town.scorecard_pdf": "see_results", "town.appeals": "see_results",
    "town.file_appeal": "appeal",
    "admin.decide_appeal": "decide_appeal", "admin.publish": "publish",
    "review.decide_appeal": "decide_appeal", "admin.route_appeal": "decide_appeal",
    **dict.fromkeys(("admin.save_matrix", "admin.save_reviewer_towns", "admin.assign_by_department",
                     "admin.copy_assignments", "admin.record_conflict", "admin.reassign_town",
                     "admin.withdraw_conflict", "review.withdraw_conflict"), "edit_setup"),
    "admin.set_deadlines": "set_deadlines", "admin.set_arbiter": "set_deadlines",  # archived refuses every edit
    "admin.set_document": "set_document",
    # Refused before the phase is asked, with a flash: resolving needs an open disagreement (the shared
    # world has none to spare), and a reviewer's own declaration would take the matrix reviewer's towns away.
    "admin.resolve_disagreement": None, "review.declare_conflict": None,
}
# How a closed phase answers a page (default: 409 carrying the phase table's reason).
CLOSED_PAGE = {"town.scorecard": "not released", "town.appeals": "not released",
               "town.scorecard_pdf": 404, "town.coverage": 404,
               "review.import_sheet": "flash"}  # back to the dashboard with a 409, the reason in the flash
NOT_RELEASED = "尚未发布"
SIGNS_IN_OR_OUT = {"auth.login", "auth.logout"}
TOWN_SCOPED_ARGS = {"town_id", "evidence_id", "assessment_id", "appeal_id"}


def _url_map():
    from web import create_app

    app = create_app(Settings(environment="test", instance_path=tempfile.mkdtemp(prefix="urlmap-")))
    rules = [(rule.endpoint, method, rule.rule, tuple(rule.arguments))
             for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    app.extensions["engine"].dispose()
    return rules


URL_MAP = _url_map()
PATHS = {endpoint: path for endpoint, _m, path, _a in URL_MAP}
CASES = [pytest.param(endpoint, method, role, phase, id=f"{method} {path} as {role} in {phase}")
         for endpoint, method, path, _args in URL_MAP for role in ROLES for phase in PHASES]


# ---- one world per backend: the demo, a few objects of its own, one signed-in client per role --


class World:
    """The module's app, its database, the ids the URLs need and a signed-in client per role."""

    def __init__(self, app, engine) -> None:
        self.app, self.engine = app, engine
        self.clients: dict = {}
        self.values: dict = {}
        self.phase: str | None = None

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def client(self, role: str):
        if role == "anonymous":
            return self.app.test_client()
        if role not in self.clients:
            self.clients[role] = self.signed_in(USERS.get(role, role))
        return self.clients[role]

    def signed_in(self, username: str):
        client = self.app.test_client()
        assert client.post("/login", data={"username": username, "password": f"demo-{username}"}).status_code == 302
        return client

    def set_phase(self, phase: str) -> None:
        """Put the matrix's assessment in ``phase`` (arranged directly: the matrix is not about moving)."""
        from scoring.store.models import Assessment

        if phase != self.phase:
            with self.session() as session, session.begin():
                session.execute(update(Assessment).where(Assessment.id == self.values["assessment_id"])
                                .values(phase=phase))
            self.phase = phase

    def deadlines(self) -> dict:
        from scoring.store import queries

        with self.session() as session:
            return queries.assessment(session, self.values["assessment_id"]).deadlines or {}


@pytest.fixture(scope="module")
def world(demo_template, tmp_path_factory):
    from tests.dbfixtures import fresh_copy
    from web import create_app

    copies = fresh_copy(demo_template, tmp_path_factory.mktemp("matrix"))
    settings = next(copies)
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    engine = create_engine(settings.sqlalchemy_url)
    here = World(app, engine)
    here.values = _arrange(here)
    yield here
    engine.dispose()
    app.extensions["engine"].dispose()
    next(copies, None)


def _arrange(world: World) -> dict:
    """The objects the URLs name: in scope for the matrix's roles, and another town's for ``OTHER``."""
    from scoring.assignments import assignable_ids
    from scoring.store import operations, queries
    from scoring.store.audit import SYSTEM, Actor
    from scoring.store.models import Assessment, MarkRow

    outside = "矩阵测试组"  # no item's 责任单位
    with world.session() as db:
        towns = {t.name: t.id for t in queries.towns(db)}
        users = {u.username: u.id for u in queries.users(db)}
        years = {a.year: a for a in queries.all_assessments(db)}
        scoring, own, other = years[2025].id, towns["新城镇"], towns["东港镇"]
        narrow = operations.create_user(db, SYSTEM, username="narrow", display_name="单镇评分人",
                                        password="demo-narrow", role="reviewer", department=outside)
        operations.assign(db, SYSTEM, scoring, narrow.id, ["A1"], own)
        spare = operations.create_user(db, SYSTEM, username="spare", display_name="备用评分人",
                                       password="demo-spare", role="reviewer", department=outside)
        # a conflict "spare" declared with a third town, for the withdrawal forms (the administrator's
        # withdraws it in the first phase allowing it; the reviewer of the matrix may never: not theirs)
        third = next(t for t in queries.assessment_towns(db, scoring) if t not in (own, towns["东港镇"]))
        withdrawable = operations.declare_conflict(db, Actor(spare.id, "spare"), scoring, spare.id, third,
                                                   "矩阵：可撤回的回避")
        # assigned by department once here, so that the matrix's form of it changes nothing; the
        # reviewer's item of another department is one this leaves them without
        operations.assign_by_department(db, SYSTEM, scoring)
        mine = queries.assigned_items(db, scoring, users["sifaju"], own)
        not_mine = next(i for i in assignable_ids(queries.assessment_rubric(db, scoring)) if i not in mine)
        # an item of theirs without a mark yet: the matrix's save (version 0) really goes through
        unmarked = next(i for i in sorted(mine) if i not in queries.reviewer_marks(db, scoring, own, users["sifaju"]))
        foreign = operations.create_assessment(db, SYSTEM, district_id=years[2025].district_id, name="东港镇专项考核",
                                               year=2026, rubric_version_id=years[2025].rubric_version_id,
                                               town_ids=[other])
        complete = {town: [m for m in db.query(MarkRow).filter_by(assessment_id=scoring, town_id=town, complete=True)]
                    for town in (own, other)}
        assert len(complete[own]) >= 3 and complete[other], "the demo's 2025 marks: some complete in both towns"
        # the matrix's appeal is on a mark "sifaju" did not give, so that it can be routed to them
        appealed = next(m for m in complete[own] if m.reviewer_id != users["sifaju"])
        again = next(m for m in complete[own] if m.item_id != appealed.item_id)
        phase_before = years[2025].phase
        db.execute(update(Assessment).where(Assessment.id == scoring).values(phase="released"))
        db.commit()
        appeal = operations.file_appeal(db, SYSTEM, assessment_id=scoring, town_id=own,
                                        mark_id=appealed.id, reason="矩阵用申诉")
        operations.route_appeal(db, Actor(users["admin"], "admin"), appeal.id, users["sifaju"])
        db.execute(update(Assessment).where(Assessment.id == scoring).values(phase=phase_before))
        db.commit()
        return {
            "assessment_id": scoring, "town_id": own, "item_id": unmarked, "version_id": 1,
            "user_id": users["zhengwu"], "appeal_id": appeal.id, "narrow": narrow.id, "spare": spare.id,
            "evidence_id": queries.evidence_files(db, scoring, own)[0].id,
            "other_evidence": queries.evidence_files(db, scoring, other)[0].id,
            "other_town": other, "other_mark": complete[other][0].id, "appeal_mark": again.id,
            "foreign_assessment": foreign.id, "reviewer_id": users["sifaju"], "not_mine": not_mine,
            "conflict_id": withdrawable.id, "job_id": "no-such-job", "code": "0000-0000-0000-0000", "filename": "app.css", "unknown": 10**9,
            "sheet": lambda: _score_sheet(world, scoring, users["sifaju"]),
        }


def _score_sheet(world: World, assessment_id: int, reviewer_id: int) -> bytes:
    """The reviewer's score sheet as it stands now (imported unchanged, it saves nothing)."""
    from scoring.services.score_sheets import export_score_sheet

    with world.session() as db:
        return export_score_sheet(db, assessment_id, reviewer_id)


# ---- requests ------------------------------------------------------------------------------------


def _path(endpoint: str, values: dict, phase: str, overrides: dict | None = None) -> str:
    path = PATHS[endpoint]
    args = {a for e, _m, _p, args in URL_MAP if e == endpoint for a in args}
    chosen = {arg: values[arg] for arg in args}
    for arg, key in (overrides or {}).items():
        chosen[arg] = values.get(key, key)
    for arg, value in chosen.items():
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<path:{arg}>", str(value))
        path = path.replace(f"<{arg}>", str(value))
    return path


def _evidence_upload(values: dict) -> dict:
    return {"data": {"file": (io.BytesIO("矩阵用佐证材料：本镇开展法治宣传。".encode()), "矩阵佐证.txt")},
            "content_type": "multipart/form-data"}


# Valid requests for the endpoints a phase limits: what a phase allows must really go through.
FORMS = {
    "review.save_mark": lambda v: {"json": {"fields": {}, "version": 0}},
    "town.upload_evidence": _evidence_upload,
    "town.file_appeal": lambda v: {"data": {"mark_id": str(v["appeal_mark"]), "reason": "矩阵：请复核"}},
    "admin.decide_appeal": lambda v: {"data": {"decision": "uphold", "reply": "维持原评分"}},
    "admin.publish": lambda v: {"data": {"reason": "矩阵公示"}},
    "review.decide_appeal": lambda v: {"data": {"decision": "uphold", "reply": "维持原评分"}},
    "review.import_sheet": lambda v: {"data": {"file": (io.BytesIO(v["sheet"]()), "评分表.xlsx")},
                                      "content_type": "multipart/form-data"},
    "admin.route_appeal": lambda v: {"data": {"arbiter_id": str(v["reviewer_id"])}},  # where it is already
    "admin.set_arbiter": lambda v: {"data": {"arbiter_id": str(v["reviewer_id"])}},
    "admin.set_document": lambda v: {"data": {"issuer": "矩阵区人民政府", "document_number": "矩阵〔2025〕1号"}},
    # Setup forms that change nothing the matrix relies on: nothing shown (no cell changes), the
    # departments' and last year's assignments (made in _arrange; "narrow" and "spare" have no department
    # of an item and no 2024 assignments), a conflict of "spare" with 东港镇 and 新城镇's A1 of "narrow"
    # also given to "spare" (both refused as done already in the next phase allowing them: a flash).
    "admin.save_matrix": lambda v: {"data": {}},
    "admin.save_reviewer_towns": lambda v: {"data": {}},
    "admin.assign_by_department": lambda v: {"data": {}},
    "admin.copy_assignments": lambda v: {"data": {}},
    "admin.record_conflict": lambda v: {"data": {"reviewer_id": str(v["spare"]), "town_id": str(v["other_town"]),
                                                 "reason": "矩阵：亲属在该镇任职"}},
    "admin.withdraw_conflict": lambda v: {"data": {"reason": "矩阵：撤回回避"}},
    "review.withdraw_conflict": lambda v: {"data": {"reason": "矩阵：撤回回避"}},
    "admin.reassign_town": lambda v: {"data": {"from_id": str(v["narrow"]), "to_id": str(v["spare"]),
                                               "town_id": str(v["town_id"])}},
}


def _call(client, method: str, path: str, form: dict | None = None):
    if method == "GET":
        return client.get(path)
    return client.post(path, **(form or {"data": {}}))


def _is_phase_refusal(endpoint: str, action: str, status: int, body: str) -> bool:
    """Whether the answer is the refusal a closed phase gives (the reason from the phase table)."""
    closed = CLOSED_PAGE.get(endpoint, 409)
    if closed == "not released":
        return status == 200 and NOT_RELEASED in body
    if closed == 404:
        return status == 404
    if closed == "flash":
        return status == 409
    reasons = [phases.REFUSALS[action].id]
    if action in phases.DEADLINE_PASSED:
        reasons.append(phases.DEADLINE_PASSED[action].id.split("%")[0])
    return status == 409 and any(reason in body for reason in reasons)


def test_every_route_has_a_rule():
    routes = {endpoint for endpoint, *_ in URL_MAP}
    assert routes - RULES.keys() == set(), "add the new route to RULES (and PHASE_ACTION if a phase limits it)"
    assert RULES.keys() - routes == set()  # no rule for a route that went
    assert set(PHASE_ACTION) == set(RULES)
    acts = {a for allowed in phases.ALLOWED.values() for a in allowed}
    assert {a for a in PHASE_ACTION.values() if a} <= acts, "an action the phase table does not know"
    assert {e for e, a in PHASE_ACTION.items() if a and CLOSED_PAGE.get(e, 409) == 409} - FORMS.keys() == {
        "admin.set_deadlines"}, "a phase-limited form needs a valid request in FORMS"


@pytest.mark.parametrize(("endpoint", "method", "role", "phase"), CASES)
def test_authorization_matrix(world, endpoint, method, role, phase):
    assert endpoint in RULES, f"{endpoint} has no authorization rule: add one to RULES"
    rule, action = RULES[endpoint], PHASE_ACTION[endpoint]
    world.set_phase(phase)
    values = world.values
    path = _path(endpoint, values, phase)
    form = FORMS[endpoint](values) if endpoint in FORMS else None
    if endpoint == "admin.set_deadlines":  # the same dates again: the case changes nothing else
        form = {"data": {f"deadline-{k}": str(v) for k, v in world.deadlines().items()}}
    fresh = endpoint in SIGNS_IN_OR_OUT and role != "anonymous"  # these end the shared client's session
    client = world.signed_in(USERS[role]) if fresh else world.client(role)
    with _call(client, method, path, form) as response:
        status, body = response.status_code, response.get_data().decode("utf-8", "replace")
    if endpoint == "auth.logout":
        world.clients.pop(role, None)  # signing out ends the user's every session, the shared one too
    if rule == PUBLIC:
        assert status < 500, (path, status)
        assert endpoint.startswith("auth.") or status != 302  # never sent to sign in
    elif role == "anonymous":
        assert status == 302 and "/login" in (response.location or ""), (path, status)
    elif rule not in (SIGNED_IN, role):
        assert status == 403, (path, status)
        assert "无权访问" in body and "总分" not in body and "东港镇" not in body, path
    elif action is None:
        # allowed in every phase: a page, a redirect, a refusal of the empty form (400/409), or nothing there (404)
        assert status in (200, 302, 400, 404, 409), (path, status)
        assert "当前阶段不允许" not in body, (path, phase)
    else:
        open_now = (phases.open_now(phase, action, world.deadlines()) if action in phases.CLOSED_BY
                    else phases.allowed(phase, action))
        refused = _is_phase_refusal(endpoint, action, status, body)
        assert status < 500, (path, status)
        assert refused != open_now, (path, phase, status, body[:300])
        if open_now and method == "GET":
            assert status == 200, (path, phase, status)


# ---- another town's objects ----------------------------------------------------------------------

# Per case: (endpoint, user, URL argument overrides (values keys), form maker, expected statuses).
# "narrow" scores 新城镇 only; "东港镇专项考核" (foreign_assessment) does not include 新城镇.
OTHER = {
    "town.evidence_file": ("xincheng", {"evidence_id": "other_evidence"}, None, {404}),
    "town.evidence_file#assessment": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    "town.scorecard": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    "town.scorecard_pdf": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    "town.coverage": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    "town.appeals": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    "town.upload_evidence": ("xincheng", {"assessment_id": "foreign_assessment"}, _evidence_upload, {404}),
    "town.file_appeal": ("xincheng", {"assessment_id": "foreign_assessment"},
                         lambda v: {"data": {"mark_id": str(v["other_mark"]), "reason": "x"}}, {404}),
    # another town's mark in the town's own assessment: refused (in the open phase: not its mark)
    "town.file_appeal#mark": ("xincheng", {}, lambda v: {"data": {"mark_id": str(v["other_mark"]), "reason": "x"}},
                              {400, 409}),
    "review.evidence_file": ("narrow", {"evidence_id": "other_evidence"}, None, {404}),
    "review.save_mark": ("narrow", {"town_id": "other_town"}, FORMS["review.save_mark"], {403, 409}),
    "review.save_mark#item": ("sifaju", {"item_id": "not_mine"}, FORMS["review.save_mark"], {403, 409}),
    "review.score_town": ("narrow", {"town_id": "other_town"}, None, {404}),
    "review.search": ("narrow", {"town_id": "other_town"}, None, {404}),
    "review.search#assessment": ("sifaju", {"assessment_id": "foreign_assessment", "town_id": "other_town"},
                                 None, {404}),
    "review.evidence_states": ("narrow", {"town_id": "other_town"}, None, {404}),
    "review.evidence_states#assessment": ("sifaju", {"assessment_id": "foreign_assessment",
                                                     "town_id": "other_town"}, None, {404}),
    "review.score_sheet": ("sifaju", {"assessment_id": "foreign_assessment"}, None, {404}),
    "review.import_sheet": ("sifaju", {"assessment_id": "foreign_assessment"}, FORMS["review.import_sheet"], {404}),
    # an appeal routed to another reviewer: refused (in the open phase: not theirs to decide)
    "review.decide_appeal": ("narrow", {}, FORMS["review.decide_appeal"], {403, 409}),
    # a town outside the assessment: refused with a flash, nothing recorded (a reviewer may declare
    # a conflict before being assigned, so an assessment they do not score yet is no refusal)
    "review.declare_conflict": ("narrow", {"assessment_id": "foreign_assessment"},
                                lambda v: {"data": {"town_id": str(v["town_id"]), "reason": "x"}}, {302}),
    "town.evidence_states": ("xincheng", {"assessment_id": "foreign_assessment"}, None, {404}),
    # a conflict of the matrix's assessment withdrawn through another assessment: nothing there
    "review.withdraw_conflict": ("narrow", {"assessment_id": "foreign_assessment"},
                                 FORMS["review.withdraw_conflict"], {404, 409}),
}
OTHER_CASES = [pytest.param(case, phase, id=f"{case} in {phase}") for case in OTHER for phase in PHASES]


def test_every_route_reaching_a_towns_object_has_an_other_town_case():
    scoped = {e for e, _m, _p, args in URL_MAP if set(args) & TOWN_SCOPED_ARGS and RULES[e] not in ("admin", PUBLIC)}
    assert scoped - {case.split("#")[0] for case in OTHER} == set()


@pytest.mark.parametrize(("case", "phase"), OTHER_CASES)
def test_another_towns_object_is_refused_without_its_data(world, case, phase):
    from scoring.store import queries

    endpoint = case.split("#")[0]
    username, overrides, make_form, expected = OTHER[case]
    world.set_phase(phase)
    values = world.values
    client = world.clients.setdefault(username, world.signed_in(username)) if username != "xincheng" \
        else world.client("town")
    if username == "sifaju":
        client = world.client("reviewer")
    path = _path(endpoint, values, phase, overrides)
    method = next(m for e, m, *_ in URL_MAP if e == endpoint)
    with world.session() as db:
        before = len(queries.appeals(db, values["assessment_id"], values["other_town"]))
    with _call(client, method, path, make_form(values) if make_form else None) as response:
        status, body = response.status_code, response.get_data(as_text=True)
    assert status in expected, (path, phase, status)
    assert "东港镇" not in body and "总分" not in body
    with world.session() as db:  # nothing filed against another town's mark
        assert len(queries.appeals(db, values["assessment_id"], values["other_town"])) == before


# ---- ids of nothing ------------------------------------------------------------------------------

INT_ROUTES = sorted({(e, m) for e, m, path, _a in URL_MAP if "<int:" in path})
assert len(INT_ROUTES) > 20  # every <int:...> route, whatever its converter


@pytest.mark.parametrize(("endpoint", "method"), INT_ROUTES)
@pytest.mark.parametrize("bad_id", [2**31, 2**63, 2**64, 10**9])  # 2^31: ids are INTEGER on PostgreSQL
def test_ids_past_bigint_and_ids_of_nothing_answer_404(world, endpoint, method, bad_id):
    world.set_phase("scoring")
    client = world.client(RULES[endpoint])
    path_of = PATHS[endpoint]
    ints = [a for e, _m, _p, args in URL_MAP if e == endpoint for a in args if f"<int:{a}>" in _p]
    for arg in ints:
        path = _path(endpoint, world.values, "scoring", {arg: bad_id})
        response = _call(client, method, path)
        if bad_id <= MAX_ID and response.status_code != 404:
            # an unknown id in a form post may come back as a refusal of the form, never a 500
            assert response.status_code in (302, 400, 403, 409), (path, response.status_code)
        elif bad_id > MAX_ID and any(e != endpoint and p == path_of for e, _m, p, _a in URL_MAP):
            # Werkzeug answers 405 when the path's other method matched before the id did: no 500
            assert response.status_code in (404, 405), (path, response.status_code)
        else:
            assert response.status_code == 404, (path, response.status_code)


# ---- reviewers' scope, told as a story ---------------------------------------------------------


def test_a_reviewer_without_assignments_in_an_assessment_sees_no_town_page(client, auth, ids, db):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.create_user(db, SYSTEM, username="newbie", display_name="新评分人", password="password-1",
                           role="reviewer", department="区信访办")
    auth.login("newbie", "password-1")
    town = ids["towns"]["新城镇"]
    assert client.get(f"/review/{ids['scoring']}/towns/{town}").status_code == 404
    assert client.post(f"/review/{ids['scoring']}/towns/{town}/items/A1/mark",
                       json={"fields": {}, "version": 0}).status_code == 403


def test_a_reviewer_cannot_score_an_item_assigned_to_another_department(client, auth, ids):
    auth.login("sifaju")  # A–C only
    town = ids["towns"]["新城镇"]
    response = client.post(f"/review/{ids['scoring']}/towns/{town}/items/E1/mark",
                           json={"fields": {}, "version": 0})
    assert response.status_code == 403
    assert response.get_json() == {"error": "无权访问"}  # nothing about the item or the town


def test_a_reviewer_downloads_evidence_of_towns_they_score_only_in_that_assessment(client, auth, ids, db):
    from scoring.store import queries

    own = queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])[0]
    db.rollback()
    auth.login("sifaju")
    with client.get(f"/review/{ids['scoring']}/evidence/{own.id}") as response:
        assert response.status_code == 200
        assert "12000余份".encode() in response.data
        assert "UTF-8''" in response.headers["Content-Disposition"]  # the Chinese name kept
    assert client.get(f"/review/{ids['released'] + 100}/evidence/{own.id}").status_code == 404
