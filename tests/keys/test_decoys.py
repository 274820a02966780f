"""Decoy keys: they look like real keys, never work, answer exactly as an unknown key does,
count as a guess, and are told of (audited) once the answer has gone; listed apart, and
only to the primary key."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from keyfob_client import keyformat
from tests.helpers.admin import audit_events, audit_types
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.api_keys import change_key, create_key, list_keys, regenerate, scoped_key
from tests.helpers.decoys import as_sent, decoys_of, list_decoys, make_decoy, try_key
from tests.helpers.openapi import assert_matches
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import from_ip, post_form, reauthed_client

USED = AuditEvent.event_type == "decoy_key_used"


def test_a_decoy_looks_like_a_real_key(client: FlaskClient, user: Account) -> None:
    decoy = make_decoy(client, (user.email, user.key), "deploy wiki")
    real = api_ok(create_key(client, (user.email, user.key), "CI"))
    assert keyformat.is_well_formed(decoy["api_key"])
    assert decoy["api_key"][:4] == str(real["api_key"])[:4]
    assert len(decoy["api_key"]) == len(str(real["api_key"]))
    assert (decoy["name"], decoy["key_hint"]) == ("deploy wiki", decoy["api_key"][-4:])


def test_a_decoy_answers_byte_for_byte_as_an_unknown_key(
    client: FlaskClient, user: Account, a_key: str
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    for email in (user.email, None):
        assert as_sent(try_key(client, decoy, email)) == as_sent(try_key(client, a_key, email))
    api_error(try_key(client, decoy, user.email), 401, "INVALID_API_KEY")


def test_a_decoy_never_works_anywhere(client: FlaskClient, user: Account) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    for path in ("/users/me", "/users/me/keys", "/users", "/bots"):
        api_error(try_key(client, decoy, user.email, path), 401, "INVALID_API_KEY")


def test_a_decoys_use_counts_as_a_guess(make_app: Callable[..., Flask]) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="3 per minute")
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    decoy = make_decoy(client, (ada.email, ada.key))["api_key"]  # a right key: no guess
    for _ in range(3):
        try_key(client, decoy, ada.email)
    assert try_key(client, ada.key, ada.email).status_code == 429


def test_a_decoys_use_is_recorded_after_the_answer_is_sent(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    response = from_ip(client, "198.51.100.7").get(
        f"{API}/users/me", auth=(user.email, decoy), headers={"User-Agent": "curl/8.5"}
    )
    assert audit_types(app, USED) == []  # the answer is out; the server has not closed it
    response.close()
    [event] = audit_events(app, USED)
    assert (event.ip, event.user_agent) == ("198.51.100.7", "curl/8.5")
    assert event.detail["endpoint"] == "GET /api/v1/users/me"
    assert event.detail["key_name"] == "wiki" and event.subject_user_id == user.id


def test_a_decoy_tells_of_each_client_once_an_hour(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    for address in ("198.51.100.7", "198.51.100.7", "198.51.100.7", "198.51.100.8"):
        try_key(from_ip(client, address), decoy)
    assert sorted(event.ip or "" for event in audit_events(app, USED)) == [
        "198.51.100.7",
        "198.51.100.8",
    ]


def test_its_last_use_is_listed_with_the_decoy(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = make_decoy(client, auth)
    try_key(from_ip(client, "198.51.100.7"), made["api_key"], user.email)
    [listed] = list_decoys(from_ip(client, "127.0.0.1"), auth)
    assert (listed["id"], listed["last_used_ip"]) == (made["id"], "198.51.100.7")
    assert listed["last_used_at"] is not None


def test_decoys_are_listed_apart_from_the_keys_that_work(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    decoy = make_decoy(client, auth)
    assert decoy["id"] not in [key["id"] for key in list_keys(client, auth)]
    assert [listed["id"] for listed in list_decoys(client, auth)] == [decoy["id"]]
    assert "api_key" not in list_decoys(client, auth)[0]


def test_only_the_primary_key_sees_or_makes_decoys(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    make_decoy(client, auth)
    named = scoped_key(client, auth, "keys:read")
    for response in (
        client.get(decoys_of(), auth=(user.email, named)),
        client.post(decoys_of(), json={"name": "x"}, auth=(user.email, named)),
    ):
        api_error(response, 403, "PRIMARY_KEY_REQUIRED")


def test_a_removed_decoy_answers_as_unknown_and_tells_nothing(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    made = make_decoy(client, auth)
    api_ok(client.delete(f"{decoys_of()}/{made['id']}", auth=auth))
    api_error(try_key(client, made["api_key"], user.email), 401, "INVALID_API_KEY")
    assert audit_types(app, USED) == []
    assert "decoy_key_removed" in audit_types(app)
    api_error(client.delete(f"{decoys_of()}/{made['id']}", auth=auth), 404, "NOT_FOUND")


def test_a_named_key_cannot_be_removed_as_a_decoy(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    named = api_ok(create_key(client, auth, "CI"))
    api_error(client.delete(f"{decoys_of()}/{named['id']}", auth=auth), 404, "NOT_FOUND")
    decoy = make_decoy(client, auth)
    api_error(client.delete(f"{API}/users/me/keys/{decoy['id']}", auth=auth), 404, "NOT_FOUND")


def test_a_decoy_takes_a_name_no_other_key_has(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    api_ok(create_key(client, auth, "CI"))
    refused = client.post(decoys_of(), json={"name": "CI"}, auth=auth)
    assert api_error(refused, 400, "BAD_REQUEST")["var_name"] == "name"
    blank = client.post(decoys_of(), json={"name": " "}, auth=auth)
    assert api_error(blank, 400, "BAD_REQUEST")["var_name"] == "name"


def test_a_holder_has_at_most_max_decoy_keys(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_DECOY_KEYS=2)
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client, auth = app.test_client(), (ada.email, ada.key)
    make_decoy(client, auth, "one")
    make_decoy(client, auth, "two")
    refused = client.post(decoys_of(), json={"name": "three"}, auth=auth)
    assert "2 decoy keys" in str(api_error(refused, 400, "BAD_REQUEST")["msg"])
    api_ok(create_key(client, auth, "a named key still fits"))


def test_revoking_all_keys_leaves_the_decoys_watching(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    decoy = make_decoy(client, (user.email, user.key))
    browser = reauthed_client(app, user.email)
    post_form(browser, "/settings/account/revoke-all", {})
    api_error(try_key(client, user.key, user.email), 401, "INVALID_API_KEY")  # revoked
    try_key(client, decoy["api_key"], user.email)
    assert len(audit_events(app, USED)) == 1


def test_the_answers_are_as_documented(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    made = client.post(decoys_of(), json={"name": "wiki"}, auth=auth)
    assert_matches("/users/me/decoys", "post", made)
    assert_matches("/users/me/decoys", "get", client.get(decoys_of(), auth=auth))
    gone = client.delete(f"{decoys_of()}/{made.get_json()['id']}", auth=auth)
    assert_matches("/users/me/decoys/{key_id}", "delete", gone)
    again = client.delete(f"{decoys_of()}/{made.get_json()['id']}", auth=auth)
    assert_matches("/users/me/decoys/{key_id}", "delete", again)


def test_a_decoy_cannot_be_paused_or_limited(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    decoy = make_decoy(client, auth)
    for change in ({"paused": True}, {"allowed_networks": ["10.0.0.0/8"]}):
        api_error(change_key(client, auth, decoy["id"], **change), 404, "NOT_FOUND")


def test_a_replaced_key_in_its_overlap_cannot_list_decoys(
    client: FlaskClient, user: Account
) -> None:
    make_decoy(client, (user.email, user.key))
    api_ok(regenerate(client, (user.email, user.key), grace_seconds=3600))
    api_error(client.get(decoys_of(), auth=(user.email, user.key)), 403, "PRIMARY_KEY_REQUIRED")
