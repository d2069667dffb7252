"""The authorization matrix, generated from the app's URL map: every route × every role.

``RULES`` says who may use each endpoint; a route without a rule fails
``test_every_route_has_a_rule`` and its own cases. For each (route, method, role) one case:
anonymous users are sent to sign in, a role without the right gets a 403 that carries no
data, a role with it gets past authorization without a server error. Routes that take a
town's object also have an "other town" case (``OTHER``), and every route with an integer
id answers 404, never 500, for ids of nothing and ids past 2^63.
"""

from __future__ import annotations

import tempfile

import pytest

from scoring.settings import Settings

# Demo data: assessment 1 = 2024 (released), 2 = 2025 (scoring). Town 新城镇's leader is
# "xincheng"; "sifaju" reviews categories A–C for every town, "zhengwu" D–G.
USERS = {"admin": "admin", "reviewer": "sifaju", "town": "xincheng"}
ROLES = ("anonymous", *USERS)
PUBLIC, SIGNED_IN = "public", "signed in"
RULES = {
    "auth.index": PUBLIC, "auth.login": PUBLIC, "auth.set_language": PUBLIC, "static": PUBLIC,
    "health.healthz": PUBLIC, "health.readyz": PUBLIC, "town.report_css": PUBLIC, "verify.verify": PUBLIC,
    "auth.logout": SIGNED_IN, "account.password": SIGNED_IN,
    "review.dashboard": "reviewer", "review.score_town": "reviewer", "review.save_mark": "reviewer",
    "review.evidence_file": "reviewer", "review.search": "reviewer", "review.declare_conflict": "reviewer",
    "review.evidence_states": "reviewer",
    "review.appeals": "reviewer", "review.decide_appeal": "reviewer",
    "review.score_sheet": "reviewer", "review.import_sheet": "reviewer",
    "town.dashboard": "town", "town.scorecard": "town", "town.scorecard_pdf": "town",
    "town.upload_evidence": "town", "town.evidence_file": "town", "town.coverage": "town",
    "town.appeals": "town", "town.file_appeal": "town", "town.evidence_states": "town",
    **{endpoint: "admin" for endpoint in (
        "admin.dashboard", "admin.coverage", "admin.create_assessment", "admin.assessment", "admin.assignments", "admin.save_matrix",
        "admin.reviewer_towns", "admin.save_reviewer_towns", "admin.assign_by_department", "admin.copy_assignments",
        "admin.record_conflict", "admin.reassign_town", "admin.set_arbiter", "admin.route_appeal",
        "admin.set_deadlines", "admin.set_phase", "admin.ranking_pdf", "admin.start_zip", "admin.scorecard",
        "admin.scorecard_pdf", "admin.audit", "admin.job", "admin.job_download",
        "admin.job_progress", "admin.people", "admin.create_town", "admin.create_user", "admin.update_user",
        "rubrics.index", "rubrics.version", "rubrics.download", "rubrics.edit",
        "rubrics.edit_yaml", "rubrics.upload", "admin.appeals", "admin.decide_appeal", "admin.publish",
        "admin.appeal_attachment", "admin.confirm_phase", "admin.audit_xlsx", "admin.edit_user", "admin.save_user",
        "admin.reset_password", "admin.confirm_disable", "admin.rename_town", "admin.disagreements",
        "admin.resolve_disagreement", "admin.calibration", "admin.results_xlsx", "admin.set_document", "admin.evidence_states",
        "admin.rubric_what_if", "admin.apply_rubric")},
}
# Endpoints shown for the released assessment (the scoring one has no results to show).
RELEASED = {"town.scorecard", "town.scorecard_pdf", "town.appeals", "town.file_appeal", "admin.appeals", "admin.publish", "admin.scorecard", "admin.scorecard_pdf", "admin.ranking_pdf"}
# Another town's object, per endpoint taking one: (role, argument overrides, expected status).
OTHER = {
    "town.evidence_file": ("town", {"evidence_id": "other_evidence"}, 404),
    "review.evidence_file": ("reviewer", {"assessment_id": "unscored_assessment"}, 404),
    "review.save_mark": ("reviewer", {"item_id": "E1"}, 403),  # another department's item
    "review.score_town": ("reviewer", {"town_id": "unknown"}, 404),
    "review.search": ("reviewer", {"town_id": "unknown"}, 404),
    "review.evidence_states": ("reviewer", {"town_id": "unknown"}, 404),
}
TOWN_SCOPED_ARGS = {"town_id", "evidence_id"}
# Town-scoped arguments that only administrators see: nothing to scope.
ADMIN_ONLY_SCOPE = {"admin.scorecard", "admin.scorecard_pdf", "admin.rename_town", "admin.evidence_states"}


def _url_map():
    from web import create_app

    app = create_app(Settings(environment="test", instance_path=tempfile.mkdtemp(prefix="urlmap-")))
    rules = [(rule.endpoint, method, rule.rule, tuple(rule.arguments), dict(rule._converters))
             for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    app.extensions["engine"].dispose()
    return rules


URL_MAP = _url_map()
CASES = [pytest.param(endpoint, method, role, id=f"{method} {path} as {role}")
         for endpoint, method, path, _args, _conv in URL_MAP for role in ROLES]


@pytest.fixture
def values(ids, db) -> dict:
    """A real value for every URL argument, in scope of the signed-in roles."""
    from scoring.store import queries

    own, other = ids["towns"]["新城镇"], ids["towns"]["东港镇"]
    result = {
        "assessment_id": ids["scoring"], "town_id": own, "item_id": "A1", "version_id": 1,
        "user_id": ids["users"]["zhengwu"], "reviewer_id": ids["users"]["sifaju"],
        "evidence_id": queries.evidence_files(db, ids["scoring"], own)[0].id,
        "other_evidence": queries.evidence_files(db, ids["scoring"], other)[0].id,
        "unscored_assessment": 10**9, "unknown": 10**9,
        "job_id": "no-such-job", "appeal_id": 10**9, "code": "0000-0000-0000-0000", "filename": "app.css", "released": ids["released"],
    }
    db.rollback()
    return result


def _url(endpoint: str, values: dict, overrides: dict | None = None) -> tuple[str, str]:
    method_path = {e: p for e, _m, p, _a, _c in URL_MAP}
    path = method_path[endpoint]
    args = {a for e, _m, _p, args, _c in URL_MAP if e == endpoint for a in args}
    chosen = {arg: values[arg] for arg in args}
    if endpoint in RELEASED:
        chosen["assessment_id"] = values["released"]
    for arg, key in (overrides or {}).items():
        chosen[arg] = values.get(key, key)
    for arg, value in chosen.items():
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<path:{arg}>", str(value))
        path = path.replace(f"<{arg}>", str(value))
    return path, method_path[endpoint]


def _call(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, data={})


def test_every_route_has_a_rule():
    assert {endpoint for endpoint, *_ in URL_MAP} - RULES.keys() == set()
    assert RULES.keys() - {endpoint for endpoint, *_ in URL_MAP} == set()  # no rule for a route that went


def test_every_route_taking_a_towns_object_has_an_other_town_case():
    scoped = {e for e, _m, _p, args, _c in URL_MAP if set(args) & TOWN_SCOPED_ARGS and RULES.get(e) != "admin"}
    assert scoped - OTHER.keys() == set()
    assert {e for e in ADMIN_ONLY_SCOPE if RULES[e] != "admin"} == set()


@pytest.mark.parametrize(("endpoint", "method", "role"), CASES)
def test_authorization_matrix(client, auth, values, endpoint, method, role):
    assert endpoint in RULES, f"{endpoint} has no authorization rule: add one to RULES"
    rule = RULES[endpoint]
    if role != "anonymous":
        auth.login(USERS[role])
    path, _ = _url(endpoint, values)
    with _call(client, method, path) as response:
        status, body = response.status_code, response.get_data().decode("utf-8", "replace")
    if rule == PUBLIC:
        assert status < 500, (path, status)
        assert endpoint.startswith("auth.") or status != 302  # never sent to sign in
    elif role == "anonymous":
        assert status == 302 and "/login" in (response.location or ""), (path, status)
    elif rule == SIGNED_IN or rule == role:
        # allowed: a page, a redirect, a refusal of the empty form (400/409), or nothing there (404)
        assert status in (200, 302, 400, 404, 409), (path, status)
    else:
        assert status == 403, (path, status)
        assert "无权访问" in body and "总分" not in body and "东港镇" not in body, path


@pytest.mark.parametrize("endpoint", sorted(OTHER))
def test_another_towns_object_is_refused_without_its_data(client, auth, values, endpoint, db, ids):
    role, overrides, expected = OTHER[endpoint]
    auth.login(USERS[role])
    path, _ = _url(endpoint, values, overrides)
    method = next(m for e, m, *_ in URL_MAP if e == endpoint)
    response = (client.post(path, json={"fields": {}, "version": 0}) if method == "POST" else client.get(path))
    assert response.status_code == expected, path
    assert "东港镇" not in response.get_data(as_text=True)


INT_ROUTES = sorted({(e, m) for e, m, path, _a, _c in URL_MAP if "<int:" in path})
assert len(INT_ROUTES) > 20  # every <int:...> route, whatever its converter


@pytest.mark.parametrize(("endpoint", "method"), INT_ROUTES)
@pytest.mark.parametrize("bad_id", [2**63, 2**64, 10**9])
def test_ids_past_bigint_and_ids_of_nothing_answer_404(client, auth, values, endpoint, method, bad_id):
    auth.login(USERS[RULES[endpoint]])
    ints = [a for e, _m, _p, args, _c in URL_MAP if e == endpoint
            for a in args if f"<int:{a}>" in _p]
    for arg in ints:
        path, _ = _url(endpoint, values, {arg: bad_id})
        response = _call(client, method, path)
        if bad_id < 2**63 and response.status_code != 404:
            # an unknown id in a form post may come back as a refusal of the form, never a 500
            assert response.status_code in (302, 400, 403, 409), (path, response.status_code)
        elif bad_id >= 2**63 and any(e != endpoint and p == _p for e, _m, p, _a, _c in URL_MAP
                                     for _e, _mm, _p, _aa, _cc in URL_MAP if _e == endpoint):
            # Werkzeug answers 405 when the path's other method matched before the id did: no 500
            assert response.status_code in (404, 405), (path, response.status_code)
        else:
            assert response.status_code == 404, (path, response.status_code)


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
