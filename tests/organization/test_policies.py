"""The organization's policies: the configuration file gives the defaults, an administrator's
choice overrides them (audited), and every rule that depends on one follows it: who may
create bots, how many, the longest key lifetime, and whether anyone may register."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import db
from app.core.models import AuditEvent
from app.organization import policies
from app.people import roles
from tests.helpers.api import api_create_bot, api_error, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.roles import set_role
from tests.helpers.users import Account, MakeUser


def choose(app: Flask, actor: Account, **wanted: Any) -> list[str]:
    with app.app_context():
        return policies.change(db.session(), wanted, actor_id=actor.id)


@pytest.fixture
def owner(make_user: MakeUser) -> Account:
    return make_user("owner@example.com", role=roles.OWNER)


@pytest.fixture
def member(make_user: MakeUser, owner: Account) -> Account:
    return make_user("member@example.com")


def test_the_configuration_gives_the_default(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_BOTS_PER_USER=1)
    owner = MakeUser(app)("owner@example.com")
    client = app.test_client()
    api_ok(api_create_bot(client, owner, "One", "one"))
    api_error(api_create_bot(client, owner, "Two", "two"), 400, "BAD_REQUEST")


def test_a_chosen_bot_limit_overrides_the_configuration(
    app: Flask, client: FlaskClient, owner: Account
) -> None:
    assert choose(app, owner, max_bots_per_user=1) == ["max_bots_per_user"]
    api_ok(api_create_bot(client, owner, "One", "one"))
    api_error(api_create_bot(client, owner, "Two", "two"), 400, "BAD_REQUEST")


def test_with_admins_only_a_member_cannot_create_a_bot(
    app: Flask, client: FlaskClient, owner: Account, member: Account
) -> None:
    choose(app, owner, bot_creation_policy="admins_only")
    refused = api_error(api_create_bot(client, member, "Relay", "relay"), 400, "BAD_REQUEST")
    assert refused["msg"] == "Only administrators may create bots in this organization."


def test_with_admins_only_an_administrator_still_can(
    app: Flask, client: FlaskClient, owner: Account, member: Account
) -> None:
    choose(app, owner, bot_creation_policy="admins_only")
    set_role(app, member.email, "admin")
    api_ok(api_create_bot(client, member, "Relay", "relay"))


def test_a_chosen_key_lifetime_caps_new_keys(
    app: Flask, client: FlaskClient, owner: Account
) -> None:
    choose(app, owner, max_key_lifetime_days=30)
    auth = (owner.email, owner.key)
    api_error(create_key(client, auth, "forever"), 400, "BAD_REQUEST")
    api_ok(create_key(client, auth, "month", expires_in_days=30))


def test_closing_registration_hides_the_form(
    app: Flask, client: FlaskClient, owner: Account
) -> None:
    choose(app, owner, registration_open=False)
    assert client.get("/register").status_code == 404
    assert 'href="/register"' not in client.get("/login").get_data(as_text=True)


def test_a_change_is_audited_with_what_it_was_and_became(app: Flask, owner: Account) -> None:
    choose(app, owner, max_bots_per_user=7, registration_open=True)
    with app.app_context():
        event = (
            db.session()
            .scalars(select(AuditEvent).where(AuditEvent.event_type == "policy_changed"))
            .one()
        )
    assert event.actor_id == owner.id
    assert event.detail == {"max_bots_per_user": {"from": 100, "to": 7}}


@pytest.mark.parametrize(
    "wanted",
    [
        {"max_bots_per_user": -1},
        {"max_bots_per_user": 1001},
        {"max_key_lifetime_days": "30"},
        {"registration_open": "yes"},
        {"bot_creation_policy": "nobody"},
        {"max_bots_per_user": True},
    ],
)
def test_a_value_out_of_range_is_refused(app: Flask, owner: Account, wanted: Any) -> None:
    with pytest.raises(policies.InvalidPolicy):
        choose(app, owner, **wanted)


def test_a_misspelt_configured_policy_stops_the_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="BOT_CREATION_POLICY must be everyone or admins_only"):
        make_app(BOT_CREATION_POLICY="admins")
