"""PATCH /bots/<id> (Zulip's update-bot): its owner or an administrator renames a bot; its
owner offers it to another active person (who accepts it), an administrator gives it at once;
each change audited with who made it."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from app.people import roles
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.bot_offers import accept, browser_of
from tests.helpers.users import Account, MakeUser


def _bots_of(client: FlaskClient, owner: Account) -> dict[int, str]:
    listed = api_ok(client.get(f"{API}/bots", auth=(owner.email, owner.key)))["bots"]
    assert isinstance(listed, list)
    return {bot["user_id"]: bot["full_name"] for bot in listed}


def test_the_owner_renames_a_bot(app: Flask, client: FlaskClient, user: Account) -> None:
    bot = new_bot(client, user, "relay")
    assert api_ok(update_bot(client, user, bot.id, full_name=" Night Relay ")) == {
        "result": "success",
        "msg": "",
    }
    assert _bots_of(client, user) == {bot.id: "Night Relay"}
    event = audit_events(app, AuditEvent.event_type == "bot_renamed")[-1]
    assert (event.actor_id, event.subject_user_id) == (user.id, bot.id)


def test_the_owner_gives_a_bot_away_and_loses_it_once_accepted(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    other = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=other.id))
    accept(browser_of(app, other), bot.id)
    assert _bots_of(client, other) == {bot.id: "Relay"}
    assert _bots_of(client, user) == {}
    api_error(update_bot(client, user, bot.id, full_name="Mine"), 404, "NOT_FOUND")
    offered = audit_events(app, AuditEvent.event_type == "bot_transfer_offered")[-1]
    assert (offered.actor_id, offered.detail) == (user.id, {"from": user.id, "to": other.id})
    handed = audit_events(app, AuditEvent.event_type == "bot_owner_changed")[-1]
    assert (handed.actor_id, handed.detail["from"], handed.detail["to"]) == (
        other.id,
        user.id,
        other.id,
    )


def test_an_administrator_renames_and_transfers_a_members_bot(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin, heir = make_user(role=roles.ADMINISTRATOR), make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, admin, bot.id, full_name="Orphan", bot_owner_id=heir.id))
    assert _bots_of(client, heir) == {bot.id: "Orphan"}
    actors = {
        event.event_type: event.actor_id
        for event in audit_events(app, AuditEvent.subject_user_id == bot.id)
    }
    assert actors["bot_renamed"] == actors["bot_owner_changed"] == admin.id


def test_another_member_gets_the_404_of_no_bot(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    stranger = make_user()
    bot = new_bot(client, user, "relay")
    unknown = api_error(update_bot(client, stranger, 999999, full_name="X"), 404, "NOT_FOUND")
    theirs = api_error(update_bot(client, stranger, bot.id, full_name="X"), 404, "NOT_FOUND")
    assert theirs == unknown
    assert _bots_of(client, user) == {bot.id: "Relay"}


def test_an_administrator_cannot_touch_an_owners_bot(
    client: FlaskClient, make_user: MakeUser
) -> None:
    owner, admin = make_user(role=roles.OWNER), make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, owner, "relay")
    body = api_error(update_bot(client, admin, bot.id, full_name="Mine"), 400, "BAD_REQUEST")
    assert body["msg"] == "Only an owner may act on an owner or their bots."
    assert _bots_of(client, owner) == {bot.id: "Relay"}


@pytest.mark.parametrize("target", ["bot", "deactivated", "nobody"])
def test_a_transfer_to_no_active_person_is_a_400_naming_bot_owner_id(
    client: FlaskClient, user: Account, make_user: MakeUser, target: str
) -> None:
    bot = new_bot(client, user, "relay")
    gone = make_user()
    admin = make_user(role=roles.ADMINISTRATOR)
    api_ok(client.delete(f"{API}/users/{gone.id}", auth=(admin.email, admin.key)))
    owner_id = {"bot": bot.id, "deactivated": gone.id, "nobody": 999999}[target]
    response = update_bot(client, user, bot.id, bot_owner_id=owner_id, full_name="Renamed")
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "bot_owner_id"
    assert _bots_of(client, user) == {bot.id: "Relay"}  # nothing changed, not even the name


@pytest.mark.parametrize(
    ("data", "var_name"),
    [
        ({"full_name": " "}, "full_name"),
        ({"full_name": 5}, "full_name"),
        ({"bot_owner_id": "me"}, "bot_owner_id"),
        ({"bot_owner_id": 0}, "bot_owner_id"),
        ({"bot_owner_id": True}, "bot_owner_id"),
    ],
)
def test_bad_input_is_a_400_naming_it(
    client: FlaskClient, user: Account, data: dict[str, object], var_name: str
) -> None:
    bot = new_bot(client, user, "relay")
    body = api_error(update_bot(client, user, bot.id, **data), 400, "BAD_REQUEST")
    assert body["var_name"] == var_name


def test_a_named_key_cannot_update_a_bot(client: FlaskClient, user: Account) -> None:
    bot = new_bot(client, user, "relay")
    made = client.post(f"{API}/users/me/keys", data={"name": "ci"}, auth=(user.email, user.key))
    named = Account(user.id, user.email, "", str(api_ok(made)["api_key"]))
    api_error(update_bot(client, named, bot.id, full_name="X"), 403, "PRIMARY_KEY_REQUIRED")


def test_a_bad_name_stops_the_transfer_too(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    heir = make_user()
    bot = new_bot(client, user, "relay")
    response = update_bot(client, user, bot.id, full_name=" ", bot_owner_id=heir.id)
    assert api_error(response, 400, "BAD_REQUEST")["var_name"] == "full_name"
    assert _bots_of(client, user) == {bot.id: "Relay"}
    assert _bots_of(client, heir) == {}
