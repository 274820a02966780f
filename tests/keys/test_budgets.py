"""A key's request budget: so many requests a minute, then 429 with Retry-After until the
minute turns, through Keyfob's API and the forward-auth check alike; set when the key is made
or later (0 lifts it), holding at the next request, audited and told; never a guess."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import change_key, create_key, keys_of, limited_key
from tests.helpers.gateway import check
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.users import Account, MakeUser


def budgeted(client: FlaskClient, user: Account, per_minute: int) -> dict[str, object]:
    made = create_key(client, (user.email, user.key), "CI", rate_limit_per_minute=per_minute)
    return api_ok(made)


def test_past_its_budget_a_key_gets_429_until_the_minute_turns(
    client: FlaskClient, user: Account
) -> None:
    made = budgeted(client, user, 3)
    key = str(made["api_key"])
    for _ in range(3):
        api_ok(api_me(client, user.email, key))
    refused = api_me(client, user.email, key)
    api_error(refused, 429, "RATE_LIMIT_HIT")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    api_ok(api_me(client, user.email, user.key))  # the person's other keys are not held


def test_the_check_keeps_the_budget_too(client: FlaskClient, user: Account) -> None:
    key = str(budgeted(client, user, 1)["api_key"])
    assert check(client, "POST", "/api/v1/messages", key).status_code == 200
    refused = check(client, "POST", "/api/v1/messages", key)
    api_error(refused, 429, "RATE_LIMIT_HIT")
    assert refused.headers["X-Keyfob-Status"] == "429"


def test_users_me_tells_a_key_its_budget(client: FlaskClient, user: Account) -> None:
    key = str(budgeted(client, user, 30)["api_key"])
    assert api_ok(api_me(client, user.email, key))["key"]["rate_limit_per_minute"] == 30  # type: ignore[index]


def test_a_budget_set_later_holds_at_the_next_request(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = limited_key(client, auth)
    for _ in range(3):  # verified, and kept among the verified keys
        api_ok(api_me(client, user.email, made["api_key"]))
    assert (
        api_ok(change_key(client, auth, made["id"], rate_limit_per_minute=1))[
            "rate_limit_per_minute"
        ]
        == 1
    )
    api_ok(api_me(client, user.email, made["api_key"]))
    api_error(api_me(client, user.email, made["api_key"]), 429, "RATE_LIMIT_HIT")
    lifted = api_ok(change_key(client, auth, made["id"], rate_limit_per_minute=0))
    assert lifted["rate_limit_per_minute"] is None
    api_ok(api_me(client, user.email, made["api_key"]))


def test_a_budget_refusal_is_not_a_guess(make_app: Callable[..., Flask]) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="2 per minute")
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    key = str(budgeted(client, ada, 1)["api_key"])
    for _ in range(4):
        api_me(client, ada.email, key)
    api_ok(api_me(client, ada.email, ada.key))


@pytest.mark.parametrize("asked", [-1, 100_001, "lots", True, 2.5])
def test_a_budget_must_be_a_whole_number_in_range(
    client: FlaskClient, user: Account, asked: object
) -> None:
    auth = (user.email, user.key)
    made = client.post(keys_of(), json={"name": "CI", "rate_limit_per_minute": asked}, auth=auth)
    assert api_error(made, 400, "BAD_REQUEST")["var_name"] == "rate_limit_per_minute"
    key_id = limited_key(client, auth)["id"]
    changed = change_key(client, auth, key_id, rate_limit_per_minute=asked)
    assert api_error(changed, 400, "BAD_REQUEST")["var_name"] == "rate_limit_per_minute"


def test_a_change_is_audited_and_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client, auth = mail_app.test_client(), (ada.email, ada.key)
    made = limited_key(client, auth)
    change_key(client, auth, made["id"], rate_limit_per_minute=120)
    [event] = audit_events(mail_app, AuditEvent.event_type == "api_key_budget_changed")
    assert (event.detail["from"], event.detail["to"]) == (None, 120)
    body = the_notice(mail_app, smtp, "API key's request budget changed")
    assert "120 requests a minute" in body
