"""Fuzzing the JSON endpoints and form posts: whatever arrives, the answer is never a 500.

Hypothesis sends arbitrary JSON, text and ids to autosave, search, the rubric editor (YAML
and form), appeals (filing and deciding), deadlines, the audit filters, the language switch
and every form that names an id (disagreements, arbiters, conflicts, assignments, rubric
version), as the role that may use each; the mark import reads arbitrary tables. Example
counts are bounded so the module runs in well under a minute per backend; one app serves
the module (each role signs in once).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text of every kind: control characters, surrogates excluded (they cannot be sent as UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
IDS = st.one_of(st.integers(-2**70, 2**70), st.sampled_from([0, 1, 2, 2**31 - 1, 2**31, 2**63, 2**63 - 1]))
# An id as a form carries it: a number of any size, the look-alikes str.isdigit passes, any text.
ID_TEXT = IDS.map(str) | st.sampled_from(["", "²", "１", "٣", "-1", " 1", "1 ", "0x1", "1e3", "+1"]) | TEXT
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12)
FIELD_NAMES = st.sampled_from(["comment", "points", "deduction", "level", "not_applicable", "triggered",
                               "triggered_present", "full_marks", "confirm", "cite-0", "claim-0-matter",
                               "claim-0-level", "ratio", "numerator", "denominator", "version"]) | TEXT
FIELDS = st.dictionaries(FIELD_NAMES, st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none(), JSON),
                         max_size=6)


class Served(dict):
    def __repr__(self) -> str:  # a falsifying example names the input, not the whole app
        return "served"


@pytest.fixture(scope="module")
def served(demo_template, tmp_path_factory):
    """The app on a copy of the demo, a signed-in client per role, and the demo's ids."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from scoring.store import operations, queries
    from scoring.store.audit import Actor
    from tests.dbfixtures import fresh_copy
    from web import create_app

    copies = fresh_copy(demo_template, tmp_path_factory.mktemp("fuzz"))
    app = create_app(next(copies))
    app.config["WTF_CSRF_ENABLED"] = False
    clients = {}
    for role, username in (("admin", "admin"), ("reviewer", "sifaju"), ("town", "xincheng")):
        clients[role] = app.test_client()
        assert clients[role].post("/login", data={"username": username,
                                                  "password": f"demo-{username}"}).status_code == 302
    engine = create_engine(app.config["SETTINGS"].sqlalchemy_url)
    with Session(engine) as db:
        towns = {t.name: t.id for t in queries.towns(db)}
        users = {u.username: u.id for u in queries.users(db)}
        years = {a.year: a.id for a in queries.all_assessments(db)}
        marks = [m.id for m in queries.town_mark_refs(db, years[2024], towns["新城镇"])]
        # A pending appeal to route (of the last mark: the appeals fuzz files the first).
        appeal = operations.file_appeal(db, Actor(users["xincheng"], "xincheng"), assessment_id=years[2024],
                                        town_id=towns["新城镇"], mark_id=marks[-1], reason="复核").id
        db.commit()
    engine.dispose()
    yield Served(app=app, clients=clients, town=towns["新城镇"], scoring=years[2025], released=years[2024],
                 marks=marks, appeal=appeal, reviewer=users["sifaju"])
    app.extensions["engine"].dispose()
    next(copies, None)


def _no_bug(response) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])


@FUZZ
@given(payload=JSON, item=st.sampled_from(["A1", "A2", "E1", "BONUS", "V1"]) | TEXT)
def test_autosave_takes_any_json(served, payload, item):
    url = f"/review/{served['scoring']}/towns/{served['town']}/items/{quote(item, safe='') or 'A1'}/mark"
    _no_bug(served["clients"]["reviewer"].post(url, json=payload))


@FUZZ
@given(fields=FIELDS, version=st.one_of(IDS, TEXT, JSON), confirm=JSON)
def test_autosave_takes_any_fields(served, fields, version, confirm):
    url = f"/review/{served['scoring']}/towns/{served['town']}/items/A1/mark"
    _no_bug(served["clients"]["reviewer"].post(url, json={"fields": fields, "version": version, "confirm": confirm}))
    _no_bug(served["clients"]["reviewer"].post(url, data={k: str(v) for k, v in fields.items()}))


@FUZZ
@given(query=TEXT, town=IDS, assessment=IDS)
def test_search_takes_any_words_and_ids(served, query, town, assessment):
    client = served["clients"]["reviewer"]
    _no_bug(client.get(f"/review/{served['scoring']}/towns/{served['town']}/search", query_string={"q": query}))
    if town >= 0 and assessment >= 0:
        _no_bug(client.get(f"/review/{assessment}/towns/{town}/search", query_string={"q": query}))


@FUZZ
@given(text=TEXT | st.sampled_from(["key: x\n", "- [", "a: &a [*a]\n", "!!python/object:os.system x",
                                    "title: " + "长" * 5000]), base=TEXT)
def test_the_rubric_yaml_editor_takes_any_text(served, text, base):
    client = served["clients"]["admin"]
    _no_bug(client.post("/admin/rubrics/1/edit/yaml", data={"yaml_text": text, "base_version": base, "note": base}))


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["base_version", "note", "add", "title", "categories-0-title",
                                             "categories-0-items-0-title", "categories-0-items-0-max_points",
                                             "categories-0-items-0-method", "grades-0-min_total", "key"]) | TEXT,
                            TEXT, max_size=8))
def test_the_rubric_form_editor_takes_any_form(served, form):
    _no_bug(served["clients"]["admin"].post("/admin/rubrics/1/edit", data=form))


@FUZZ
@given(mark=st.one_of(IDS.map(str), TEXT), reason=TEXT, decision=TEXT, fields=FIELDS, appeal=IDS)
def test_appeals_take_any_form(served, mark, reason, decision, fields, appeal):
    town, admin = served["clients"]["town"], served["clients"]["admin"]
    _no_bug(town.post(f"/town/{served['released']}/appeals", data={"mark_id": mark, "reason": reason}))
    if served["marks"]:
        _no_bug(town.post(f"/town/{served['released']}/appeals",
                          data={"mark_id": str(served["marks"][0]), "reason": reason}))
    form = {"decision": decision, "reply": reason, **{k: str(v) for k, v in fields.items()}}
    _no_bug(admin.post(f"/admin/appeals/{min(max(appeal, 1), 10)}/decide", data=form))


@settings(FUZZ, max_examples=10)  # each example exports the whole audit log: fewer, or it takes a minute
@given(values=st.dictionaries(st.sampled_from(["deadline-prepare", "deadline-submission", "deadline-scoring",
                                               "deadline-review", "deadline-released", "deadline-appeal",
                                               "grace_hours"]), TEXT | st.dates().map(str), max_size=7),
       args=st.dictionaries(st.sampled_from(["since", "until", "town_id", "user_id", "item_id", "action", "page"]),
                            TEXT, max_size=5),
       target=TEXT)
def test_deadlines_audit_filters_and_language_take_any_text(served, values, args, target):
    admin = served["clients"]["admin"]
    _no_bug(admin.post(f"/admin/assessments/{served['released']}/deadlines", data=values))
    _no_bug(admin.get("/admin/audit", query_string=args))
    _no_bug(admin.get("/admin/audit.xlsx", query_string=args))
    _no_bug(admin.post("/lang/en", data={"next": target}))
    _no_bug(admin.post("/lang/zh", query_string={"next": target}))


@settings(FUZZ, max_examples=15)  # fifteen requests an example; last, as its valid ids change what they name
@given(first=ID_TEXT, second=ID_TEXT, reason=TEXT)
def test_forms_naming_ids_take_any_id(served, first, second, reason):
    """Each form that reads an id from its fields or query: refused or done, never a 500."""
    admin, reviewer = served["clients"]["admin"], served["clients"]["reviewer"]
    base, released = f"/admin/assessments/{served['scoring']}", f"/admin/assessments/{served['released']}"
    for url, form in ((f"{base}/disagreements/resolve", {"town_id": first, "item_id": "C4",
                                                          "choice": f"reviewer:{second}", "reason": reason}),
                      (f"{base}/disagreements/resolve", {"town_id": first, "item_id": "C4", "choice": "set",
                                                          "level": reason, "reason": reason}),
                      (f"{released}/arbiter", {"arbiter_id": first}),
                      (f"/admin/appeals/{served['appeal']}/route", {"arbiter_id": second}),
                      (f"{base}/conflicts", {"reviewer_id": first, "town_id": second, "reason": reason}),
                      (f"{base}/conflicts/reassign", {"from_id": first, "to_id": second, "town_id": first}),
                      (f"{base}/assignments", {"shown": [f"{first}|A1"], "cell": [f"{second}|A1"]}),
                      (f"{base}/assignments/reviewers/{served['reviewer']}", {"shown": [f"A1|{first}"],
                                                                              "cell": [f"A1|{second}"]}),
                      (f"{base}/rubric", {"rubric_version_id": first, "reason": reason})):
        _no_bug(admin.post(url, data=form))
    for url, query in ((f"{base}/coverage", {"town": first}), (f"{base}/rubric", {"version": first}),
                       (f"{released}/appeals", {"from": first, "to": second}), (base, {"page": first}),
                       ("/admin/security-events", {"before": first, "after": second})):
        _no_bug(admin.get(url, query_string=query))
    _no_bug(reviewer.post(f"/review/{served['scoring']}/conflicts", data={"town_id": first, "reason": reason}))


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(TEXT | st.sampled_from(["=1+1", "A1", "1e309", "NaN", "-0", "１０"]), max_size=8),
                     max_size=6),
       header=st.sampled_from(["town,item,points,comment", "单位,项目,得分,说明", ""]) | TEXT)
def test_the_mark_import_reads_any_table_without_crashing(tmp_path_factory, default_rubric_once, rows, header):
    """Any CSV: marks, or problems naming cells; never an exception of another kind."""
    import csv

    from scoring.errors import ScoringError
    from scoring.marks_io import read_marks

    path = tmp_path_factory.mktemp("import") / "marks.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(header + "\n")
        csv.writer(handle).writerows(rows)
    try:
        read_marks(path, default_rubric_once)
    except ScoringError:
        pass  # a refusal with a reason is the right answer


@pytest.fixture(scope="module")
def default_rubric_once():
    from scoring.rubric.load import load_rubric
    from tests.conftest import ROOT

    return load_rubric(ROOT / "rubrics" / "town-rule-of-law-2025.yaml")
