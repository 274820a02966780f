"""/api/v1/users/me and the HTTP Basic email:key gate every API call goes through."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.core.models import User
from keyfob_client import keyformat
from tests.helpers.api import api_error, basic_auth
from tests.helpers.users import Account, MakeUser


def test_a_valid_key_identifies_the_user(client: FlaskClient, user: Account) -> None:
    response = client.get("/api/v1/users/me", headers=basic_auth(user.email, user.key))
    assert response.status_code == 200
    body = response.get_json()
    joined = datetime.fromisoformat(body.pop("date_joined"))
    assert abs(datetime.now(UTC) - joined) < timedelta(minutes=5)
    key = body.pop("key")  # the calling key: tests/keys/test_scopes.py
    assert (key["kind"], key["name"], key["expires_at"]) == ("primary", None, None)
    assert body == {
        "result": "success",
        "msg": "",
        "user_id": user.id,
        "email": user.email,
        "full_name": "Ada Lovelace",
        "is_bot": False,
        "is_active": True,
        "delivery_email": user.email,
        "avatar_url": "http://localhost/static/avatar.svg?version=1",
        "avatar_version": 1,
        "role": 400,
        "is_owner": False,
        "is_admin": False,
        "is_guest": False,
        "is_billing_admin": False,
        "max_message_id": -1,
        "timezone": "",
        "profile_data": {},
    }
    assert user.key not in response.get_data(as_text=True)


def test_the_email_is_matched_case_insensitively(client: FlaskClient, user: Account) -> None:
    response = client.get("/api/v1/users/me", headers=basic_auth(user.email.upper(), user.key))
    assert response.status_code == 200


def test_a_missing_header_is_401(client: FlaskClient) -> None:
    api_error(client.get("/api/v1/users/me"), 401, "UNAUTHORIZED")


def test_a_wrong_key_is_401(client: FlaskClient, user: Account) -> None:
    wrong = keyformat.generate(keyformat.USER_PREFIX)
    body = api_error(
        client.get("/api/v1/users/me", headers=basic_auth(user.email, wrong)),
        401,
        "INVALID_API_KEY",
    )
    assert body["msg"] == "Invalid API key"


def test_a_malformed_key_is_401(client: FlaskClient, user: Account) -> None:
    response = client.get("/api/v1/users/me", headers=basic_auth(user.email, user.key[:-1]))
    api_error(response, 401, "INVALID_API_KEY")


def test_another_users_key_with_this_users_email_is_401(
    client: FlaskClient, make_user: MakeUser
) -> None:
    ada, bob = make_user(), make_user()
    response = client.get("/api/v1/users/me", headers=basic_auth(ada.email, bob.key))
    api_error(response, 401, "INVALID_API_KEY")


def test_a_deactivated_user_is_401(app: Flask, client: FlaskClient, user: Account) -> None:
    with app.app_context():
        db.session().get_one(User, user.id).is_active = False
        db.session().commit()
    response = client.get("/api/v1/users/me", headers=basic_auth(user.email, user.key))
    body = api_error(response, 401, "USER_DEACTIVATED")
    assert body["msg"] == "Account is deactivated"


def test_a_logged_in_browser_session_is_not_enough(logged_in: FlaskClient) -> None:
    api_error(logged_in.get("/api/v1/users/me"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize("header", ["Token abc", "Digest username=x"])
def test_a_scheme_other_than_basic_or_bearer_is_400(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/users/me", headers={"Authorization": header})
    api_error(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("token", ["%%%", base64.b64encode(b"no-colon").decode(), ""])
def test_malformed_basic_credentials_are_401(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Basic {token}"})
    api_error(response, 401, "UNAUTHORIZED")


def test_an_unknown_api_route_is_a_json_404(client: FlaskClient) -> None:
    api_error(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


def test_a_wrong_method_is_a_json_405(client: FlaskClient, user: Account) -> None:
    response = client.delete("/api/v1/users/me", headers=basic_auth(user.email, user.key))
    api_error(response, 405, "METHOD_NOT_ALLOWED")


def test_api_responses_carry_the_security_headers(client: FlaskClient, user: Account) -> None:
    for response in (
        client.get("/api/v1/users/me", headers=basic_auth(user.email, user.key)),
        client.get("/api/v1/users/me"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_api_root_without_a_slash_is_json_too(client: FlaskClient) -> None:
    api_error(client.get("/api"), 404, "NOT_FOUND")


def test_a_blank_authorization_header_counts_as_missing(client: FlaskClient) -> None:
    response = client.get("/api/v1/users/me", headers={"Authorization": "   "})
    api_error(response, 401, "UNAUTHORIZED")


def test_an_unexpected_error_is_a_json_500(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("something broke")

    api = app.extensions["keyfob.api"]
    api.add_url_rule("/api/v1/broken-for-test", view_func=broken)
    api.config["PROPAGATE_EXCEPTIONS"] = False
    body = api_error(app.test_client().get("/api/v1/broken-for-test"), 500, "INTERNAL_SERVER_ERROR")
    assert "something broke" not in str(body)


def test_a_key_pasted_with_surrounding_whitespace_still_works(
    client: FlaskClient, user: Account
) -> None:
    response = client.get(
        "/api/v1/users/me", headers=basic_auth(f" {user.email} ", f"{user.key} \t")
    )
    assert response.status_code == 200
    assert response.get_json()["user_id"] == user.id
