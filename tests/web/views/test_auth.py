"""Login, logout, CSRF, roles, first-run setup, the admin page and private mode, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.web.app import create_app
from masterywiki.web.views.auth import first_admin_hint, local_path, require_role
from tests.auth_fixtures import PASSWORD, accounts_of, csrf_token, login, make_user


def html(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def post_login(client: FlaskClient, username: str, password: str, **extra: str) -> TestResponse:
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/-/login", data={**data, **extra})


def nav(client: FlaskClient, url: str = "/") -> BeautifulSoup:
    found = html(client.get(url)).select_one("nav.site-links")
    assert found is not None
    return found


# -- the login form ----------------------------------------------------------------


def test_login_form_is_labelled_and_carries_a_csrf_token(client: FlaskClient) -> None:
    page = html(client.get("/-/login?next=/guide"))
    form = page.select_one("form[action='/-/login'][method=post]")
    assert form is not None
    for name, autocomplete in (("username", "username"), ("password", "current-password")):
        field = form.select_one(f"input[name={name}]")
        assert field["autocomplete"] == autocomplete
        assert form.select_one(f"label[for={field['id']}]") is not None
    assert form.select_one("input[name=password]")["type"] == "password"
    assert form.select_one("[aria-invalid]") is None and form.select_one(".form-error") is None
    assert form.select_one("input[name=csrf_token]")["value"]
    assert form.select_one("input[name=next]")["value"] == "/guide"
    assert page.select_one("link[href='/-/static/forms.css']") is not None


def test_login_and_logout(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "editor")
    assert nav(client).select_one("a.login-link")["href"] == "/-/login"
    assert nav(client, "/guide").select_one("a.login-link")["href"] == "/-/login?next=/guide"
    response = post_login(client, "ada", PASSWORD, next="/guide/first")
    assert (response.status_code, response.headers["Location"]) == (303, "/guide/first")
    menu = nav(client, "/guide")
    assert menu.select_one("a.account-link").get_text() == "Ada"
    assert menu.select_one("a[href='/-/admin/users']") is None, "only admins see Users"
    logout = menu.select_one("form[action='/-/logout']")
    token = logout.select_one("input[name=csrf_token]")["value"]
    response = client.post("/-/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert nav(client).select_one("a.login-link") is not None


def test_admins_see_the_users_link(admin_client: FlaskClient) -> None:
    assert nav(admin_client).select_one("a[href='/-/admin/users']").get_text() == "Users"


def test_the_user_menu_is_per_request_even_for_cached_pages(
    app: Flask, client: FlaskClient, editor_client: FlaskClient
) -> None:
    nav(editor_client, "/guide")  # renders and caches the page
    assert nav(client, "/guide").select_one("a.account-link") is None
    assert "Edna" not in client.get("/guide").get_data(as_text=True)


def test_wrong_password_shows_the_error_beside_the_form(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "editor")
    response = post_login(client, "ada", "not my password", next="/guide")
    assert response.status_code == 401
    page = html(response)
    error = page.select_one("form .form-error[role=alert]")
    assert "Wrong username or password." in error.get_text()
    assert page.select_one("form[action='/-/login']")["aria-describedby"] == error["id"]
    assert page.select_one("input[name=username]")["value"] == "ada"
    assert page.select_one("input[name=password]")["aria-invalid"] == "true"
    assert page.select_one("input[name=next]")["value"] == "/guide"
    assert nav(client).select_one("a.login-link") is not None


def test_429_after_ten_failed_logins(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "editor")
    for _ in range(10):
        assert post_login(client, "ada", "wrong password").status_code == 401
    response = post_login(client, "ada", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 300
    assert "Try again in 5 minutes" in html(response).select_one(".form-error").get_text()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/guide/first", "/guide/first"),
        ("/-/search?q=rubric", "/-/search?q=rubric"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("guide", "/"),
        ("/guide\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_next_is_only_a_local_path(
    app: Flask, client: FlaskClient, target: str, expected: str
) -> None:
    assert local_path(target) == expected
    make_user(app, "ada", "reader")
    response = post_login(client, "ada", PASSWORD, next=target)
    assert response.headers["Location"] == expected


def test_session_cookie_flags(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "reader")
    cookie = post_login(client, "ada", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "plain http in development"
    secure = app.test_client()
    token = csrf_token(secure, "https://localhost/-/login")
    response = secure.post(
        "https://localhost/-/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
    )
    assert "Secure" in response.headers["Set-Cookie"]


# -- CSRF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({}, {}),
        ({"csrf_token": ""}, {}),
        ({"csrf_token": "forged"}, {}),
        ({}, {"X-CSRFToken": "forged"}),
        ({"csrf_token": "é-not-ascii"}, {}),
    ],
)
def test_post_without_a_valid_csrf_token_is_refused(
    app: Flask, client: FlaskClient, data: dict[str, str], headers: dict[str, str]
) -> None:
    make_user(app, "ada", "reader")
    csrf_token(client)  # the session has a token; the request does not carry it
    response = client.post(
        "/-/login", data={"username": "ada", "password": PASSWORD, **data}, headers=headers
    )
    assert response.status_code == 400
    assert "security token is missing or out of date" in response.get_data(as_text=True)
    assert nav(client).select_one("a.login-link") is not None, "not logged in"


def test_csrf_token_from_another_session_is_refused(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "reader")
    stolen = csrf_token(app.test_client())
    csrf_token(client)
    data = {"username": "ada", "password": PASSWORD, "csrf_token": stolen}
    assert client.post("/-/login", data=data).status_code == 400


def test_csrf_token_accepted_as_a_header(app: Flask, client: FlaskClient) -> None:
    make_user(app, "ada", "reader")
    token = csrf_token(client)
    response = client.post(
        "/-/login", data={"username": "ada", "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 303


def test_admin_post_without_token_changes_nothing(app: Flask, admin_client: FlaskClient) -> None:
    make_user(app, "bob", "reader")
    response = admin_client.post("/-/admin/users/bob/role", data={"role": "admin"})
    assert response.status_code == 400
    assert accounts_of(app).get_user("bob").role == "reader"


# -- roles --------------------------------------------------------------------------------


@pytest.fixture
def guarded_app(app: Flask) -> Flask:
    """The app with two extra views guarded by `require_role`, as editing views are."""

    @require_role("editor")
    def edit() -> str:
        return "edit form"

    app.add_url_rule("/-/test-edit", "test_edit", edit, methods=["GET", "POST"])
    return app


def test_require_role(guarded_app: Flask) -> None:
    anonymous = guarded_app.test_client()
    response = anonymous.get("/-/test-edit?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/-/login?next=/-/test-edit%3Fx%3D1"
    response = anonymous.post("/-/test-edit", data={"csrf_token": csrf_token(anonymous)})
    assert response.status_code == 401
    make_user(guarded_app, "rita", "commenter")
    make_user(guarded_app, "edna", "editor")
    reader = guarded_app.test_client()
    login(reader, "rita")
    response = reader.get("/-/test-edit")
    assert response.status_code == 403
    assert "needs the editor role" in html(response).select_one("main").get_text()
    editor = guarded_app.test_client()
    login(editor, "edna")
    assert editor.get("/-/test-edit").get_data(as_text=True) == "edit form"


def test_admin_page_lists_users_and_changes_a_role(app: Flask, admin_client: FlaskClient) -> None:
    make_user(app, "bob", "reader")
    page = html(admin_client.get("/-/admin/users"))
    rows = page.select("table.users tbody tr")
    assert [row.select_one(".username").get_text() for row in rows] == ["ada", "bob"]
    form = page.select_one("#user-bob form[action='/-/admin/users/bob/role']")
    assert page.select_one(f"label[for={form.select_one('select')['id']}]") is not None
    token = form.select_one("input[name=csrf_token]")["value"]
    response = admin_client.post(
        "/-/admin/users/bob/role", data={"role": "editor", "csrf_token": token}
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/-/admin/users")
    assert accounts_of(app).get_user("bob").role == "editor"
    page = html(admin_client.get("/-/admin/users"))
    assert "bob now has the editor role." in page.select_one(".flash").get_text()
    assert page.select_one("#role-bob option[selected]")["value"] == "editor"


def test_admin_adds_and_removes_a_user(app: Flask, admin_client: FlaskClient) -> None:
    token = csrf_token(admin_client, "/-/admin/users")
    data = {"username": "carl", "name": "Carl", "email": "c@x.org", "role": "commenter"}
    response = admin_client.post(
        "/-/admin/users", data={**data, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert accounts_of(app).get_user("carl").role == "commenter"
    response = admin_client.post("/-/admin/users/carl/remove", data={"csrf_token": token})
    assert response.status_code == 303
    assert [u.username for u in accounts_of(app).list_users()] == ["ada"]


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        ("/-/admin/users", {"username": "Bad Name"}, 400, "Usernames are 1 to 40"),
        ("/-/admin/users", {"username": "ada"}, 409, "already a user called 'ada'"),
        ("/-/admin/users", {"username": "eve", "password": "short"}, 400, "at least 8"),
        ("/-/admin/users", {"username": "eve", "role": "owner"}, 400, "Unknown role 'owner'"),
        ("/-/admin/users/ada/role", {"role": "reader"}, 400, "they are the only admin"),
        ("/-/admin/users/ada/remove", {}, 400, "they are the only admin"),
        ("/-/admin/users/nobody/role", {"role": "reader"}, 404, "no user called 'nobody'"),
    ],
)
def test_admin_page_errors(
    admin_client: FlaskClient, url: str, data: dict[str, str], status: int, message: str
) -> None:
    token = csrf_token(admin_client, "/-/admin/users")
    form = {"password": PASSWORD, "role": "reader", **data, "csrf_token": token}
    response = admin_client.post(url, data=form)
    assert response.status_code == status
    text = html(response).select_one("main").get_text()
    assert message in text


def test_non_admins_get_403_on_the_admin_page(app: Flask, editor_client: FlaskClient) -> None:
    assert editor_client.get("/-/admin/users").status_code == 403
    token = csrf_token(editor_client)
    response = editor_client.post(
        "/-/admin/users/edna/role", data={"role": "admin", "csrf_token": token}
    )
    assert response.status_code == 403
    assert accounts_of(app).get_user("edna").role == "editor"
    assert app.test_client().get("/-/admin/users").status_code == 302


def test_removed_user_is_logged_out(app: Flask, editor_client: FlaskClient) -> None:
    assert nav(editor_client).select_one("a.account-link") is not None
    accounts_of(app).remove_user("edna")
    assert nav(editor_client).select_one("a.account-link") is None
    assert editor_client.get("/-/account").status_code == 302


def test_role_change_applies_to_a_live_session(app: Flask, editor_client: FlaskClient) -> None:
    accounts_of(app).set_role("edna", "admin")
    assert editor_client.get("/-/admin/users").status_code == 200


# -- the account page ----------------------------------------------------------------------


def test_change_own_password_logs_out_other_sessions(
    app: Flask, editor_client: FlaskClient
) -> None:
    other = app.test_client()
    login(other, "edna")
    token = csrf_token(editor_client, "/-/account")
    response = editor_client.post(
        "/-/account",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "confirm": "a brand new secret",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    page = html(editor_client.get("/-/account"))
    assert "Password changed" in page.select_one(".flash").get_text()
    assert nav(other).select_one("a.account-link") is None, "the other session ended"
    login(app.test_client(), "edna", "a brand new secret")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong password", "a brand new secret", "a brand new secret", "current password is not"),
        (PASSWORD, "a brand new secret", "something else", "two passwords are different"),
        (PASSWORD, "short", "short", "at least 8 characters"),
    ],
)
def test_change_password_errors(
    app: Flask, editor_client: FlaskClient, current: str, new: str, confirm: str, message: str
) -> None:
    token = csrf_token(editor_client, "/-/account")
    form = {"current_password": current, "new_password": new, "confirm": confirm}
    response = editor_client.post("/-/account", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert message in html(response).select_one("form .form-error").get_text()
    login(app.test_client(), "edna", PASSWORD)


# -- first-run setup --------------------------------------------------------------------------


def test_setup_creates_the_first_admin_once(app: Flask, client: FlaskClient) -> None:
    accounts_of(app)
    hint = first_admin_hint(accounts_of(app), "http://127.0.0.1:5091")
    assert hint and hint.startswith("No admin yet: open http://127.0.0.1:5091/-/setup?token=")
    url = hint.split()[4].removeprefix("http://127.0.0.1:5091")
    page = html(client.get(url))
    form = page.select_one("form[action='/-/setup']")
    token = form.select_one("input[name=token]")["value"]
    fields = {"username": "root", "name": "Rosa", "email": "r@x.org", "token": token}
    data = {**fields, "csrf_token": form.select_one("input[name=csrf_token]")["value"]}
    response = client.post("/-/setup", data={**data, "password": PASSWORD, "confirm": "typo!"})
    assert response.status_code == 400
    assert "two passwords are different" in html(response).select_one(".form-error").get_text()
    assert html(response).select_one("input[name=username]")["value"] == "root"
    response = client.post("/-/setup", data={**data, "password": PASSWORD, "confirm": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/-/admin/users")
    assert client.get("/-/admin/users").status_code == 200
    assert accounts_of(app).get_user("root").role == "admin"
    again = app.test_client()
    assert again.get(url).status_code == 403
    assert first_admin_hint(accounts_of(app)) is None


def test_setup_with_a_wrong_token_is_refused(app: Flask, client: FlaskClient) -> None:
    accounts_of(app).setup_token()
    response = client.get("/-/setup?token=guess")
    assert response.status_code == 403
    assert "setup link is not valid" in html(response).select_one("main").get_text()


# -- private mode --------------------------------------------------------------------------------


@pytest.fixture
def private_app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {"repo": basic_repo, "instance": tmp_path / "private", "private": True}
    )
    application.config["TESTING"] = True
    yield application
    application.extensions["masterywiki"].wiki.storage.close()


@pytest.mark.parametrize("url", ["/", "/guide/first", "/-/glossary", "/-/search?q=x", "/nope"])
def test_private_mode_sends_anonymous_readers_to_login(private_app: Flask, url: str) -> None:
    response = private_app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/-/login")


@pytest.mark.parametrize(
    "url", ["/-/login", "/-/healthz", "/-/static/wiki.css", "/-/static/forms.css"]
)
def test_private_mode_keeps_login_and_health_open(private_app: Flask, url: str) -> None:
    with private_app.test_client().get(url) as response:
        assert response.status_code == 200


def test_private_mode_lets_readers_in(private_app: Flask) -> None:
    make_user(private_app, "rita", "reader")
    client = private_app.test_client()
    response = post_login(client, "rita", PASSWORD, next="/guide/first")
    assert response.headers["Location"] == "/guide/first"
    assert client.get("/guide/first").status_code == 200


def test_logout_ends_the_session_for_every_copy_of_its_cookie(private_app: Flask) -> None:
    make_user(private_app, "rita", "reader")
    browser, other_browser = private_app.test_client(), private_app.test_client()
    post_login(browser, "rita", PASSWORD)
    post_login(other_browser, "rita", PASSWORD)
    captured = browser.get_cookie("session")
    assert captured is not None
    token = html(browser.get("/-/logout")).select_one("input[name=csrf_token]")["value"]
    assert browser.post("/-/logout", data={"csrf_token": token}).status_code == 303
    replay = private_app.test_client()
    replay.set_cookie("session", captured.value)
    response = replay.get("/guide/first")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/-/login")
    assert replay.get("/-/api/v1/pages/guide/first").status_code == 401
    assert other_browser.get("/guide/first").status_code == 200, "her other session goes on"


def test_logging_in_again_ends_the_session_it_replaces(private_app: Flask) -> None:
    make_user(private_app, "rita", "reader")
    browser = private_app.test_client()
    post_login(browser, "rita", PASSWORD)
    first = browser.get_cookie("session")
    assert first is not None
    post_login(browser, "rita", PASSWORD)
    replay = private_app.test_client()
    replay.set_cookie("session", first.value)
    assert replay.get("/guide/first").status_code == 302
    assert browser.get("/guide/first").status_code == 200


def test_private_mode_answers_the_json_api_with_401(private_app: Flask) -> None:
    response = private_app.test_client().get("/-/api/v1/pages/guide")
    assert response.status_code == 401
    assert response.json == {
        "error": "Login required",
        "message": "This wiki is private: log in first.",
    }


def test_private_mode_refuses_anonymous_posts(private_app: Flask) -> None:
    client = private_app.test_client()
    token = csrf_token(client)
    assert client.post("/guide/first/-/edit", data={"csrf_token": token}).status_code == 401


def test_make_user_and_login_helpers(app: Flask) -> None:
    user = make_user(app, "zoe", "commenter", password="another password")
    assert (user.username, user.role) == ("zoe", "commenter")
    client = app.test_client()
    assert login(client, "zoe", "another password").status_code == 303
    assert nav(client).select_one("a.account-link").get_text() == "Zoe"
