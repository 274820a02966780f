"""One second-factor code sent by several clients at the same moment, over real HTTP (the
API's fetch_api_key with ``otp``) on SQLite and PostgreSQL: an authenticator app's code and
a recovery code are each accepted once, however many ask for it at once."""

import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from app.people import passwords
from app.people.factors import totp
from tests.conftest import Clock
from tests.helpers.api import API
from tests.helpers.factors import App
from tests.helpers.live import at_once
from tests.helpers.users import PASSWORD, Account

PARALLEL = 8
HOLDING = 0.3  # how long each request waits between reading its factor and spending it
ROOMY = "1000 per minute"
ONCE = Counter({(200, "success"): 1, (401, "SECOND_FACTOR_INVALID"): PARALLEL - 1})


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Allowances roomy enough that no attempt of the race is refused for its count (429):
    each client must get the answer its code deserves."""
    return make_app(
        PASSWORD_LIMIT_PER_ACCOUNT_AND_IP=ROOMY,
        PASSWORD_LIMIT_PER_ACCOUNT=ROOMY,
        PASSWORD_LIMIT_PER_IP=ROOMY,
    )


@pytest.fixture
def slow_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing a code waits, after the factor or unused recovery codes were read and before
    the code is spent: every client reads before any writes, so the race is run each time."""
    for module, name in ((totp, "matching_step"), (passwords, "matches")):
        compare = getattr(module, name)

        def slowly(*args: object, compare: Callable[..., object] = compare) -> object:
            time.sleep(HOLDING)
            return compare(*args)

        monkeypatch.setattr(module, name, slowly)


def fetched_at_once(url: str, user: Account, code: str) -> Counter[tuple[int, str]]:
    """PARALLEL clients released together, each sending fetch_api_key with ``code``: how
    many got each (status, code) answer, a success counted as (200, "success")."""
    data = {"username": user.email, "password": PASSWORD, "otp": code}

    def fetch(_: int) -> tuple[int, str]:
        answer = httpx.post(f"{url}{API}/fetch_api_key", data=data, timeout=30)
        body = answer.json()
        if answer.status_code == 200:
            assert body["api_key"] == user.key
        return answer.status_code, str(body.get("code", body["result"]))

    return Counter(at_once(PARALLEL, fetch))


def test_an_app_code_sent_at_once_is_accepted_once(
    live_server: str, user: Account, with_app: App, clock: Clock, slow_checks: None
) -> None:
    assert fetched_at_once(live_server, user, with_app.code(clock.current)) == ONCE


def test_a_recovery_code_sent_at_once_is_accepted_once(
    live_server: str, user: Account, with_app: App, slow_checks: None
) -> None:
    assert fetched_at_once(live_server, user, with_app.recovery_codes[0]) == ONCE
