"""The organization's second-factor policy: with ``key_makers`` a person without an
authenticator app is led to add one before creating a key or a bot (the API refuses with a
stable code); with ``administrators`` only administrators are, and before administering too."""

from collections.abc import Callable

import pytest
from flask import Flask

from app.core.clock import install as install_clock
from tests.conftest import Clock
from tests.helpers.api import API, api_create_bot, api_error, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.factors import ADD_APP, add_app
from tests.helpers.organization import People, organization
from tests.helpers.web import post_form, reauthed_client

KEYS_PAGE = "/settings/account/keys/new"
NEEDED = "SECOND_FACTOR_ENROLMENT_REQUIRED"


@pytest.fixture
def everyone(make_app: Callable[..., Flask], clock: Clock) -> tuple[Flask, People]:
    app = make_app(SECOND_FACTOR_REQUIRED="key_makers")
    install_clock(app, clock)
    return app, organization(app)


@pytest.fixture
def admins(make_app: Callable[..., Flask], clock: Clock) -> tuple[Flask, People]:
    app = make_app(SECOND_FACTOR_REQUIRED="administrators")
    install_clock(app, clock)
    return app, organization(app)


def test_without_an_app_the_api_refuses_a_new_key(everyone: tuple[Flask, People]) -> None:
    app, people = everyone
    made = create_key(app.test_client(), (people.member.email, people.member.key), "CI")
    api_error(made, 403, NEEDED)


def test_without_an_app_the_api_refuses_a_new_bot(everyone: tuple[Flask, People]) -> None:
    app, people = everyone
    api_error(api_create_bot(app.test_client(), people.member, "Deployer", "deployer"), 403, NEEDED)


def test_without_an_app_the_page_leads_to_adding_one(everyone: tuple[Flask, People]) -> None:
    app, people = everyone
    browser = reauthed_client(app, people.member.email)
    answer = post_form(browser, KEYS_PAGE, {"name": "CI"})
    assert answer.status_code == 302 and answer.location.endswith(ADD_APP)
    assert "requires two-factor authentication" in browser.get(ADD_APP).get_data(as_text=True)


def test_with_an_app_a_new_key_is_made(everyone: tuple[Flask, People], clock: Clock) -> None:
    app, people = everyone
    add_app(reauthed_client(app, people.member.email), clock.current)
    made = create_key(app.test_client(), (people.member.email, people.member.key), "CI")
    assert api_ok(made)["api_key"]


def test_administrators_only_leaves_members_free(admins: tuple[Flask, People]) -> None:
    app, people = admins
    made = create_key(app.test_client(), (people.member.email, people.member.key), "CI")
    assert api_ok(made)["api_key"]


def test_administrators_only_sends_an_administrator_to_add_an_app_first(
    admins: tuple[Flask, People],
) -> None:
    _app, people = admins
    console = people.admin_browser.get("/settings/organization/users")
    assert console.status_code == 302 and console.location.endswith(ADD_APP)


def test_administrators_only_refuses_the_admin_api_without_an_app(
    admins: tuple[Flask, People],
) -> None:
    app, people = admins
    auth = (people.admin.email, people.admin.key)
    answer = app.test_client().post(f"{API}/users/{people.member.id}/reactivate", auth=auth)
    api_error(answer, 403, NEEDED)


def test_an_administrator_with_an_app_administers(
    admins: tuple[Flask, People], clock: Clock
) -> None:
    app, people = admins
    add_app(reauthed_client(app, people.admin.email), clock.current)
    assert people.admin_browser.get("/settings/organization/users").status_code == 200
