"""Allowed networks: a key limited to some networks works from them and is refused from
anywhere else with 403 IP_NOT_ALLOWED (the key is right, the place is not), which is no
guess; the list is checked when it is set, and a change holds on the next call."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from app.core import db
from tests.helpers.admin import audit_events
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.api_keys import change_key, keys_of, limited_key, list_keys
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import from_ip


def me(client: FlaskClient, email: str, key: str, address: str) -> TestResponse:
    return from_ip(client, address).get(f"{API}/users/me", auth=(email, key))


def test_a_limited_key_works_from_its_network(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    api_ok(me(client, user.email, made["api_key"], "127.0.0.2"))


def test_from_anywhere_else_it_is_refused(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    error = api_error(me(client, user.email, made["api_key"], "127.0.0.3"), 403, "IP_NOT_ALLOWED")
    assert "127.0.0.3" not in str(error)  # the caller is not told what would be allowed


def test_an_ipv6_network_holds_too(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key), "2001:db8:1::/48")
    api_ok(me(client, user.email, made["api_key"], "2001:db8:1:2::5"))
    api_error(me(client, user.email, made["api_key"], "2001:db8:2::5"), 403, "IP_NOT_ALLOWED")


def test_a_refusal_is_no_guess(make_app: Callable[..., Flask]) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="3 per hour")
    user = MakeUser(app)()
    client = app.test_client()
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    for _ in range(5):
        api_error(me(client, user.email, made["api_key"], "127.0.0.3"), 403, "IP_NOT_ALLOWED")
    api_ok(me(client, user.email, user.key, "127.0.0.3"))  # the address has its guesses


def test_a_refusal_is_audited_with_the_address_once_a_day(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    for _ in range(3):
        me(client, user.email, made["api_key"], "127.0.0.3")
    me(client, user.email, made["api_key"], "127.0.0.4")
    refused = [e for e in audit_events(app) if e.event_type == "api_key_refused_network"]
    assert sorted(event.detail["address"] for event in refused) == ["127.0.0.3", "127.0.0.4"]
    assert refused[0].detail["endpoint"] == "GET /api/v1/users/me"


def test_addresses_of_one_ipv6_64_are_one_client(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    for host in range(5):
        me(client, user.email, made["api_key"], f"2001:db8:7:7::{host + 1:x}")
    refused = [e for e in audit_events(app) if e.event_type == "api_key_refused_network"]
    assert len(refused) == 1


@pytest.mark.parametrize("entry", ["fe80::1%eth0/128", "fe80::1%a b/128", "::%x/0", "10.0.0.0 /8"])
def test_a_network_with_a_zone_or_spaces_is_refused(
    client: FlaskClient, user: Account, entry: str
) -> None:
    response = client.post(
        keys_of(), json={"name": "CI", "allowed_networks": [entry]}, auth=(user.email, user.key)
    )
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "allowed_networks"


def test_a_long_list_is_refused_before_it_is_read(client: FlaskClient, user: Account) -> None:
    listed = ",".join(f"10.{i // 250}.{i % 250}.1" for i in range(5000))
    response = client.post(
        keys_of(), data={"name": "CI", "allowed_networks": listed}, auth=(user.email, user.key)
    )
    assert "20" in str(api_error(response, 400, "BAD_REQUEST")["msg"])


def test_users_me_tells_a_key_its_networks(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.0/24", "10.1.0.0/16")
    key = api_ok(me(client, user.email, made["api_key"], "127.0.0.1"))["key"]
    assert isinstance(key, dict)
    assert key["allowed_networks"] == ["127.0.0.0/24", "10.1.0.0/16"]


@pytest.mark.parametrize(
    ("networks", "named"),
    [
        (["10.0.0.0/33"], "10.0.0.0/33"),
        (["not a network"], "not a network"),
        (["10.0.0.1/24"], "10.0.0.0/24"),  # a suggestion: bits past the prefix
        (["0.0.0.0/0", "10.0.0.0/8"], "0.0.0.0/0"),
        ([f"10.0.{i}.0/24" for i in range(21)], "20"),
    ],
)
def test_a_bad_list_is_refused_by_name(
    client: FlaskClient, user: Account, networks: list[str], named: str
) -> None:
    body = {"name": "CI", "allowed_networks": networks}
    response = client.post(keys_of(), json=body, auth=(user.email, user.key))
    error = api_error(response, 400, "BAD_REQUEST")
    assert error["var_name"] == "allowed_networks"
    assert named in str(error["msg"])
    assert len(list_keys(client, (user.email, user.key))) == 1  # nothing was made


def test_a_change_of_networks_holds_on_the_next_call(client: FlaskClient, user: Account) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    api_ok(me(client, user.email, made["api_key"], "127.0.0.2"))  # now a verified key
    moved = change_key(client, (user.email, user.key), made["id"], allowed_networks=["10.0.0.0/8"])
    assert api_ok(moved)["allowed_networks"] == ["10.0.0.0/8"]
    api_error(me(client, user.email, made["api_key"], "127.0.0.2"), 403, "IP_NOT_ALLOWED")
    lifted = change_key(client, (user.email, user.key), made["id"], allowed_networks=[])
    assert api_ok(lifted)["allowed_networks"] == []
    api_ok(me(client, user.email, made["api_key"], "127.0.0.2"))


def test_the_primary_key_may_be_limited_but_not_lock_itself_out(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    primary = list_keys(client, auth)[0]
    refused = change_key(client, auth, primary["id"], allowed_networks=["10.0.0.0/8"])
    assert api_error(refused, 400, "BAD_REQUEST")["var_name"] == "allowed_networks"
    kept = change_key(client, auth, primary["id"], allowed_networks=["127.0.0.0/8"])
    assert api_ok(kept)["allowed_networks"] == ["127.0.0.0/8"]
    api_error(me(client, user.email, user.key, "10.9.9.9"), 403, "IP_NOT_ALLOWED")


def test_a_change_in_the_database_reaches_a_verified_key(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    api_ok(me(client, user.email, user.key, "127.0.0.1"))  # now a verified key
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text("UPDATE api_keys SET allowed_networks = '10.0.0.0/8'"))
    api_error(me(client, user.email, user.key, "127.0.0.1"), 403, "IP_NOT_ALLOWED")


def test_only_your_own_keys_can_be_changed(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    other = make_user()
    theirs = list_keys(client, (other.email, other.key))[0]
    refused = change_key(client, (user.email, user.key), theirs["id"], paused=True)
    api_error(refused, 404, "NOT_FOUND")
    api_ok(me(client, other.email, other.key, "127.0.0.1"))


def test_a_key_tells_of_at_most_twenty_addresses_a_day(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    made = limited_key(client, (user.email, user.key), "127.0.0.2/32")
    for network in range(22):  # as from a whole IPv6 network of /64s
        me(client, user.email, made["api_key"], f"2001:db8:{network + 1:x}::1")
    refused = [e for e in audit_events(app) if e.event_type == "api_key_refused_network"]
    assert len(refused) == 20
