"""Account & privacy: the user's own key behind password re-entry."""

import tomllib
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import db
from tests.conftest import Clock
from tests.helpers.admin import audit_events, audit_types
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import csrf_token, key_in, post_form, reauthenticate

KEY_PAGE = "/settings/account/api-key"
REGENERATE = "/settings/account/api-key/regenerate"
ZULIPRC = "/settings/account/api-key/zuliprc"


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


def test_the_password_step_needs_a_csrf_token(logged_in: FlaskClient, user: Account) -> None:
    response = logged_in.post(KEY_PAGE, data={"password": PASSWORD})
    assert response.status_code == 400
    assert user.key not in logged_in.get(KEY_PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", KEY_PAGE), ("GET", ZULIPRC), ("GET", REGENERATE), ("POST", REGENERATE)],
)
def test_no_route_reveals_or_changes_the_key_without_reauthentication(
    logged_in: FlaskClient, user: Account, method: str, url: str
) -> None:
    token = csrf_token(logged_in.get("/settings/account"))
    response = logged_in.open(url, method=method, data={"csrf_token": token})
    assert user.key not in response.get_data(as_text=True)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.location == KEY_PAGE
    assert api_me(logged_in, user.email, user.key).status_code == 200


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


def test_logging_out_closes_the_window(reauthed: FlaskClient, user: Account) -> None:
    token = csrf_token(reauthed.get("/settings/account"))
    reauthed.post("/logout", data={"csrf_token": token})
    post_form(reauthed, "/login", {"email": user.email, "password": PASSWORD})
    assert user.key not in reauthed.get(KEY_PAGE).get_data(as_text=True)


def test_regenerating_asks_to_confirm(reauthed: FlaskClient, user: Account) -> None:
    page = reauthed.get(REGENERATE).get_data(as_text=True)
    assert "Any script or integration still using the old key will stop working." in page
    assert "Confirm" in page and "Cancel" in page
    assert api_me(reauthed, user.email, user.key).status_code == 200


def test_confirming_replaces_the_key_at_once(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    response = post_form(reauthed, REGENERATE, {})
    assert response.location == KEY_PAGE
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert "Your new API key is ready." in page
    assert user.key not in page
    new_key = key_in(page)
    assert api_me(reauthed, user.email, user.key).status_code == 401
    assert api_me(reauthed, user.email, new_key).status_code == 200
    assert "api_key_regenerated" in audit_types(app)


def test_regenerating_needs_a_csrf_token(reauthed: FlaskClient, user: Account) -> None:
    assert reauthed.post(REGENERATE).status_code == 400
    assert api_me(reauthed, user.email, user.key).status_code == 200


def test_the_zuliprc_download_parses_to_exactly_the_three_values(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    response = reauthed.get(ZULIPRC)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="zuliprc"'
    assert response.headers["Cache-Control"] == "no-store"
    assert tomllib.loads(response.get_data(as_text=True)) == {
        "api": {"email": user.email, "key": user.key, "site": "http://localhost"}
    }
    assert audit_types(app)[-1] == "rc_downloaded"


def test_the_zuliprc_site_is_the_configured_site_url(make_app: object, user: Account) -> None:
    assert callable(make_app)
    client = make_app(SITE_URL="https://chat.example.com/").test_client()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    reauthenticate(client)
    rc = tomllib.loads(client.get(ZULIPRC).get_data(as_text=True))
    assert rc["api"]["site"] == "https://chat.example.com"


def test_the_zuliprc_site_follows_the_proxy_when_trusted(make_app: object, user: Account) -> None:
    assert callable(make_app)
    # The forwarded host must be a trusted one (see tests/test_hosts.py).
    client = make_app(PROXY_FIX=True, TRUSTED_HOSTS=["localhost", "keys.example.org"]).test_client()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    reauthenticate(client)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "keys.example.org"}
    rc = tomllib.loads(client.get(ZULIPRC, headers=forwarded).get_data(as_text=True))
    assert rc["api"]["site"] == "https://keys.example.org"


def test_forwarded_headers_are_ignored_without_the_proxy_setting(
    reauthed: FlaskClient,
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    rc = tomllib.loads(reauthed.get(ZULIPRC, headers=forwarded).get_data(as_text=True))
    assert rc["api"]["site"] == "http://localhost"


def test_nobody_sees_another_users_key(
    client: FlaskClient, make_user: object, user: Account
) -> None:
    assert callable(make_user)
    other: Account = make_user("other@example.com")
    post_form(client, "/login", {"email": other.email, "password": PASSWORD})
    reauthenticate(client)
    for url in (KEY_PAGE, ZULIPRC, "/settings/account", REGENERATE):
        body = client.get(url).get_data(as_text=True)
        assert user.key not in body
    assert other.key in client.get(KEY_PAGE).get_data(as_text=True)


def test_last_used_is_written_at_most_once_a_minute(
    app: Flask, clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    from app import keys

    def last_used() -> object:
        with app.app_context():
            record = keys.active_key(db.session(), user.id)
            assert record is not None
            return record.last_used_at

    assert last_used() is None
    api_me(logged_in, user.email, user.key)
    first = last_used()
    assert first == clock.current
    clock.advance(seconds=30)
    api_me(logged_in, user.email, user.key)
    assert last_used() == first
    clock.advance(seconds=31)
    api_me(logged_in, user.email, user.key)
    assert last_used() == clock.current


def test_the_account_page_says_when_the_key_was_last_used(
    clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    api_me(logged_in, user.email, user.key)
    clock.advance(minutes=3)
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert "never used" not in page
    assert "3 minutes ago" in page


def test_the_security_log_lists_what_happened(reauthed: FlaskClient, user: Account) -> None:
    reauthed.get(KEY_PAGE)
    page = reauthed.get("/settings/account", headers={"User-Agent": "TestBrowser/1.0"}).get_data(
        as_text=True
    )
    assert "Security log" in page
    assert "Password confirmed" in page
    assert "API key shown" in page
    assert "127.0.0.1" in page


def test_the_security_log_shows_the_last_fifty_events(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    from app import audit

    with app.app_context():
        session = db.session()
        for _ in range(60):
            audit.record(session, "api_key_revealed", actor_id=user.id, subject_user_id=user.id)
        session.commit()
        assert len(audit.security_log(session, user.id)) == 50
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert page.count("API key shown") == 50


def test_the_security_log_leaves_out_other_users(
    app: Flask, client: FlaskClient, make_user: object, user: Account
) -> None:
    assert callable(make_user)
    other: Account = make_user("other@example.com")
    post_form(client, "/login", {"email": other.email, "password": PASSWORD})
    reauthenticate(client, "wrong password!")
    client.get("/settings/account")
    second = app.test_client()
    post_form(second, "/login", {"email": user.email, "password": PASSWORD})
    page = second.get("/settings/account").get_data(as_text=True)
    assert "Wrong password entered" not in page


def test_the_session_cookie_never_holds_the_key(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    post_form(reauthed, REGENERATE, {})  # leaves a flash message in the cookie
    cookie = reauthed.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    stored = str(serializer.loads(cookie.value))
    assert "Your new API key is ready." in stored
    with app.app_context():
        from app import keys

        new_key = keys.reveal(db.session(), user.id)
    assert new_key is not None
    assert new_key not in stored and user.key not in stored


def test_audit_rows_name_actor_subject_and_browser(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    browser = {"User-Agent": "KeyfobTest/2.0"}
    token = csrf_token(logged_in.get(KEY_PAGE))
    logged_in.post(KEY_PAGE, data={"password": "wrong", "csrf_token": token}, headers=browser)
    logged_in.post(KEY_PAGE, data={"password": PASSWORD, "csrf_token": token}, headers=browser)
    logged_in.get(KEY_PAGE, headers=browser)
    rows = [(e.event_type, e.actor_id, e.subject_user_id, e.user_agent) for e in audit_events(app)]
    assert rows[-3:] == [
        ("reauth_failed", user.id, user.id, "KeyfobTest/2.0"),
        ("reauth_succeeded", user.id, user.id, "KeyfobTest/2.0"),
        ("api_key_revealed", user.id, user.id, "KeyfobTest/2.0"),
    ]


def test_a_failed_login_is_audited_for_the_account(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    post_form(client, "/login", {"email": user.email, "password": "wrong password"})
    last = audit_events(app)[-1]
    assert (last.event_type, last.actor_id, last.subject_user_id) == ("login_failed", None, user.id)


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
    for url in (KEY_PAGE, ZULIPRC, "/settings/account"):
        response = replay.get(url)
        assert user.key not in response.get_data(as_text=True)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_logout_clears_the_window_from_the_cookie(app: Flask, reauthed: FlaskClient) -> None:
    token = csrf_token(reauthed.get("/settings/account"))
    reauthed.post("/logout", data={"csrf_token": token})
    cookie = reauthed.get_cookie("session")
    if cookie is not None:
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert "reauth" not in str(serializer.loads(cookie.value))


def test_the_window_belongs_to_the_user_who_opened_it(
    app: Flask, reauthed: FlaskClient, make_user: Callable[..., Account], user: Account
) -> None:
    other = make_user("other@example.com")
    with reauthed.session_transaction() as session:
        session["_user_id"] = str(other.id)  # the same cookie, now naming another user
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert other.key not in page and user.key not in page
    assert "Re-enter your password" in page


def test_last_used_is_not_rewritten_within_the_minute(
    app: Flask, clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    from app import keys

    api_me(logged_in, user.email, user.key)
    with app.app_context():
        record = keys.active_key(db.session(), user.id)
        assert record is not None
        first = record.last_used_at
    clock.advance(seconds=59)
    api_me(logged_in, user.email, user.key)
    with app.app_context():
        record = keys.active_key(db.session(), user.id)
        assert record is not None and record.last_used_at == first


def test_a_json_body_is_not_a_password_attempt(logged_in: FlaskClient, user: Account) -> None:
    token = csrf_token(logged_in.get(KEY_PAGE))
    for _ in range(6):
        response = logged_in.post(KEY_PAGE, json={"password": 5}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert "This field is required." in response.get_data(as_text=True)
    assert reauthenticate(logged_in).location == KEY_PAGE
