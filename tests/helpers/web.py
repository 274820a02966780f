"""What a person does in a browser: forms with their CSRF token, logging in, the key pages."""

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.users import PASSWORD

KEY_PAGE = "/settings/account/api-key"
KEY_REGENERATE = "/settings/account/api-key/regenerate"
KEY_ZULIPRC = "/settings/account/api-key/zuliprc"
KEY_ZULIPRC_INI = KEY_ZULIPRC + "?format=ini"
BOTS = "/settings/bots"

CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)
KEY_IN_PAGE = re.compile(r'id="(?:api-key-value|new-bot-key)"[^>]*>([^<]+)<')


def csrf_token(response: TestResponse) -> str:
    """The CSRF token in a page's form, as a browser would submit it."""
    return csrf_token_in(response.get_data(as_text=True))


def csrf_token_in(page: str) -> str:
    """The CSRF token in a page's HTML (for clients other than Flask's test client)."""
    match = CSRF_INPUT.search(page)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient,
    page: str,
    data: Mapping[str, str | list[str]],
    action: str | None = None,
) -> TestResponse:
    """Open ``page``, then submit its form to ``action`` (default: the page) with the token."""
    token = csrf_token(client.get(page))
    return client.post(action or page, data={**data, "csrf_token": token})


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Submit the login form, as the user would."""
    return post_form(client, "/login", {"email": email, "password": password})


def from_ip(client: FlaskClient, address: str) -> FlaskClient:
    """Make every request of this test client come from ``address``."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def reauthenticate(client: FlaskClient, password: str = PASSWORD) -> TestResponse:
    """Re-enter the password on the API-key page, as the user would."""
    return post_form(client, KEY_PAGE, {"password": password})


def reauthed_client(app: Flask, email: str) -> FlaskClient:
    """A browser on ``app`` logged in as ``email`` with the re-authentication window open."""
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    assert reauthenticate(client).location == KEY_PAGE
    return client


def field_error(response: TestResponse, field: str) -> str:
    """The error a re-rendered form shows under ``field`` ("" if none): never a 500."""
    assert response.status_code == 200, response.status
    match = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


def register_account(client: FlaskClient, **fields: str) -> TestResponse:
    """Submit the registration form, with its CSRF token: good values unless ``fields`` say."""
    data = {"email": "grace@example.com", "full_name": "Grace Hopper", "password": PASSWORD}
    return post_form(client, "/register", {**data, "confirm": PASSWORD, **fields})


def key_in(page: str) -> str:
    """The full key a page shows in its key box."""
    match = KEY_IN_PAGE.search(page)
    assert match, "page shows no key"
    return match.group(1)


@dataclass
class Bot:
    """A bot as its owner saw it made: id, email and the key shown once."""

    id: int
    email: str
    key: str


def submit_bot_form(client: FlaskClient, **fields: str) -> TestResponse:
    """Submit the Your bots form, with its CSRF token: good values unless ``fields`` say."""
    return post_form(client, BOTS, {"full_name": "Weather Bot", "username": "weather", **fields})


def create_bot(
    client: FlaskClient, full_name: str = "Weather Bot", username: str = "weather"
) -> Bot:
    """Add a bot through the Your bots form, as its owner would; it must succeed."""
    response = submit_bot_form(client, full_name=full_name, username=username)
    page = response.get_data(as_text=True)
    bot_id = re.search(r"/settings/bots/(\d+)/zuliprc", page)
    email = re.search(r"Its email is ([^.\s]+@[^\s]+?)\.\s", page)
    assert response.status_code == 200 and bot_id and email, "bot was not created"
    return Bot(int(bot_id.group(1)), email.group(1), key_in(page))


def kept_private(response: TestResponse) -> bool:
    """Whether no cache may keep ``response`` and its page sends no Referer at all: one
    Referrer-Policy only, since a browser follows the last of several."""
    return (
        response.headers.getlist("Referrer-Policy") == ["no-referrer"]
        and response.headers.get("Cache-Control") == "no-store"
    )


def password_step_for(app: Flask, path: str) -> str:
    """Where a page behind the password window sends a GET while the window is closed:
    the password step, which leads back to ``path`` afterwards."""
    with app.test_request_context():
        return url_for("settings.api_key", next=path)
