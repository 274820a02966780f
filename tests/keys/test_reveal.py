"""Account & privacy: one's key shows only after password re-entry, for a window that closes."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.admin import audit_types
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import (
    KEY_PAGE,
    KEY_REGENERATE,
    KEY_ZULIPRC,
    csrf_token,
    password_step_for,
    post_form,
    reauthenticate,
)

# The password step


def test_the_account_page_offers_the_key_but_never_shows_it(
    logged_in: FlaskClient, user: Account
) -> None:
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert "Manage your API key" in page
    assert "treat it like a password" in page
    assert "never used" in page
    assert user.key not in page


def test_the_key_page_asks_for_the_password_first(logged_in: FlaskClient, user: Account) -> None:
    response = logged_in.get(KEY_PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Re-enter your password to confirm your identity." in page
    assert user.key not in page


def test_the_right_password_reveals_the_key(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    assert reauthenticate(logged_in).location == KEY_PAGE
    response = logged_in.get(KEY_PAGE)
    page = response.get_data(as_text=True)
    assert user.key in page
    assert "Copy" in page and "Download zuliprc" in page and "Generate new API key" in page
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_types(app)[-2:] == ["reauth_succeeded", "api_key_revealed"]


def test_a_wrong_password_stays_on_the_password_step(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    response = reauthenticate(logged_in, "not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Password is incorrect" in page
    assert "Re-enter your password" in page
    assert user.key not in page
    assert audit_types(app)[-1] == "reauth_failed"
    assert user.key not in logged_in.get(KEY_PAGE).get_data(as_text=True)


def test_an_empty_password_is_a_form_error_not_an_attempt(
    app: Flask, logged_in: FlaskClient
) -> None:
    page = reauthenticate(logged_in, "").get_data(as_text=True)
    assert "This field is required." in page
    assert "reauth_failed" not in audit_types(app)


def test_a_json_body_is_not_a_password_attempt(logged_in: FlaskClient, user: Account) -> None:
    token = csrf_token(logged_in.get(KEY_PAGE))
    for _ in range(6):
        response = logged_in.post(KEY_PAGE, json={"password": 5}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert "This field is required." in response.get_data(as_text=True)
    assert reauthenticate(logged_in).location == KEY_PAGE


def test_the_password_step_needs_a_csrf_token(logged_in: FlaskClient, user: Account) -> None:
    response = logged_in.post(KEY_PAGE, data={"password": PASSWORD})
    assert response.status_code == 400
    assert user.key not in logged_in.get(KEY_PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", KEY_PAGE), ("GET", KEY_ZULIPRC), ("GET", KEY_REGENERATE), ("POST", KEY_REGENERATE)],
)
def test_no_route_reveals_or_changes_the_key_without_reauthentication(
    logged_in: FlaskClient, user: Account, method: str, url: str
) -> None:
    token = csrf_token(logged_in.get("/settings/account"))
    response = logged_in.open(url, method=method, data={"csrf_token": token})
    assert user.key not in response.get_data(as_text=True)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        step = password_step_for(logged_in.application, url) if method == "GET" else KEY_PAGE
        assert response.location == step
    assert api_me(logged_in, user.email, user.key).status_code == 200


def test_nobody_sees_another_users_key(
    client: FlaskClient, make_user: object, user: Account
) -> None:
    assert callable(make_user)
    other: Account = make_user("other@example.com")
    post_form(client, "/login", {"email": other.email, "password": PASSWORD})
    reauthenticate(client)
    for url in (KEY_PAGE, KEY_ZULIPRC, "/settings/account", KEY_REGENERATE):
        body = client.get(url).get_data(as_text=True)
        assert user.key not in body
    assert other.key in client.get(KEY_PAGE).get_data(as_text=True)


# The window


def test_the_window_closes_when_it_expires(
    app: Flask, clock: Clock, reauthed: FlaskClient, user: Account
) -> None:
    clock.advance(seconds=app.config["REAUTH_WINDOW_SECONDS"] - 1)
    assert user.key in reauthed.get(KEY_PAGE).get_data(as_text=True)
    clock.advance(seconds=2)
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert user.key not in page
    assert "Re-enter your password" in page


def test_the_window_length_is_configurable(make_app: object, user: Account) -> None:
    assert callable(make_app)
    short = make_app(REAUTH_WINDOW_SECONDS=0)
    client = short.test_client()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    reauthenticate(client)
    assert user.key not in client.get(KEY_PAGE).get_data(as_text=True)


def test_the_window_belongs_to_the_user_who_opened_it(
    app: Flask, reauthed: FlaskClient, make_user: Callable[..., Account], user: Account
) -> None:
    other = make_user("other@example.com")
    with reauthed.session_transaction() as session:
        session["_user_id"] = str(other.id)  # the same cookie, now naming another user
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert other.key not in page and user.key not in page
    assert "Re-enter your password" in page


def test_logging_out_closes_the_window(reauthed: FlaskClient, user: Account) -> None:
    token = csrf_token(reauthed.get("/settings/account"))
    reauthed.post("/logout", data={"csrf_token": token})
    post_form(reauthed, "/login", {"email": user.email, "password": PASSWORD})
    assert user.key not in reauthed.get(KEY_PAGE).get_data(as_text=True)


def test_logout_clears_the_window_from_the_cookie(app: Flask, reauthed: FlaskClient) -> None:
    token = csrf_token(reauthed.get("/settings/account"))
    reauthed.post("/logout", data={"csrf_token": token})
    cookie = reauthed.get_cookie("session")
    if cookie is not None:
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert "reauth" not in str(serializer.loads(cookie.value))


def test_a_copied_cookie_dies_with_the_logout(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    cookie = reauthed.get_cookie("session")
    assert cookie is not None
    stolen = cookie.value
    token = csrf_token(reauthed.get("/settings/account"))
    reauthed.post("/logout", data={"csrf_token": token})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    for url in (KEY_PAGE, KEY_ZULIPRC, "/settings/account"):
        response = replay.get(url)
        assert user.key not in response.get_data(as_text=True)
        assert response.status_code == 302 and response.location.startswith("/login")
