"""One passkey answer sent by several browsers at the same moment, over real HTTP on SQLite
and PostgreSQL: it logs in one of them. The passkey is a synced one (its counter stays 0, as
Apple's and Google's do), so only the challenge, spent once, stands in the way."""

from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from tests.helpers.live import at_once
from tests.helpers.passkeys import LOGIN_BY_PASSKEY, Authenticator, add_passkey, options_in
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import csrf_token_in, reauthed_client

PARALLEL = 5  # no more than a person's open challenges (passkeys.OPEN_CHALLENGES_MAX)
SECOND_STEP = "/login/second-step"
ROOMY = "1000 per minute"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Allowances roomy enough that no answer of the race is refused for its count."""
    return make_app(
        PASSWORD_LIMIT_PER_ACCOUNT_AND_IP=ROOMY,
        PASSWORD_LIMIT_PER_ACCOUNT=ROOMY,
        PASSWORD_LIMIT_PER_IP=ROOMY,
    )


def at_the_second_step(url: str, email: str) -> tuple[httpx.Client, str]:
    """A browser past the password, and the second step's page."""
    browser = httpx.Client(base_url=url.replace("127.0.0.1", "localhost"), timeout=30)
    page = browser.get("/login").text
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token_in(page)}
    assert browser.post("/login", data=data).headers["location"] == SECOND_STEP
    return browser, browser.get(SECOND_STEP).text


def test_one_answer_sent_at_once_logs_in_one_browser(
    app: Flask, live_server: str, user: Account
) -> None:
    laptop = Authenticator(counts=False)
    add_passkey(reauthed_client(app, user.email), "Laptop", laptop)
    browsers = [at_the_second_step(live_server, user.email) for _ in range(PARALLEL)]
    # Each page opened a challenge; the newest is the one surely still open.
    options = options_in(browsers[-1][1], "passkey-login")
    answer = laptop.get(options, origin=f"http://localhost:{live_server.rsplit(':', 1)[1]}")

    def send(index: int) -> str:
        browser, page = browsers[index]
        data = {"answer": answer, "csrf_token": csrf_token_in(page)}
        return str(browser.post(LOGIN_BY_PASSKEY, data=data).headers["location"])

    try:
        assert Counter(at_once(PARALLEL, send)) == Counter(
            {"/settings/account": 1, SECOND_STEP: PARALLEL - 1}
        )
    finally:
        for browser, _page in browsers:
            browser.close()
