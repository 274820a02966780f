"""A person who lost their authenticator app and recovery codes: an administrator resets
their two-factor authentication in Organization > Users. Their keys stay as they are; it is
audited and they are told; nobody resets their own, and an administrator cannot reset an
owner's."""

import pytest
from flask import Flask
from sqlalchemy import select

from app.core import db
from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.api import api_me, api_ok
from tests.helpers.factors import SECOND_STEP, add_app
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.organization import ORG, People, organization
from tests.helpers.web import log_in, post_form, reauthed_client


def reset_page(person_id: int) -> str:
    return f"{ORG}/users/{person_id}/second-factor/reset"


@pytest.fixture
def people(app: Flask, clock: Clock) -> People:
    found = organization(app)
    for person in (found.member, found.owner, found.admin):
        add_app(reauthed_client(app, person.email), clock.current)
    clock.advance(seconds=30)
    return found


def test_after_a_reset_the_password_alone_logs_in_and_the_key_still_works(
    app: Flask, people: People
) -> None:
    assert post_form(people.admin_browser, reset_page(people.member.id), {}).status_code == 302
    browser = app.test_client()
    assert log_in(browser, people.member.email).location.endswith("/settings/account")
    assert api_ok(api_me(app.test_client(), people.member.email, people.member.key))


def test_a_reset_is_audited_with_the_administrator_as_actor(app: Flask, people: People) -> None:
    post_form(people.admin_browser, reset_page(people.member.id), {})
    with app.app_context():
        event = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.event_type == "second_factor_reset"))
            .one()
        )
    assert (event.actor_id, event.subject_user_id) == (people.admin.id, people.member.id)


def test_an_administrator_cannot_reset_an_owners(app: Flask, people: People) -> None:
    post_form(people.admin_browser, reset_page(people.owner.id), {})
    assert log_in(app.test_client(), people.owner.email).location.endswith(SECOND_STEP)


def test_nobody_resets_their_own(app: Flask, people: People) -> None:
    refused = post_form(people.admin_browser, reset_page(people.admin.id), {})
    assert "Account &amp; privacy" in refused.get_data(as_text=True)
    assert log_in(app.test_client(), people.admin.email).location.endswith(SECOND_STEP)


def test_a_member_cannot_reach_the_reset(people: People) -> None:
    assert people.member_browser.get(reset_page(people.admin.id)).status_code == 404


def test_the_person_is_told(mail_app: Flask, smtp: SmtpServer, mail_clock: Clock) -> None:
    found = organization(mail_app)
    add_app(reauthed_client(mail_app, found.member.email), mail_clock.current)
    post_form(found.admin_browser, reset_page(found.member.id), {})
    subject = "An administrator reset the two-factor authentication of your account"
    assert "Adam Admin" in the_notice(mail_app, smtp, subject)
