"""The forward-auth check answers a proxy as Keyfob's own API answers a client: allowed, 200
with the caller's identity for the upstream; refused, the same status and Zulip-shaped body
(and X-Keyfob-Status and X-Keyfob-Error for nginx), by every rule the API keeps."""

import json
import logging
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.core.models import AuditEvent, User
from tests.helpers.admin import audit_events
from tests.helpers.api import api_create_bot, api_error, api_ok
from tests.helpers.api_keys import change_key, limited_key, list_keys, scoped_key
from tests.helpers.decoys import as_sent, make_decoy
from tests.helpers.gateway import CHECK, check
from tests.helpers.users import Account, MakeUser

SEND = ("POST", "/api/v1/messages")


@pytest.mark.parametrize("proxy", ["nginx", "caddy"])
def test_an_allowed_request_names_the_caller(
    client: FlaskClient, make_user: MakeUser, proxy: str
) -> None:
    ada = make_user("ada@example.com", "Ada 李")
    answer = check(client, *SEND, ada.key, proxy=proxy)
    assert (answer.status_code, answer.headers["X-Keyfob-Status"]) == (200, "200")
    assert answer.headers["X-Keyfob-User-Id"] == str(ada.id)
    assert unquote(answer.headers["X-Keyfob-Email"]) == ada.email
    assert unquote(answer.headers["X-Keyfob-Full-Name"]) == "Ada 李"
    assert (answer.headers["X-Keyfob-Is-Bot"], answer.headers["X-Keyfob-Role"]) == ("false", "400")
    assert answer.headers["X-Keyfob-Key-Id"] == str(
        list_keys(client, (ada.email, ada.key))[0]["id"]
    )
    assert "messages:write" in answer.headers["X-Keyfob-Scopes"].split()
    assert answer.headers["Cache-Control"] == "no-store"


def test_identity_headers_are_single_lines_of_ascii_whatever_the_name_holds(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    # A name typed straight into the database (no form in the way): the answer's identity
    # skips werkzeug's header checks, so its own encoding is all that keeps a line out.
    with app.app_context():
        db.session().get_one(User, user.id).full_name = "Ada\r\nX-Keyfob-Role: 200\u2028"
        db.session().commit()
    answer = check(client, *SEND, user.key)
    values = [value for name, value in answer.headers if name.startswith("X-Keyfob-")]
    assert values and all(value.isascii() and value.isprintable() for value in values)
    assert answer.headers.getlist("X-Keyfob-Role") == ["400"]
    assert unquote(answer.headers["X-Keyfob-Full-Name"]) == "Ada\r\nX-Keyfob-Role: 200\u2028"


def test_a_bot_is_named_with_its_owner(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Deployer", "deployer"))
    answer = check(client, *SEND, str(bot["api_key"]), email=str(bot["email"]))
    assert answer.headers["X-Keyfob-Is-Bot"] == "true"
    assert answer.headers["X-Keyfob-Bot-Owner-Id"] == str(user.id)


def test_a_key_without_the_routes_scope_is_refused(client: FlaskClient, user: Account) -> None:
    reader = scoped_key(client, (user.email, user.key), "messages:read")
    assert check(client, "GET", "/api/v1/messages?anchor=newest", reader).status_code == 200
    refused = check(client, *SEND, reader)
    body = api_error(refused, 403, "MISSING_SCOPE")
    assert body["accepted_scopes"] == ["messages:write"]
    assert refused.headers["X-Accepted-Scopes"] == "messages:write"


def test_a_named_key_is_refused_what_is_the_primary_keys_alone(
    client: FlaskClient, user: Account
) -> None:
    named = scoped_key(client, (user.email, user.key), "keys:read")
    refused = check(client, "POST", "/api/v1/users/me/keys", named)
    api_error(refused, 403, "PRIMARY_KEY_REQUIRED")
    assert refused.headers["X-Accepted-Scopes"] == "keys:write"


def test_a_route_no_rule_names_is_refused_and_logged(
    client: FlaskClient, user: Account, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="keyfob.forward_auth"):
        refused = check(client, "POST", "/api/v1/secret_admin_thing?api_key=hunter2", user.key)
    api_error(refused, 403, "ROUTE_NOT_ALLOWED")
    [line] = [r.getMessage() for r in caplog.records]
    assert "POST /api/v1/secret_admin_thing" in line and "hunter2" not in line


def test_refused_routes_are_logged_at_most_twenty_a_minute(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="keyfob.forward_auth"):
        for number in range(25):
            api_error(check(client, "GET", f"/api/v1/nothing/{number}"), 403, "ROUTE_NOT_ALLOWED")
    assert len(caplog.records) == 20


def test_a_public_route_needs_no_key(client: FlaskClient) -> None:
    answer = check(client, "GET", "/api/v1/server_settings")
    assert answer.status_code == 200
    identity = {k: v for k, v in answer.headers.items() if k.startswith("X-Keyfob-")}
    assert identity.pop("X-Keyfob-Status") == "200"
    assert len(identity) == 8 and not any(identity.values())  # each present, and empty


def test_no_key_or_a_wrong_key_is_a_401(client: FlaskClient, a_key: str) -> None:
    api_error(check(client, *SEND), 401, "UNAUTHORIZED")
    api_error(check(client, *SEND, a_key), 401, "INVALID_API_KEY")


def test_a_decoy_is_refused_as_an_unknown_key_and_told(
    app: Flask, client: FlaskClient, user: Account, a_key: str
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    assert as_sent(check(client, *SEND, decoy)) == as_sent(check(client, *SEND, a_key))
    [told] = audit_events(app, AuditEvent.event_type == "decoy_key_used")
    assert told.detail["endpoint"] == "POST /api/v1/messages"  # the route, not the check


def test_a_paused_key_is_refused(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = limited_key(client, auth)
    change_key(client, auth, made["id"], paused=True)
    api_error(check(client, *SEND, made["api_key"]), 401, "API_KEY_PAUSED")


def test_a_key_from_a_network_it_does_not_allow_is_refused(
    client: FlaskClient, user: Account
) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    api_error(check(client, *SEND, made["api_key"]), 403, "IP_NOT_ALLOWED")


def test_a_deactivated_persons_key_is_refused(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    with app.app_context():
        db.session().get_one(User, user.id).is_active = False
        db.session().commit()
    api_error(check(client, *SEND, user.key), 401, "USER_DEACTIVATED")


def test_wrong_keys_use_up_the_clients_guesses(make_app: Callable[..., Flask], a_key: str) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="2 per minute")
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    check(client, *SEND, a_key)
    check(client, *SEND, a_key)
    refused = check(client, *SEND, ada.key)
    api_error(refused, 429, "RATE_LIMIT_HIT")
    assert int(refused.headers["Retry-After"]) > 0


def test_nginx_gets_the_refusal_in_headers(client: FlaskClient, a_key: str) -> None:
    refused = check(client, *SEND, a_key)
    assert refused.headers.getlist("X-Keyfob-Status") == ["401"]
    assert [json.loads(error) for error in refused.headers.getlist("X-Keyfob-Error")] == [
        refused.get_json()
    ]
    assert refused.headers.getlist("WWW-Authenticate") == ['Basic realm="keyfob"']


def test_the_original_request_must_come_in_one_pair_of_headers(
    client: FlaskClient, user: Account
) -> None:
    both = {
        "X-Original-Method": "GET",
        "X-Original-URI": "/api/v1/users/me",
        "X-Forwarded-Method": "POST",
        "X-Forwarded-Uri": "/api/v1/messages",
        "Authorization": f"Bearer {user.key}",
    }
    api_error(client.get(CHECK, headers=both), 400, "BAD_REQUEST")
    api_error(
        client.get(CHECK, headers={"Authorization": f"Bearer {user.key}"}), 400, "BAD_REQUEST"
    )


def test_options_is_checked_like_any_method(client: FlaskClient) -> None:
    asked = client.open(
        CHECK,
        method="OPTIONS",
        headers={"X-Original-Method": "POST", "X-Original-URI": "/api/v1/messages"},
    )
    api_error(asked, 401, "UNAUTHORIZED")


def test_a_use_is_noted_as_the_api_notes_it(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key))
    assert made["last_used_at"] is None
    check(client, *SEND, made["api_key"])
    [noted] = [k for k in list_keys(client, (user.email, user.key)) if k["id"] == made["id"]]
    assert noted["last_used_at"] is not None


def test_an_incoming_webhook_bot_may_post_and_nothing_else(
    client: FlaskClient, user: Account
) -> None:
    hook = api_ok(api_create_bot(client, user, "Hook", "hook", bot_type=2))
    key, email = str(hook["api_key"]), str(hook["email"])
    assert check(client, *SEND, key, email=email).status_code == 200
    reading = check(client, "GET", "/api/v1/messages", key, email=email)
    api_error(reading, 403, "INCOMING_WEBHOOK_BOT")
