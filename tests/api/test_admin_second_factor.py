"""The admin API's twin of Reset two-factor in Organization > Users: DELETE
/users/<id>/second_factor removes the second factor (app, passkeys, recovery codes) of a person
who lost it, by the page's own rule (app/organization/administration.py). Their keys stay; it
is audited and told; members get the admin routes' 404; nobody resets their own; an
administrator cannot reset an owner's."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.clock import install as install_clock
from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import new_bot, reset_second_factor
from tests.helpers.api import api_error, api_me, api_ok, fetch_key
from tests.helpers.factors import SECOND_STEP, add_app
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.openapi import assert_matches
from tests.helpers.organization import People, organization
from tests.helpers.passkeys import Authenticator, add_passkey
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import log_in, reauthed_client

ROUTE = "/users/{user_id}/second_factor"
RESET = "second_factor_reset"


@pytest.fixture
def people(app: Flask, clock: Clock) -> People:
    """An owner, an administrator and a member, each with an authenticator app."""
    found = organization(app)
    for person in (found.member, found.owner, found.admin):
        add_app(reauthed_client(app, person.email), clock.current)
    clock.advance(seconds=30)
    return found


def asks_for_a_code(app: Flask, person: Account) -> bool:
    """Whether logging in takes ``person`` to the second step: their factor is still there."""
    return log_in(app.test_client(), person.email).location.endswith(SECOND_STEP)


def test_a_reset_answers_that_it_reset(client: FlaskClient, people: People) -> None:
    body = api_ok(reset_second_factor(client, people.admin, people.member.id))
    assert body == {"result": "success", "msg": "", "reset": True}


def test_after_a_reset_the_password_alone_logs_in(
    app: Flask, client: FlaskClient, people: People
) -> None:
    api_ok(reset_second_factor(client, people.admin, people.member.id))
    assert not asks_for_a_code(app, people.member)


def test_after_a_reset_fetch_api_key_needs_no_code(client: FlaskClient, people: People) -> None:
    assert fetch_key(client, people.member.email, PASSWORD) == 401
    api_ok(reset_second_factor(client, people.admin, people.member.id))
    assert fetch_key(client, people.member.email, PASSWORD) == 200


def test_after_a_reset_their_key_still_works(client: FlaskClient, people: People) -> None:
    api_ok(reset_second_factor(client, people.admin, people.member.id))
    assert api_me(client, people.member.email, people.member.key).status_code == 200


def test_a_passkey_alone_is_reset_too(app: Flask, client: FlaskClient, user: Account) -> None:
    people = organization(app)
    add_passkey(reauthed_client(app, user.email), "Laptop", Authenticator())
    assert asks_for_a_code(app, user)
    assert api_ok(reset_second_factor(client, people.admin, user.id))["reset"] is True
    assert not asks_for_a_code(app, user)


def test_a_reset_is_audited_with_the_administrator_as_actor(
    app: Flask, client: FlaskClient, people: People
) -> None:
    api_ok(reset_second_factor(client, people.admin, people.member.id))
    [event] = audit_events(app, AuditEvent.event_type == RESET)
    assert (event.actor_id, event.subject_user_id) == (people.admin.id, people.member.id)


def test_the_person_is_told(mail_app: Flask, smtp: SmtpServer, mail_clock: Clock) -> None:
    found = organization(mail_app)
    add_app(reauthed_client(mail_app, found.member.email), mail_clock.current)
    api_ok(reset_second_factor(mail_app.test_client(), found.admin, found.member.id))
    subject = "An administrator reset the two-factor authentication of your account"
    assert "Adam Admin" in the_notice(mail_app, smtp, subject)


def test_a_member_gets_the_admin_routes_404(
    app: Flask, client: FlaskClient, people: People
) -> None:
    refused = api_error(
        reset_second_factor(client, people.member, people.admin.id), 404, "NOT_FOUND"
    )
    assert refused["msg"] == "No such user"
    assert asks_for_a_code(app, people.admin)


def test_nobody_resets_their_own(app: Flask, client: FlaskClient, people: People) -> None:
    answer = reset_second_factor(client, people.owner, people.owner.id)
    refused = api_error(answer, 400, "BAD_REQUEST")
    assert refused["msg"] == "Remove your own authenticator app in Account & privacy, with a code."
    assert asks_for_a_code(app, people.owner)


def test_an_administrator_cannot_reset_an_owners(
    app: Flask, client: FlaskClient, people: People
) -> None:
    answer = reset_second_factor(client, people.admin, people.owner.id)
    refused = api_error(answer, 400, "BAD_REQUEST")
    assert refused["msg"] == "Only an owner may act on an owner or their bots."
    assert asks_for_a_code(app, people.owner)


def test_an_owner_resets_an_administrators(app: Flask, client: FlaskClient, people: People) -> None:
    api_ok(reset_second_factor(client, people.owner, people.admin.id))
    assert not asks_for_a_code(app, people.admin)


def test_an_unknown_user_is_404(client: FlaskClient, people: People) -> None:
    refused = api_error(reset_second_factor(client, people.admin, 999999), 404, "NOT_FOUND")
    assert refused["msg"] == "No such user"


def test_a_bot_has_no_second_factor(client: FlaskClient, people: People) -> None:
    bot = new_bot(client, people.member, "relay")
    refused = api_error(reset_second_factor(client, people.admin, bot.id), 400, "BAD_REQUEST")
    assert refused["msg"] == "Bots have no second factor."


def test_a_person_without_an_app_is_answered_reset_false_and_nothing_is_audited(
    app: Flask, client: FlaskClient, user: Account, people: People
) -> None:
    body = api_ok(reset_second_factor(client, people.admin, user.id))
    assert body["reset"] is False
    assert audit_events(app, AuditEvent.event_type == RESET) == []


def test_the_answers_match_the_document(client: FlaskClient, people: People) -> None:
    for who, user_id in (
        (people.admin, people.member.id),
        (people.admin, people.member.id),  # again: reset false
        (people.admin, people.admin.id),
        (people.member, people.admin.id),
    ):
        assert_matches(ROUTE, "delete", reset_second_factor(client, who, user_id))


def test_the_organizations_policy_still_asks_the_administrator_for_an_app(
    make_app: Callable[..., Flask], clock: Clock
) -> None:
    app = make_app(SECOND_FACTOR_REQUIRED="administrators")
    install_clock(app, clock)
    found = organization(app)
    answer = reset_second_factor(app.test_client(), found.admin, found.member.id)
    api_error(answer, 403, "SECOND_FACTOR_ENROLMENT_REQUIRED")
