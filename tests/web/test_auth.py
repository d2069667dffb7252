"""Sign-in, sessions, CSRF, headers and output escaping."""

from __future__ import annotations

from sqlalchemy import select

from scoring.store.models import User


def test_sign_in_with_the_right_password_lands_on_the_role_home(client, auth):
    response = auth.login("sifaju")
    assert response.status_code == 302 and response.location.endswith("/review/")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth):
    response = auth.login("sifaju", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 302


def test_repeated_failures_from_one_address_refuse_that_address_even_with_the_right_password(client, auth):
    for _ in range(5):
        auth.login("zhengwu", "guess-guess")
    response = auth.login("zhengwu")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert client.get("/review/").status_code == 302  # not signed in


def test_passwords_are_stored_hashed(db):
    user = db.execute(select(User).where(User.username == "admin")).scalar_one()
    assert "demo-admin" not in user.password_hash and user.password_hash.startswith("scrypt$")


def test_logout_voids_the_session_even_if_its_cookie_is_replayed(app, auth, client):
    auth.login("sifaju")
    cookie = client.get_cookie("session")
    assert client.get("/review/").status_code == 200
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/review/").status_code == 302


def test_disabling_a_user_or_changing_their_role_ends_their_sessions(app, ids):
    reviewer = app.test_client()
    reviewer.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    assert reviewer.get("/review/").status_code == 200
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo-admin"})
    admin.post(f"/admin/users/{ids['users']['sifaju']}", data={"active": "no"})
    assert reviewer.get("/review/").status_code == 302
    admin.post(f"/admin/users/{ids['users']['sifaju']}", data={"active": "yes"})
    reviewer.post("/login", data={"username": "sifaju", "password": "demo-sifaju"})
    assert reviewer.get("/review/").status_code == 200
    admin.post(f"/admin/users/{ids['users']['sifaju']}", data={"role": "admin"})
    assert reviewer.get("/review/").status_code == 302


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(csrf_app, ids):
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": "admin", "password": "demo-admin"}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"username": "admin", "password": "demo-admin",
                                       "csrf_token": token}).status_code == 302
    response = client.post(f"/admin/assessments/{ids['scoring']}/phase", data={"phase": "review"})
    assert response.status_code == 400
    assert "评分" in client.get(f"/admin/assessments/{ids['scoring']}").get_data(as_text=True)


def test_autosave_without_the_csrf_header_is_refused(csrf_app, ids):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "sifaju", "password": "demo-sifaju", "csrf_token": token})
    url = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}/items/A1/mark"
    assert client.post(url, json={"version": 0, "fields": {}}).status_code == 400
    page = client.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(url, json={"version": 999, "fields": {}}, headers={"X-CSRFToken": token})
    assert response.status_code == 409  # past CSRF; refused only as a stale edit


def test_pages_carry_security_headers_and_the_session_cookie_is_http_only(client, auth):
    response = auth.login("admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/admin/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"


def test_user_text_is_rendered_escaped(client, auth, ids):
    auth.login("sifaju")
    url = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}/items/A3/mark"
    page_url = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}"
    version = int(client.get(page_url).get_data(as_text=True)
                  .split('data-item="A3" data-version="', 1)[1].split('"', 1)[0])
    client.post(url, json={"version": version, "fields": {"comment": "<script>alert(1)</script>"}})
    page = client.get(page_url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_interface_switches_to_english(client, auth):
    auth.login("sifaju")
    client.post("/lang/en", data={"next": "/review/"})
    page = client.get("/review/").get_data(as_text=True)
    assert "My scoring tasks" in page
    client.post("/lang/zh", data={"next": "/review/"})
    assert "我的评分任务" in client.get("/review/").get_data(as_text=True)
