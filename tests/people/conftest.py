"""Fixtures of the people tests: a person who has added an authenticator app."""

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.helpers.factors import App, add_app
from tests.helpers.users import Account
from tests.helpers.web import reauthed_client


@pytest.fixture
def with_app(app: Flask, user: Account, clock: Clock) -> App:
    """``user`` has added an authenticator app (in another browser); the time has moved on
    a step, so that the next code is not the one the enrolment spent."""
    added = add_app(reauthed_client(app, user.email), clock.current)
    clock.advance(seconds=30)
    return added
