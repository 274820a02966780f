"""Hostile values in every form field and API parameter: never a 5xx, never an error logged.

Each test sends the whole corpus to one field, then names every value that got a 5xx. The
app is built with PROPAGATE_EXCEPTIONS off, so a crash becomes what a client would see (a
500) and what an operator would see (an ERROR record with its traceback).
"""

import base64
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API
from tests.helpers.users import Account
from tests.helpers.web import create_bot, csrf_token

# Lone surrogates, NUL and other controls, 10 kB strings, invisible and markup characters.
HOSTILE: list[str] = [
    "\ud800@x.io",
    "\udfff",
    "Bot \ud83e",
    "\x00",
    "a\x00b@example.com",
    "\x1b[31m\r\n",
    "x" * 10_000,
    "é" * 5_000,
    "🤖" * 2_500,
    "\u202eevil\ufeff",
    "",
    " ",
    "a&b=c%",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
]
# Bytes as they may appear in a form body: invalid UTF-8, raw or percent-encoded.
RAW_FORM_VALUES: list[bytes] = [b"\xff\xfe", b"\xc3(", b"\xed\xa0\x80", b"%ff%fe%ed%a0%80", b"%00"]
NOT_STRINGS: list[object] = [0, None, True, [], {}, ["x"], {"x": "y"}]


def form_values() -> Iterator[bytes]:
    """Every hostile value as form-encoded bytes (surrogates as the bytes that would carry them)."""
    for value in HOSTILE:
        yield quote_from_bytes(value.encode("utf-8", "surrogatepass")).encode("ascii")
    yield from RAW_FORM_VALUES


def form_body(fields: dict[str, bytes]) -> bytes:
    return b"&".join(name.encode("ascii") + b"=" + value for name, value in fields.items())


def quoted(value: str) -> bytes:
    return quote_from_bytes(value.encode()).encode("ascii")


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Limits high enough that every value of the corpus reaches the code behind them."""
    return make_app(
        PROPAGATE_EXCEPTIONS=False,
        PASSWORD_LIMIT_PER_ACCOUNT="10000 per hour",
        PASSWORD_LIMIT_PER_IP="10000 per hour",
        REGISTRATION_LIMIT_PER_IP="10000 per hour",
        KEY_GUESS_LIMIT_PER_IP="10000 per hour",
    )


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []


@dataclass(frozen=True)
class FormTarget:
    page: str  # where the form (and so its CSRF token) is
    fields: dict[str, str] = field(default_factory=dict)  # a plausible submission
    logged_in: bool = True
    action: str = ""  # default: the page itself


FORMS = {
    "register": FormTarget(
        "/register",
        {"email": "new@example.com", "full_name": "New", "password": "p" * 12, "confirm": "p" * 12},
        logged_in=False,
    ),
    "login": FormTarget(
        "/login", {"email": "ada@example.com", "password": "not the password"}, logged_in=False
    ),
    "re-auth": FormTarget("/settings/account/api-key", {"password": "not the password"}),
    "language": FormTarget(
        "/settings/account", {"language": "zh_Hans"}, action="/settings/account/language"
    ),
    "bot creation": FormTarget("/settings/bots", {"full_name": "Ok", "username": "ok"}),
    "confirm key regeneration": FormTarget("/settings/account/api-key/regenerate"),
    "confirm bot key regeneration": FormTarget("/settings/bots/{bot}/regenerate"),
    "confirm bot deactivation": FormTarget("/settings/bots/{bot}/deactivate"),
}
FORM_FIELDS = [
    (name, field_name)
    for name, target in FORMS.items()
    for field_name in [*target.fields, "csrf_token"]
]


@pytest.mark.usefixtures("no_errors_logged")
@pytest.mark.parametrize(
    ("form", "field_name"), FORM_FIELDS, ids=[f"{f}:{n}" for f, n in FORM_FIELDS]
)
def test_no_form_field_value_gets_a_5xx(
    app: Flask, reauthed: FlaskClient, form: str, field_name: str
) -> None:
    target = FORMS[form]
    client = reauthed if target.logged_in else app.test_client()
    bot = create_bot(reauthed, username="target")
    page = target.page.format(bot=bot.id)
    failures = []
    for value in form_values():
        fields = {name: quoted(text) for name, text in target.fields.items()}
        fields["csrf_token"] = quoted(csrf_token(client.get(page)))
        fields[field_name] = value
        response = client.post(
            (target.action or page).format(bot=bot.id),
            data=form_body(fields),
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code >= 500:
            failures.append((value[:40], response.status_code))
    assert failures == []


def assert_json_error_or_success(response: TestResponse) -> None:
    assert response.status_code < 500
    body = response.get_json()
    assert body["result"] in ("success", "error")
    if response.status_code >= 400:
        assert body["result"] == "error" and body["code"]


API_PARAMETERS = [
    ("fetch_api_key", "username"),
    ("fetch_api_key", "password"),
    ("bots", "full_name"),
    ("bots", "short_name"),
]


def api_call(client: FlaskClient, user: Account, endpoint: str) -> Callable[..., TestResponse]:
    """POST to the endpoint as a script would (bots need the user's key)."""
    auth = (user.email, user.key) if endpoint == "bots" else None

    def post(**kwargs: object) -> TestResponse:
        return client.post(f"{API}/{endpoint}", auth=auth, **kwargs)

    return post


def plausible(endpoint: str, user: Account) -> dict[str, str]:
    if endpoint == "bots":
        return {"full_name": "Ok", "short_name": "ok"}
    return {"username": user.email, "password": "not the password"}


@pytest.mark.usefixtures("no_errors_logged")
@pytest.mark.parametrize(("endpoint", "parameter"), API_PARAMETERS)
def test_no_json_argument_gets_a_5xx(
    client: FlaskClient, user: Account, endpoint: str, parameter: str
) -> None:
    post = api_call(client, user, endpoint)
    for value in [*HOSTILE, *NOT_STRINGS]:
        body = {**plausible(endpoint, user), parameter: value}
        response = post(data=json.dumps(body), content_type="application/json")
        assert_json_error_or_success(response)


@pytest.mark.usefixtures("no_errors_logged")
@pytest.mark.parametrize(("endpoint", "parameter"), API_PARAMETERS)
def test_no_form_encoded_argument_gets_a_5xx(
    client: FlaskClient, user: Account, endpoint: str, parameter: str
) -> None:
    post = api_call(client, user, endpoint)
    for value in form_values():
        fields = {name: quoted(text) for name, text in plausible(endpoint, user).items()}
        fields[parameter] = value
        response = post(data=form_body(fields), content_type="application/x-www-form-urlencoded")
        assert_json_error_or_success(response)


@pytest.mark.usefixtures("no_errors_logged")
@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "\xff", "password": "x"}',
        b'{"username": "\xed\xa0\x80"}',
        b"\x00",
        b"[" * 5000,
    ],
)
def test_undecodable_json_bodies_are_a_400(client: FlaskClient, body: bytes) -> None:
    response = client.post(f"{API}/fetch_api_key", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["code"] == "BAD_REQUEST"


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def odd_basic_headers(user: Account) -> list[str]:
    good = f"{user.email}:{user.key}".encode()
    return [
        "Basic",
        "Basic ",
        "Basic !!!",
        "Basic =",
        "Basic " + "A" * 10_000,
        "Basic é",
        "Basic \x00",
        "Basic\t" + basic(good)[6:],
        basic(b"no colon"),
        basic(b":"),
        basic(user.email.encode() + b":"),
        basic(b":" + user.key.encode()),
        basic(b"\xff\xfe:\xff"),
        basic("\ud800@x.io:k".encode("utf-8", "surrogatepass")),
        basic(b"a\x00@example.com:" + user.key.encode()),
        basic(good + b"\x00"),
        basic(b"x" * 10_000 + b":" + b"y" * 10_000),
        basic(good) + "junk",
        "Bearer " + user.key[:-1],
        "Bearer ",
        'Digest username="ada"',
    ]


@pytest.mark.usefixtures("no_errors_logged")
def test_odd_basic_headers_get_a_4xx_json_error(client: FlaskClient, user: Account) -> None:
    for header in odd_basic_headers(user):
        response = client.get(f"{API}/users/me", headers={"Authorization": header})
        assert 400 <= response.status_code < 500, header[:40]
        assert response.get_json()["code"] in ("BAD_REQUEST", "UNAUTHORIZED", "INVALID_API_KEY")


def as_header(value: str) -> str:
    """The text a WSGI server hands over for these bytes in a header (latin-1, as PEP 3333
    says); a line break cannot be inside a header at all."""
    text = value.encode("utf-8", "surrogatepass").decode("latin-1")
    return text.replace("\r", "").replace("\n", "")


@pytest.mark.usefixtures("no_errors_logged")
@pytest.mark.parametrize("header", ["X-Forwarded-For", "User-Agent"])
def test_hostile_client_headers_never_break_a_correct_login(
    make_app: Callable[..., Flask], user: Account, header: str
) -> None:
    app = make_app(PROXY_FIX=True, PROPAGATE_EXCEPTIONS=False)
    for value in HOSTILE:
        client = app.test_client()
        token = csrf_token(client.get("/login"))
        response = client.post(
            "/login",
            data={"email": user.email, "password": user.password, "csrf_token": token},
            headers={header: as_header(value)},
        )
        assert response.status_code == 302, repr(value[:40])
