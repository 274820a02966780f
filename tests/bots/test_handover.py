"""A bot changes hands with new keys: at the moment of an accepted offer or an
administrator's transfer, every key made before (primary, named, replaced in its overlap)
stops, and the new owner shows the bot's new key. The bot's history under its previous owner
stays in the organization's audit log, out of the new owner's security log."""

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from app.people import roles
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.api_keys import create_key, regenerate
from tests.helpers.bot_offers import accept, browser_of, shown_bot_key
from tests.helpers.users import Account, MakeUser

PUSHER = {"User-Agent": "Pusher-Browser/6.6"}
PUSHER_IP = {"REMOTE_ADDR": "198.51.100.66"}


def old_keys_of(client: FlaskClient, owner: Account, bot: Account) -> list[str]:
    """The bot's first key, a named key and a key rolled with an overlap, all made by
    ``owner`` and all working."""
    holder, auth = f"/bots/{bot.id}", (owner.email, owner.key)
    named = str(api_ok(create_key(client, auth, "ci", holder=holder))["api_key"])
    rolled = str(api_ok(regenerate(client, auth, holder, grace_seconds=3600))["api_key"])
    keys = [bot.key, named, rolled]
    assert [api_me(client, bot.email, key).status_code for key in keys] == [200, 200, 200]
    return keys


def test_an_accepted_bot_stops_every_key_made_before(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    old = old_keys_of(client, user, bot)
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    assert [api_me(client, bot.email, key).status_code for key in old] == [200, 200, 200]
    receiver = browser_of(app, grace)
    accept(receiver, bot.id)
    assert [api_me(client, bot.email, key).status_code for key in old] == [401, 401, 401]
    fresh = shown_bot_key(receiver, bot.id)
    assert fresh not in old
    assert api_ok(api_me(client, bot.email, fresh))["bot_owner_id"] == grace.id


def test_an_administrators_transfer_is_immediate_with_new_keys(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin, heir = make_user(role=roles.ADMINISTRATOR), make_user()
    bot = new_bot(client, user, "relay")
    old = old_keys_of(client, user, bot)
    api_ok(update_bot(client, admin, bot.id, bot_owner_id=heir.id))
    assert [api_me(client, bot.email, key).status_code for key in old] == [401, 401, 401]
    fresh = shown_bot_key(browser_of(app, heir), bot.id)
    assert api_ok(api_me(client, bot.email, fresh))["bot_owner_id"] == heir.id
    [event] = audit_events(app, AuditEvent.event_type == "bot_owner_changed")
    assert (event.actor_id, event.detail["how"], event.detail["keys_stopped"]) == (
        admin.id,
        "administrator",
        3,
    )


def test_an_administrator_cannot_give_a_bot_to_an_owner(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin, owner = make_user(role=roles.ADMINISTRATOR), make_user(role=roles.OWNER)
    bot = new_bot(client, user, "relay")
    body = api_error(update_bot(client, admin, bot.id, bot_owner_id=owner.id), 400, "BAD_REQUEST")
    assert body["msg"] == "Only an owner may act on an owner or their bots."
    assert api_ok(api_me(client, bot.email, bot.key))["bot_owner_id"] == user.id


def test_the_new_owners_security_log_starts_at_the_hand_over(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, owner = make_user(), make_user(role=roles.OWNER)
    bot = new_bot(client, user, "relay")
    path = f"{API}/bots/{bot.id}/api_key/regenerate"
    auth = (user.email, user.key)
    api_ok(client.post(path, auth=auth, headers=PUSHER, environ_base=PUSHER_IP))
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    receiver = browser_of(app, grace)
    accept(receiver, bot.id)
    page = receiver.get("/settings/account").get_data(as_text=True)
    assert "Bot transferred to another owner" in page
    assert "Pusher-Browser" not in page and "198.51.100.66" not in page
    console = browser_of(app, owner).get("/settings/organization/audit").get_data(as_text=True)
    assert "198.51.100.66" in console
