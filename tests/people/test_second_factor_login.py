"""Logging in with a second factor: after the password, a code from the app (or a recovery
code), each accepted once, one step of clock drift either way; nobody is logged in before
the code, and a remembered browser is not asked again until the password changes."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.clock import install as install_clock
from tests.conftest import Clock
from tests.helpers.factors import SECOND_STEP, App, add_app, log_out, second_step
from tests.helpers.passwords import NEW_PASSWORD, change_password
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import csrf_token, field_error, log_in, reauthed_client

ACCOUNT = "/settings/account"


def test_the_password_alone_leads_to_the_second_step_and_logs_nobody_in(
    client: FlaskClient, user: Account, with_app: App
) -> None:
    response = log_in(client, user.email)
    assert response.location.endswith(SECOND_STEP)
    assert client.get(ACCOUNT).status_code == 302  # still the login page


def test_a_right_code_logs_in(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    log_in(client, user.email)
    assert second_step(client, with_app.code(clock.current)).location.endswith(ACCOUNT)
    assert client.get(ACCOUNT).status_code == 200


def test_a_code_is_accepted_once(
    app: Flask, client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    code = with_app.code(clock.current)
    log_in(client, user.email)
    assert second_step(client, code).status_code == 302
    other = app.test_client()
    log_in(other, user.email)
    assert "used already" in field_error(second_step(other, code), "code")


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_one_step_of_clock_drift_is_tolerated(
    client: FlaskClient, user: Account, with_app: App, clock: Clock, steps: int, accepted: bool
) -> None:
    clock.advance(minutes=5)  # past the step the enrolment's code used
    log_in(client, user.email)
    answer = second_step(client, with_app.code(clock.current, steps=steps))
    assert (answer.status_code == 302) is accepted


def test_a_recovery_code_logs_in_once(
    app: Flask, client: FlaskClient, user: Account, with_app: App
) -> None:
    code = with_app.recovery_codes[3]
    log_in(client, user.email)
    assert second_step(client, code.upper()).status_code == 302  # typed in capitals
    other = app.test_client()
    log_in(other, user.email)
    assert "used already" in field_error(second_step(other, code), "code")


def test_a_remembered_browser_is_not_asked_again(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    log_in(client, user.email)
    second_step(client, with_app.code(clock.current), remember=True)
    log_out(client)
    assert log_in(client, user.email).location.endswith(ACCOUNT)


def test_a_remembered_browser_is_asked_again_after_a_password_change(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    log_in(client, user.email)
    second_step(client, with_app.code(clock.current), remember=True)
    assert change_password(client).status_code == 302
    log_out(client)
    assert log_in(client, user.email, NEW_PASSWORD).location.endswith(SECOND_STEP)


def test_a_browser_not_remembered_is_asked_each_time(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    log_in(client, user.email)
    second_step(client, with_app.code(clock.current))
    log_out(client)
    assert log_in(client, user.email).location.endswith(SECOND_STEP)


def test_the_second_step_runs_out(
    client: FlaskClient, user: Account, with_app: App, clock: Clock
) -> None:
    log_in(client, user.email)
    token = csrf_token(client.get(SECOND_STEP))
    clock.advance(minutes=6)
    code = with_app.code(clock.current)
    answer = client.post(SECOND_STEP, data={"code": code, "csrf_token": token})
    assert answer.location.endswith("/login")
    assert client.get(ACCOUNT).status_code == 302


def test_wrong_codes_use_up_the_password_allowance(
    make_app: Callable[..., Flask], clock: Clock
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_ACCOUNT_AND_IP="3 per minute")
    install_clock(app, clock)
    ada = MakeUser(app)("ada@example.com")
    added = add_app(reauthed_client(app, ada.email), clock.current)
    clock.advance(seconds=30)
    client = app.test_client()
    log_in(client, ada.email)
    for _ in range(3):
        second_step(client, "000000")
    assert second_step(client, added.code(clock.current)).status_code == 429
