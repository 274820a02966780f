"""Account & privacy: regenerating one's own key, and downloading it as a zuliprc."""

import tomllib

from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from tests.helpers.admin import audit_types
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import (
    KEY_PAGE,
    KEY_REGENERATE,
    KEY_ZULIPRC,
    key_in,
    post_form,
    reauthenticate,
)

# Regenerating


def test_regenerating_asks_to_confirm(reauthed: FlaskClient, user: Account) -> None:
    page = reauthed.get(KEY_REGENERATE).get_data(as_text=True)
    assert "Any script or integration still using the old key will stop working." in page
    assert "Confirm" in page and "Cancel" in page
    assert api_me(reauthed, user.email, user.key).status_code == 200


def test_confirming_replaces_the_key_at_once(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    response = post_form(reauthed, KEY_REGENERATE, {})
    assert response.location == KEY_PAGE
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert "Your new API key is ready." in page
    assert user.key not in page
    new_key = key_in(page)
    assert api_me(reauthed, user.email, user.key).status_code == 401
    assert api_me(reauthed, user.email, new_key).status_code == 200
    assert "api_key_regenerated" in audit_types(app)


def test_regenerating_needs_a_csrf_token(reauthed: FlaskClient, user: Account) -> None:
    assert reauthed.post(KEY_REGENERATE).status_code == 400
    assert api_me(reauthed, user.email, user.key).status_code == 200


def test_the_session_cookie_never_holds_the_key(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    post_form(reauthed, KEY_REGENERATE, {})  # leaves a flash message in the cookie
    cookie = reauthed.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    stored = str(serializer.loads(cookie.value))
    assert "Your new API key is ready." in stored
    with app.app_context():
        from app.keys import primary

        new_key = primary.reveal(db.session(), user.id)
    assert new_key is not None
    assert new_key not in stored and user.key not in stored


# The zuliprc download


def test_the_zuliprc_download_parses_to_exactly_the_three_values(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    response = reauthed.get(KEY_ZULIPRC)
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
    rc = tomllib.loads(client.get(KEY_ZULIPRC).get_data(as_text=True))
    assert rc["api"]["site"] == "https://chat.example.com"


def test_the_zuliprc_site_follows_the_proxy_when_trusted(make_app: object, user: Account) -> None:
    assert callable(make_app)
    # The forwarded host must be a trusted one (see tests/core/test_hosts.py).
    client = make_app(PROXY_FIX=True, TRUSTED_HOSTS=["localhost", "keys.example.org"]).test_client()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    reauthenticate(client)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "keys.example.org"}
    rc = tomllib.loads(client.get(KEY_ZULIPRC, headers=forwarded).get_data(as_text=True))
    assert rc["api"]["site"] == "https://keys.example.org"


def test_forwarded_headers_are_ignored_without_the_proxy_setting(
    reauthed: FlaskClient,
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    rc = tomllib.loads(reauthed.get(KEY_ZULIPRC, headers=forwarded).get_data(as_text=True))
    assert rc["api"]["site"] == "http://localhost"
