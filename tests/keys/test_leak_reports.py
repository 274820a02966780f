"""POST /api/v1/keys/revoke: anyone who finds a Keyfob key can revoke it, without a key of
their own. Working keys die at once (a primary key is replaced), the owner is told where it
was found, and the answer never says which keys were live."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.api import API, api_create_bot, api_error, api_me, api_ok
from tests.helpers.keys import create_named_key, primary_key_id
from tests.helpers.leaks import REVOKE, report_leak
from tests.helpers.openapi import assert_matches
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import log_in, reauthenticate

LEAKED_AT = "https://pastebin.example/raw/abc123"


def test_a_reported_primary_key_stops_working_at_once(client: FlaskClient, user: Account) -> None:
    assert report_leak(client, user.key, source=LEAKED_AT).status_code == 202
    assert api_me(client, user.email, user.key).status_code == 401


def test_a_reported_primary_key_is_replaced_by_a_new_one(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    old_id = primary_key_id(app, user.id)
    report_leak(client, user.key)
    assert primary_key_id(app, user.id) != old_id  # the owner reveals the new one later


def test_a_reported_named_key_is_revoked_and_the_others_keep_working(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    reauthenticate(logged_in)
    named = create_named_key(logged_in)
    report_leak(app.test_client(), named.key)
    assert api_me(logged_in, user.email, named.key).status_code == 401
    assert api_me(logged_in, user.email, user.key).status_code == 200


def test_a_reported_rolled_key_is_revoked_before_its_overlap_ends(
    client: FlaskClient, user: Account
) -> None:
    rolled = client.post(
        f"{API}/users/me/api_key/regenerate",
        data={"grace_seconds": 3600},
        auth=(user.email, user.key),
    )
    new_key = str(api_ok(rolled)["api_key"])
    report_leak(client, user.key)
    assert api_me(client, user.email, user.key).status_code == 401
    assert api_me(client, user.email, new_key).status_code == 200


def test_a_reported_bot_key_is_replaced(client: FlaskClient, user: Account) -> None:
    bot = api_create_bot(client, user, "Relay", "relay").get_json()
    report_leak(client, bot["api_key"])
    assert api_me(client, bot["email"], bot["api_key"]).status_code == 401


def test_every_key_of_a_report_is_revoked(client: FlaskClient, make_user: MakeUser) -> None:
    ada, bob = make_user(), make_user()
    report_leak(client, ada.key, "not a key", bob.key)
    assert api_me(client, ada.email, ada.key).status_code == 401
    assert api_me(client, bob.email, bob.key).status_code == 401


def test_a_key_pasted_with_spaces_around_it_is_still_revoked(
    client: FlaskClient, user: Account
) -> None:
    report_leak(client, f"  {user.key}\n")
    assert api_me(client, user.email, user.key).status_code == 401


def test_live_dead_malformed_and_empty_reports_get_the_same_answer(
    client: FlaskClient, user: Account, a_key: str
) -> None:
    live = report_leak(client, user.key)
    dead = report_leak(client, user.key)  # revoked a moment ago
    unknown = report_leak(client, a_key)
    malformed = report_leak(client, "kfu_not-a-key")
    empty = report_leak(client)
    answers = {
        (r.status_code, r.get_data(), r.headers.get("Cache-Control"))
        for r in (live, dead, unknown, malformed, empty)
    }
    assert answers == {(202, b'{"msg":"","result":"success"}\n', "no-store")}


def test_the_leak_is_in_the_owners_security_log_with_its_source(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    report_leak(client, user.key, source=LEAKED_AT)
    [event] = audit_events(app, AuditEvent.event_type == "api_key_reported_leaked")
    assert event.subject_user_id == user.id and event.actor_id is None
    assert event.detail == {
        "key_name": None,
        "key_hint": user.key[-4:],
        "reporter": "public",
        "source": LEAKED_AT,
    }
    log_in(client, user.email)
    page = client.get("/settings/account").get_data(as_text=True)
    assert f"API key revoked: reported leaked (…{user.key[-4:]})" in page


def test_no_audit_row_holds_the_reported_key(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    report_leak(client, user.key, source=LEAKED_AT)
    assert all(user.key not in str(event.detail) for event in audit_events(app))


def test_a_dead_or_unknown_key_changes_nothing(
    app: Flask, client: FlaskClient, user: Account, a_key: str
) -> None:
    report_leak(client, user.key)
    report_leak(client, user.key, a_key)
    assert len(audit_events(app, AuditEvent.event_type == "api_key_reported_leaked")) == 1


def test_a_report_can_be_a_bare_array_or_githubs_credentials_object(
    client: FlaskClient, make_user: MakeUser
) -> None:
    ada, bob = make_user(), make_user()
    assert client.post(REVOKE, json=[ada.key]).status_code == 202
    assert client.post(REVOKE, json={"credentials": [bob.key]}).status_code == 202
    assert api_me(client, ada.email, ada.key).status_code == 401
    assert api_me(client, bob.email, bob.key).status_code == 401


def test_a_report_can_be_form_fields_or_plain_text(
    client: FlaskClient, make_user: MakeUser
) -> None:
    ada, bob, cy = make_user(), make_user(), make_user()
    assert client.post(REVOKE, data={"keys": [ada.key], "source": LEAKED_AT}).status_code == 202
    plain = f"{bob.key}\n{cy.key}\n".encode()
    assert client.post(REVOKE, data=plain, content_type="text/plain").status_code == 202
    for account in (ada, bob, cy):
        assert api_me(client, account.email, account.key).status_code == 401


def test_json_sent_without_its_content_type_is_read_as_json(
    client: FlaskClient, user: Account
) -> None:  # curl -d '{"keys": [...]}' sends it as a form
    body = f'{{"keys": ["{user.key}"]}}'
    response = client.post(REVOKE, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 202
    assert api_me(client, user.email, user.key).status_code == 401


def bad_request(response: TestResponse, code: str = "BAD_REQUEST") -> dict[str, object]:
    return api_error(response, 400, code)


def test_malformed_json_is_a_400(client: FlaskClient) -> None:
    response = client.post(REVOKE, data='{"keys": [', content_type="application/json")
    bad_request(response)


def test_deeply_nested_json_is_a_400(client: FlaskClient) -> None:
    response = client.post(REVOKE, data="[" * 100_000, content_type="application/json")
    bad_request(response)


def test_more_than_a_hundred_keys_is_a_400(client: FlaskClient, a_key: str) -> None:
    assert bad_request(report_leak(client, *[a_key] * 101))["var_name"] == "keys"
    assert report_leak(client, *[a_key] * 100).status_code == 202


def test_keys_of_the_wrong_type_are_a_400(client: FlaskClient) -> None:
    for keys in (42, {"a": 1}, [1, 2], [None], True):
        assert bad_request(client.post(REVOKE, json={"keys": keys}))["var_name"] == "keys"
    bad_request(client.post(REVOKE, json="kfu_alone"))


def test_a_report_without_keys_is_a_400(client: FlaskClient) -> None:
    assert bad_request(client.post(REVOKE, json={"source": LEAKED_AT}), "REQUEST_VARIABLE_MISSING")
    assert bad_request(client.post(REVOKE, data={}), "REQUEST_VARIABLE_MISSING")


def test_a_source_that_is_no_web_address_is_a_400(client: FlaskClient, user: Account) -> None:
    for source in ("pastebin", "javascript:alert(1)", "https://x.example/\u0000", 7, "h" * 1001):
        body = {"keys": [user.key], "source": source}
        assert bad_request(client.post(REVOKE, json=body))["var_name"] == "source"
    assert api_me(client, user.email, user.key).status_code == 200  # nothing was revoked


def test_reports_are_rate_limited_per_ip(make_app: Callable[..., Flask], a_key: str) -> None:
    client = make_app(LEAK_REPORT_LIMIT_PER_IP="3 per hour").test_client()
    statuses = [report_leak(client, a_key).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    refused = report_leak(client, a_key)
    assert (
        refused.get_json()["code"] == "RATE_LIMIT_HIT" and int(refused.headers["Retry-After"]) > 0
    )


def test_the_limit_counts_bad_requests_too(make_app: Callable[..., Flask]) -> None:
    client = make_app(LEAK_REPORT_LIMIT_PER_IP="2 per hour").test_client()
    statuses = [client.post(REVOKE, json={"keys": 1}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_the_answers_match_the_openapi_document(make_app: Callable[..., Flask], a_key: str) -> None:
    client = make_app(LEAK_REPORT_LIMIT_PER_IP="2 per hour").test_client()
    assert_matches("/keys/revoke", "post", report_leak(client, a_key))
    assert_matches("/keys/revoke", "post", client.post(REVOKE, json={"keys": 1}))
    assert_matches("/keys/revoke", "post", report_leak(client, a_key))  # 429


def test_an_expired_named_key_is_left_alone(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    made = client.post(
        f"{API}/users/me/keys",
        data={"name": "ci", "expires_in_days": 1},
        auth=(user.email, user.key),
    )
    clock.advance(days=2)
    report_leak(client, str(api_ok(made)["api_key"]))
    assert audit_events(app, AuditEvent.event_type == "api_key_reported_leaked") == []
