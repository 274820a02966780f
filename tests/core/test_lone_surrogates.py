"""Text UTF-8 cannot encode (a lone surrogate) is refused by name, never a 500.

JSON can carry one ("\\ud800"); form bodies cannot, since werkzeug decodes them replacing
invalid bytes, so the form rule is checked on the forms themselves as well.
"""

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from app.web.accounts.forms import LoginForm, RegisterForm
from app.web.forms import Form
from app.web.settings.forms import BotForm, ConfirmForm, LanguageForm, ReauthForm
from tests.helpers.api import API, api_error
from tests.helpers.users import PASSWORD, Account

INVALID = "Remove the invalid characters."


def post_json(
    client: FlaskClient, path: str, body: dict[str, str], auth: tuple[str, str] | None = None
) -> TestResponse:
    # json.dumps escapes the surrogate as \ud800, exactly as a hostile script would send it.
    return client.post(path, data=json.dumps(body), content_type="application/json", auth=auth)


def test_a_lone_surrogate_in_the_username_is_a_named_400(client: FlaskClient) -> None:
    response = post_json(
        client, f"{API}/fetch_api_key", {"username": "\ud800@x.io", "password": "x"}
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "username"


def test_a_lone_surrogate_in_the_password_is_a_named_400(
    client: FlaskClient, user: Account
) -> None:
    response = post_json(
        client, f"{API}/fetch_api_key", {"username": user.email, "password": "\udfff"}
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "password"


def test_a_lone_surrogate_password_does_not_use_up_the_accounts_attempts(
    client: FlaskClient, user: Account
) -> None:
    for _ in range(6):
        post_json(client, f"{API}/fetch_api_key", {"username": user.email, "password": "\udfff"})
    response = client.post(
        f"{API}/fetch_api_key", data={"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("full_name", {"full_name": "Bot \ud83e", "short_name": "ok"}),
        ("short_name", {"full_name": "Bot", "short_name": "ok\udc00"}),
    ],
)
def test_a_lone_surrogate_in_a_bot_argument_is_a_named_400(
    client: FlaskClient, user: Account, field: str, body: dict[str, str]
) -> None:
    response = post_json(client, f"{API}/bots", body, auth=(user.email, user.key))
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == field
    listed = client.get(f"{API}/bots", auth=(user.email, user.key)).get_json()
    assert listed["bots"] == []


FORM_FIELDS: list[tuple[type[Form], str]] = [
    (RegisterForm, "email"),
    (RegisterForm, "full_name"),
    (RegisterForm, "password"),
    (RegisterForm, "confirm"),
    (LoginForm, "email"),
    (LoginForm, "password"),
    (LoginForm, "csrf_token"),
    (ReauthForm, "password"),
    (LanguageForm, "language"),
    (BotForm, "full_name"),
    (BotForm, "username"),
    (ConfirmForm, "csrf_token"),
]


@pytest.mark.parametrize(
    ("form_class", "field"),
    FORM_FIELDS,
    ids=[f"{form_class.__name__}.{field}" for form_class, field in FORM_FIELDS],
)
def test_a_lone_surrogate_in_any_form_field_is_that_fields_error(
    app: Flask, form_class: type[Form], field: str
) -> None:
    with app.test_request_context("/", method="POST"):
        form = form_class(formdata=MultiDict({field: "a\ud800b"}))
        assert form.validate() is False
        assert [str(error) for error in form[field].errors] == [INVALID]
