"""What one forward-auth check costs the database and the rate-limit store, counted where
they see it (tests/helpers/db_trace.py). The scaling page (docs/admin/scaling.md) builds
its model on these numbers: a change that adds a statement or a round trip to the check
fails here, and the page must be redone."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from keyfob_client import keyformat
from tests.helpers.api import api_ok
from tests.helpers.api_keys import create_key, scoped_key
from tests.helpers.db_trace import StoreCount, database_trace
from tests.helpers.gateway import check
from tests.helpers.services import PrivateRedis, private_redis
from tests.helpers.users import Account, MakeUser

SEND = ("POST", "/api/v1/messages")


@dataclass(frozen=True)
class Cost:
    statements: int
    round_trips: int  # PostgreSQL's; SQLite has none
    store_round_trips: int


@pytest.fixture
def store() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


@pytest.fixture
def site(make_app: Callable[..., Flask], store: PrivateRedis) -> Flask:
    return make_app(RATELIMIT_STORAGE_URI=store.url)


@pytest.fixture
def measure(site: Flask, store: PrivateRedis) -> Iterator[Callable[[Callable[[], object]], Cost]]:
    """What ``call`` cost: the statements and round trips the database saw, and the
    commands sent to Redis, for the call alone."""
    count = StoreCount(store.url)
    with database_trace(site) as trace:

        def cost_of(call: Callable[[], object]) -> Cost:
            before = trace.seen()
            sent = count.sent_during(call)
            after = trace.seen()
            statements = after.statements - before.statements
            return Cost(statements, after.round_trips - before.round_trips, len(sent))

        yield cost_of


def round_trips(statements: int, site: Flask) -> int:
    """One a statement on PostgreSQL (each outside a transaction); none on SQLite."""
    return statements if site.extensions["keyfob.engine"].dialect.name == "postgresql" else 0


@pytest.fixture
def ada(site: Flask) -> Account:
    return MakeUser(site)("ada@example.com")


def ask(client: FlaskClient, key: str) -> Callable[[], object]:
    return lambda: check(client, *SEND, key)


def test_a_valid_check_of_a_key_the_process_knows_is_one_statement_and_one_store_read(
    site: Flask, measure: Callable[[Callable[[], object]], Cost], ada: Account
) -> None:
    client = site.test_client()
    assert check(client, *SEND, ada.key).status_code == 200  # known now, its use noted
    assert measure(ask(client, ada.key)) == Cost(1, round_trips(1, site), 1)


def test_a_key_the_process_has_not_seen_is_read_in_one_statement(
    make_app: Callable[..., Flask],
    site: Flask,
    store: PrivateRedis,
    measure: Callable[[Callable[[], object]], Cost],
    ada: Account,
) -> None:
    check(make_app(RATELIMIT_STORAGE_URI=store.url).test_client(), *SEND, ada.key)  # used
    client, bob = site.test_client(), MakeUser(site)("bob@example.com")
    assert check(client, *SEND, bob.key).status_code == 200  # the process's connections open
    # Its row is read with the epoch it was read at: one statement all the same.
    assert measure(ask(client, ada.key)) == Cost(1, round_trips(1, site), 1)


def test_a_refused_scope_costs_what_an_allowed_check_does(
    site: Flask, measure: Callable[[Callable[[], object]], Cost], ada: Account
) -> None:
    client = site.test_client()
    reader = scoped_key(client, (ada.email, ada.key), "messages:read")
    assert check(client, "GET", "/api/v1/messages", reader).status_code == 200  # known now
    refused = ask(client, reader)  # sending needs messages:write
    assert measure(refused) == Cost(1, round_trips(1, site), 1)


def test_a_key_with_a_request_budget_adds_two_store_round_trips(
    site: Flask, measure: Callable[[Callable[[], object]], Cost], ada: Account
) -> None:
    client = site.test_client()
    made = create_key(client, (ada.email, ada.key), "CI", rate_limit_per_minute=1000)
    budgeted = str(api_ok(made)["api_key"])
    assert check(client, *SEND, budgeted).status_code == 200  # known now, its script loaded
    # The guess read, then the budget's: is there one left (a read), take it (a script).
    assert measure(ask(client, budgeted)) == Cost(1, round_trips(1, site), 3)


def test_an_unknown_well_formed_key_costs_its_lookup_and_two_store_round_trips(
    site: Flask, measure: Callable[[Callable[[], object]], Cost], ada: Account
) -> None:
    client = site.test_client()
    assert check(client, *SEND, ada.key).status_code == 200  # the process's connections open
    unknown = keyformat.generate(keyformat.USER_PREFIX)  # its checksum holds: it is looked up
    assert check(client, *SEND, unknown).status_code == 401  # the store's script loaded
    assert measure(ask(client, unknown)) == Cost(1, round_trips(1, site), 2)


def test_a_malformed_key_costs_no_statement_and_two_store_round_trips(
    site: Flask, measure: Callable[[Callable[[], object]], Cost], ada: Account
) -> None:
    broken = ada.key[:-1] + ("A" if ada.key[-1] != "A" else "B")
    client = site.test_client()
    assert check(client, *SEND, broken).status_code == 401  # the store's script loaded
    # Is there a guess left (a read), then count this one (a script).
    assert measure(ask(client, broken)) == Cost(0, 0, 2)
