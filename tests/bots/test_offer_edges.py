"""The edges of an offer: what a receiver's address does on the owner's page, what the
owner's log shows of a decline, an offer outliving its maker's deactivation, an offer
withdrawn through the API, and a page left open while the bot changed hands."""

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from app.people import roles
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import API, api_ok
from tests.helpers.bot_offers import browser_of, offered_bot_ids, offered_by_in
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS, csrf_token_in, post_form

DECLINER = {"REMOTE_ADDR": "203.0.113.77"}


def test_the_receivers_address_is_text_on_the_owners_page(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user("grace@example.com", "Grace Hopper")
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    page = browser_of(app, user).get(BOTS).get_data(as_text=True)
    assert "Offered to Grace Hopper &lt;grace@example.com&gt; until" in page
    assert "<grace@example.com>" not in page


def test_a_decline_shows_nothing_of_the_decliner_to_the_owner(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    receiver = browser_of(app, grace)
    receiver.environ_base.update(DECLINER)
    post_form(receiver, BOTS, {}, action=f"{BOTS}/offers/{bot.id}/decline")
    assert "203.0.113.77" in receiver.get("/settings/account").get_data(as_text=True)
    assert "203.0.113.77" not in browser_of(app, user).get("/settings/account").get_data(
        as_text=True
    )


def test_an_offer_does_not_outlive_its_makers_deactivation(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, admin = make_user(), make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    api_ok(client.delete(f"{API}/users/{user.id}", auth=(admin.email, admin.key)))
    api_ok(client.post(f"{API}/users/{user.id}/reactivate", auth=(admin.email, admin.key)))
    assert offered_bot_ids(browser_of(app, grace)) == []


def test_withdrawing_through_the_api_is_audited(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    api_ok(update_bot(client, user, bot.id, bot_owner_id=user.id))
    [event] = audit_events(app, AuditEvent.event_type == "bot_transfer_withdrawn")
    assert (event.actor_id, event.detail) == (user.id, {"from": user.id, "to": grace.id})
    assert offered_bot_ids(browser_of(app, grace)) == []


def test_a_page_left_open_never_accepts_a_later_offer(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, carol = make_user(), make_user()
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    receiver = browser_of(app, grace)
    shown = receiver.get(f"{BOTS}/offers/{bot.id}/accept").get_data(as_text=True)
    api_ok(update_bot(client, admin, bot.id, bot_owner_id=carol.id))
    carols_key = api_ok(
        client.post(f"{API}/bots/{bot.id}/api_key/regenerate", auth=(carol.email, carol.key))
    )["api_key"]
    carol_bot = Account(bot.id, bot.email, "", str(carols_key))
    api_ok(update_bot(client, carol, carol_bot.id, bot_owner_id=grace.id))
    form = {"csrf_token": csrf_token_in(shown), "offered_by": offered_by_in(shown)}
    assert receiver.post(f"{BOTS}/offers/{bot.id}/accept", data=form).status_code == 404
    assert offered_bot_ids(receiver) == [bot.id]  # Carol's offer, still open
