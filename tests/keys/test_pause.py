"""Pausing a key: refused at once with its own code (no guess), it keeps its scopes,
networks and expiry, and resumes in one call; both audited."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.admin import audit_types
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import change_key, limited_key, list_keys
from tests.helpers.users import Account


def test_a_paused_key_is_refused_and_works_again_after_resume(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    made = limited_key(client, auth, "127.0.0.0/8")
    api_ok(api_me(client, user.email, made["api_key"]))  # now a verified key
    paused = api_ok(change_key(client, auth, made["id"], paused=True))
    assert paused["paused"] is True
    api_error(api_me(client, user.email, made["api_key"]), 401, "API_KEY_PAUSED")
    resumed = api_ok(change_key(client, auth, made["id"], paused="false"))
    assert (resumed["paused"], resumed["allowed_networks"]) == (False, ["127.0.0.0/8"])
    api_ok(api_me(client, user.email, made["api_key"]))
    assert {"api_key_paused", "api_key_resumed"} <= set(audit_types(app))


def test_the_list_says_which_keys_are_paused(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = limited_key(client, auth)
    change_key(client, auth, made["id"], paused=True)
    assert [k["paused"] for k in list_keys(client, auth)] == [False, True]


def test_a_key_cannot_pause_itself(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    primary = list_keys(client, auth)[0]
    api_error(change_key(client, auth, primary["id"], paused=True), 400, "BAD_REQUEST")
    api_ok(api_me(client, user.email, user.key))


def test_paused_must_be_true_or_false(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = limited_key(client, auth)
    error = api_error(change_key(client, auth, made["id"], paused="maybe"), 400, "BAD_REQUEST")
    assert error["var_name"] == "paused"
