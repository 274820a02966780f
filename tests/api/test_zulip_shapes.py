"""Zulip's response shapes: the fields Zulip clients read from server_settings and users/me,
and Zulip's 404 for the endpoints Keyfob does not serve."""

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.users import Account


def served_image(client: FlaskClient, url: str) -> str:
    """The type of the image ``url`` serves from this site (it must serve one)."""
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    return str(response.mimetype)


def test_server_settings_hold_what_zulip_clients_read(client: FlaskClient) -> None:
    body = api_ok(client.get(f"{API}/server_settings"))
    assert body["realm_uri"] == body["realm_url"] == "http://localhost"
    assert body["realm_name"] == "Keyfob"
    assert body["realm_description"] == ""
    assert body["require_email_format_usernames"] is True
    assert body["email_auth_enabled"] is True
    assert body["external_authentication_methods"] == []
    assert body["push_notifications_enabled"] is False
    assert body["is_incompatible"] is False
    assert body["zulip_merge_base"] == body["zulip_version"]


def test_the_realm_icon_is_an_image_the_site_serves(client: FlaskClient) -> None:
    icon = str(api_ok(client.get(f"{API}/server_settings"))["realm_icon"])
    assert icon.startswith("http://localhost/")
    assert served_image(client, icon) == "image/svg+xml"


def test_the_feature_level_is_zulip_9s(client: FlaskClient) -> None:
    assert api_ok(client.get(f"{API}/server_settings"))["zulip_feature_level"] == 277


def test_the_old_authentication_methods_say_email_and_password(client: FlaskClient) -> None:
    methods = api_ok(client.get(f"{API}/server_settings"))["authentication_methods"]
    assert methods == {"password": True, "email": True, "dev": False}


def test_the_realm_name_is_a_setting(make_app: Callable[..., Flask]) -> None:
    client = make_app(REALM_NAME="Acme chat").test_client()
    assert api_ok(client.get(f"{API}/server_settings"))["realm_name"] == "Acme chat"


def test_a_persons_profile_has_zulips_fields(client: FlaskClient, user: Account) -> None:
    body = api_ok(api_me(client, user.email, user.key))
    assert body["delivery_email"] == user.email
    assert (body["role"], body["is_owner"], body["is_admin"], body["is_guest"]) == (
        400,
        False,
        False,
        False,
    )
    assert (body["timezone"], body["profile_data"], body["avatar_version"]) == ("", {}, 1)
    assert (body["is_billing_admin"], body["max_message_id"]) == (False, -1)
    assert "bot_type" not in body


def test_the_avatar_is_an_image_the_site_serves(client: FlaskClient, user: Account) -> None:
    avatar = str(api_ok(api_me(client, user.email, user.key))["avatar_url"])
    assert avatar.startswith("http://localhost/") and avatar.endswith("?version=1")
    assert served_image(client, avatar) == "image/svg+xml"


def test_a_bot_is_a_generic_bot(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Weather Bot", "weather"))
    body = api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))
    assert (body["bot_type"], body["bot_owner_id"], body["role"]) == (1, user.id, 400)
    assert "profile_data" not in body  # custom profile fields are for people


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/messages"), ("GET", "/messages"), ("POST", "/register"), ("GET", "/streams")],
)
def test_messaging_endpoints_do_not_exist_here(
    client: FlaskClient, user: Account, method: str, path: str
) -> None:
    response = client.open(f"{API}{path}", method=method, auth=(user.email, user.key))
    assert api_error(response, 404, "NOT_FOUND")["msg"] == "Endpoint does not exist"
