"""The English UI: every UI string translated, the compiled catalog current, the switch working.

Chinese is the source language: msgids are the Chinese UI text. English lives in
web/translations/en/LC_MESSAGES/messages.po and its compiled messages.mo, both committed.
After adding or changing a UI string, run scripts/i18n.sh, translate the new entries in the
.po, and run it again to compile. Texts the scripts show are rendered translated into
data-msg-<key> attributes (web/templates/_js_messages.html); the core's are N_ message ids.
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# What scripts/i18n.sh passes to `pybabel extract -k`, on top of Babel's default keywords.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2), "N_": None}
# Chinese characters and full-width punctuation.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# printf-style conversions as Python's % operator reads them, "%%" included. Flask-Babel
# applies % to every template string, so a stray "%" in a translation breaks the page.
CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[a-zA-Z%]|%")


@functools.cache
def source_messages() -> dict[tuple[str, str | None], list[str]]:
    """Every translatable message in the source, as babel.cfg and scripts/i18n.sh see it:
    (msgid, context) -> ["file:line", ...]. A plural message is keyed by its singular."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse(cfg)
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def english_catalog():
    with PO.open("rb") as po:
        return read_po(po)


def translations(catalog) -> dict[tuple[str, str | None], str | tuple[str, ...]]:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context): m.string for m in catalog if m.id}


def test_the_source_has_ui_strings_to_check():
    """Guards the test below: an extraction that finds nothing would pass it vacuously."""
    messages = source_messages()
    assert ("我的评分任务", None) in messages  # a template
    assert ("用户名或密码错误", None) in messages  # gettext in Python
    assert ("材料报送", None) in messages  # lazy_gettext in Python


def test_every_ui_string_has_an_english_translation():
    catalog = english_catalog()
    untranslated = []
    for (msgid, context), where in source_messages().items():
        message = catalog.get(msgid, context)
        if message is None:
            why = "not in the .po"
        elif "fuzzy" in message.flags:
            why = "fuzzy: pybabel guessed it from a similar string; check it, then remove the fuzzy flag"
        elif not (all(message.string) if isinstance(message.string, tuple) else message.string):
            why = "empty translation"
        else:
            continue
        untranslated.append(f"  {msgid!r} ({why}) at {', '.join(where[:3])}")
    assert not untranslated, (
        f"{len(untranslated)} UI string(s) without English; run scripts/i18n.sh, translate them in "
        f"{PO.relative_to(ROOT)}, and run it again:\n" + "\n".join(sorted(untranslated)))


def test_translations_keep_placeholders_and_add_no_markup():
    """%(name)s and %% exactly as in the msgid; no HTML characters the msgid lacks (a template
    translation is inserted as markup, unescaped)."""
    wrong = []
    for message in english_catalog():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(CONVERSION.findall(ids[-1]))
        for string in strings:
            if sorted(CONVERSION.findall(string)) != expected:
                wrong.append(f"  {ids[0]!r} -> {string!r}: placeholders differ from {expected}")
            added = {c for c in "<>&" if c in string and c not in ids[0]}
            if added:
                wrong.append(f"  {ids[0]!r} -> {string!r}: adds {''.join(sorted(added))}")
    assert not wrong, "translations to fix in the .po:\n" + "\n".join(wrong)


def test_the_compiled_catalog_matches_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, english_catalog())  # as `pybabel compile` does: fuzzy entries left out
    compiled.seek(0)
    expected = translations(read_mo(compiled))
    with MO.open("rb") as mo:
        committed = translations(read_mo(mo))
    stale = sorted({key[0] for key in expected.keys() ^ committed.keys()}
                   | {key[0] for key in expected.keys() & committed.keys() if expected[key] != committed[key]})
    assert not stale, (f"{MO.relative_to(ROOT)} is out of date with the .po; run scripts/i18n.sh. "
                       f"Differences: {stale[:10]}")


# ---- the running app ----

def switch(client, code: str, to: str):
    """Choose a language the way the header's button does; return the page it leads to."""
    response = client.post(f"/lang/{code}", data={"next": to}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_reviewer_switches_to_english_and_back(client, auth):
    assert auth.login("sifaju").status_code == 302
    page = switch(client, "en", "/review/")
    assert "My scoring tasks" in page and "我的评分任务" not in page
    assert '<html lang="en">' in page
    assert ">Scoring</span>" in page  # the phase tag: lazy_gettext in web/templating.py
    page = switch(client, "zh", "/review/")
    assert "我的评分任务" in page and "My scoring tasks" not in page
    assert '<html lang="zh-CN">' in page


def test_the_login_page_in_english_and_back(client, auth):
    page = switch(client, "en", "/login")
    for label in ("Sign in", "Username", "Password"):
        assert label in page
    assert not {"登录", "用户名", "密码"} & set(re.findall(r"[\u4e00-\u9fff]+", page))
    refused = auth.login("sifaju", "wrong-password").get_data(as_text=True)
    assert "Incorrect username or password." in refused  # gettext in a Python view
    page = switch(client, "zh", "/login")
    for label in ("登录", "用户名", "密码"):
        assert label in page
    assert "Username" not in page


def test_an_unknown_language_changes_nothing(client):
    switch(client, "en", "/login")
    assert "Username" in switch(client, "fr", "/login")


def header(page: str) -> str:
    """The page's top bar, less what is rightly Chinese in English: the signed-in user's
    name (demo data) and the language switch, which names Chinese in Chinese."""
    found = re.search(r'<header class="topbar">(.*?)</header>', page, re.S)
    assert found, "no top bar on the page"
    bar = re.sub(r'<span class="who">.*?</span>', "", found.group(1), flags=re.S)
    assert ">中文</button>" in bar, "the language switch should offer 中文 on an English page"
    return bar.replace(">中文</button>", "></button>")


@pytest.mark.parametrize("username, pages", [
    (None, ["/login"]),
    ("admin", ["/admin/", "/admin/assessments/{scoring}", "/admin/people", "/admin/audit",
               "/admin/rubrics/"]),
    ("sifaju", ["/review/", "/review/{scoring}/towns/{town}"]),
    ("xincheng", ["/town/", "/town/{released}/scorecard"]),
], ids=["anonymous", "admin", "reviewer", "town"])
def test_english_pages_have_no_chinese_in_the_top_bar(client, auth, ids, username, pages):
    if username:
        assert auth.login(username).status_code == 302  # signing in starts a new session
    for url in pages:
        url = url.format(scoring=ids["scoring"], released=ids["released"], town=ids["towns"]["新城镇"])
        page = switch(client, "en", url)
        assert not CJK.findall(header(page)), f"{url}: Chinese in the English top bar: {CJK.findall(header(page))}"


# ---- texts the scripts show: rendered translated into data-msg-* (web/static/js/i18n.js) ----

JS = ROOT / "web" / "static" / "js"
I18N_CALL = re.compile(r"""\bi18n\(\s*["']([a-z0-9-]+)["']""")
STRING_LITERAL = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`""")


def js_message_keys() -> dict[str, list[str]]:
    """key -> ["file.js", ...] for every i18n("key") in the scripts."""
    keys: dict[str, list[str]] = {}
    for script in sorted(JS.glob("*.js")):
        for key in I18N_CALL.findall(script.read_text(encoding="utf-8")):
            keys.setdefault(key, []).append(script.name)
    return keys


def data_messages(page: str) -> dict[str, str]:
    import html

    found = re.search(r'<div id="js-messages" hidden(.*?)></div>', page, re.S)
    assert found, "no #js-messages element on the page"
    return {k: html.unescape(v) for k, v in re.findall(r'data-msg-([a-z0-9-]+)="([^"]*)"', found.group(1))}


def test_the_scripts_hold_no_chinese_text_of_their_own():
    """Every text a script shows comes from the page (translated), none is written in the script."""
    chinese = [f"{script.name}: {literal}" for script in sorted(JS.glob("*.js"))
               for literal in STRING_LITERAL.findall(script.read_text(encoding="utf-8")) if CJK.search(literal)]
    assert not chinese, "Chinese text in scripts; use i18n(key) and a data-msg-<key> in _js_messages.html:\n" + \
        "\n".join(chinese)
    keys = js_message_keys()
    assert {"saved", "saving", "status-complete", "job-queued"} <= keys.keys()  # guards the check itself


def test_every_key_the_scripts_use_is_rendered_and_translated(client):
    zh = data_messages(client.get("/login").get_data(as_text=True))
    en = data_messages(switch(client, "en", "/login"))
    missing = {k: where for k, where in js_message_keys().items() if k not in zh}
    assert not missing, f"i18n keys without a data-msg-<key> in web/templates/_js_messages.html: {missing}"
    assert zh.keys() == en.keys()
    for key in zh:
        assert CJK.search(zh[key]), f"{key}: the Chinese page shows {zh[key]!r}"
        assert not CJK.findall(en[key]), f"{key}: Chinese on the English page: {en[key]!r}"
        assert set(re.findall(r"\{\w+\}", en[key])) == set(re.findall(r"\{\w+\}", zh[key])), key


def test_autosave_and_job_states_are_english_on_the_english_scoring_and_job_pages(client, auth, ids, monkeypatch):
    from scoring import jobs

    auth.login("sifaju")
    scoring_page = switch(client, "en", f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")
    texts = data_messages(scoring_page)
    assert (texts["saving"], texts["saved"], texts["status-complete"], texts["status-draft"]) == (
        "Saving…", "Saved {time}", "Scored", "Draft")
    assert "/static/js/i18n.js" in scoring_page
    assert scoring_page.index("/static/js/i18n.js") < scoring_page.index("/static/js/autosave.js")
    auth.logout()
    monkeypatch.setattr(jobs, "job_state", lambda settings, job_id: jobs.JobState("started", 2, 9, None))
    auth.login("admin")
    job_page = switch(client, "en", "/admin/jobs/some-job")
    texts = data_messages(job_page)
    assert [texts[f"job-{s}"] for s in ("queued", "started", "finished", "failed")] == [
        "Queued", "In progress", "Finished", "Failed"]
    assert re.search(r'<p id="job-status"[^>]*>In progress</p>', job_page)


# ---- core messages (N_ in scoring/) ----

def test_the_cores_message_ids_are_extracted_and_translated():
    """N_("…") in scoring/ reaches the catalog (the general check above then wants English)."""
    messages = source_messages()
    for msgid in ("用户名 %(username)s 已被使用", "%(field)s 不能超过 %(limit)s 个字符", "第%(page)s页第%(paragraph)s段"):
        assert (msgid, None) in messages, msgid
        assert any(w.startswith("scoring/") for w in messages[(msgid, None)])
    catalog = english_catalog()
    assert catalog.get("%(field)s 不能超过 %(limit)s 个字符").string == \
        "%(field)s cannot be longer than %(limit)s characters."


def test_a_message_with_a_message_parameter_is_translated_whole(app):
    from scoring.messages import N_
    from web.i18n import translate

    message = N_("%(field)s 不能超过 %(limit)s 个字符", field=N_("用户名"), limit=64)
    assert str(message) == "用户名 不能超过 64 个字符"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["lang"] = "en"
        assert translate(message) == "Username cannot be longer than 64 characters."


# ---- the language switch goes back only to a page of this site ----

@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                                    "/\n/evil.example", "javascript:alert(1)", ""])
def test_the_language_switch_never_leads_off_the_site(client, target):
    response = client.post("/lang/en", data={"next": target})
    assert response.status_code == 302
    assert response.location == "/", f"{target!r} led to {response.location!r}"


def test_the_language_switch_returns_to_the_page_it_was_pressed_on(client):
    response = client.post("/lang/en", data={"next": "/admin/audit?town_id=3"})
    assert response.location == "/admin/audit?town_id=3"
