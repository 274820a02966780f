"""A bot's owner offers it to another person, who accepts or declines it: nobody has a bot
pushed onto them. Until it is accepted the bot stays its owner's and counts against nobody
else; the owner may withdraw the offer; an offer lapses after a week."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.people import roles
from tests.conftest import Clock
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import API, api_create_bot, api_error, api_ok
from tests.helpers.bot_offers import accept, browser_of, decline, offered_bot_ids
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS


def bot_ids_of(client: FlaskClient, owner: Account) -> list[int]:
    listed = api_ok(client.get(f"{API}/bots", auth=(owner.email, owner.key)))["bots"]
    assert isinstance(listed, list)
    return sorted(bot["user_id"] for bot in listed)


def test_the_owners_transfer_is_an_offer_and_the_bot_stays_theirs(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    assert bot_ids_of(client, user) == [bot.id]
    assert bot_ids_of(client, grace) == []
    assert api_ok(client.get(f"{API}/users/me", auth=(bot.email, bot.key)))["bot_owner_id"] == (
        user.id
    )
    assert offered_bot_ids(browser_of(app, grace)) == [bot.id]


def test_the_owner_sees_the_offer_on_the_bots_card(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user("grace@example.com")
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    page = browser_of(app, user).get(BOTS).get_data(as_text=True)
    assert "grace@example.com" in page and f'id="withdraw-{bot.id}"' in page


def test_accepting_makes_the_bot_the_receivers(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    assert accept(browser_of(app, grace), bot.id).location == BOTS
    assert bot_ids_of(client, grace) == [bot.id]
    assert bot_ids_of(client, user) == []
    api_error(update_bot(client, user, bot.id, full_name="Mine"), 404, "NOT_FOUND")


def test_declining_leaves_the_bot_with_its_owner_and_ends_the_offer(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    receiver = browser_of(app, grace)
    assert decline(receiver, bot.id).location == BOTS
    assert offered_bot_ids(receiver) == []
    assert accept(receiver, bot.id).status_code == 404
    assert bot_ids_of(client, user) == [bot.id]


def test_the_owner_withdraws_an_offer(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    assert decline(browser_of(app, user), bot.id).location == BOTS
    assert accept(browser_of(app, grace), bot.id).status_code == 404
    assert bot_ids_of(client, user) == [bot.id]


def test_nobody_else_accepts_or_ends_an_offer(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, eve = make_user(), make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    stranger = browser_of(app, eve)
    assert stranger.get(f"{BOTS}/offers/{bot.id}/accept").status_code == 404
    assert accept(stranger, bot.id).status_code == 404
    assert decline(stranger, bot.id).status_code == 404
    assert accept(stranger, 2**40).status_code == 404
    assert offered_bot_ids(browser_of(app, grace)) == [bot.id]


def test_offered_bots_do_not_fill_the_receivers_allowance(
    make_app: Callable[..., Flask], user: Account, make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=3)
    client, grace = app.test_client(), make_user()
    for name in ("one", "two", "three"):
        bot = new_bot(client, user, name)
        api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    for name in ("mine", "also-mine", "mine-too"):
        api_ok(api_create_bot(client, grace, name.title(), name))
    assert len(offered_bot_ids(browser_of(app, grace))) == 3


def test_accepting_beyond_the_bot_limit_is_refused_and_changes_nothing(
    make_app: Callable[..., Flask], user: Account, make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=1)
    client, grace = app.test_client(), make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    api_ok(api_create_bot(client, grace, "Mine", "mine"))
    receiver = browser_of(app, grace)
    page = receiver.get(accept(receiver, bot.id).location).get_data(as_text=True)
    assert "You already have 1 active bot, the most allowed." in page
    assert bot_ids_of(client, user) == [bot.id]
    assert offered_bot_ids(receiver) == [bot.id]


def test_a_bot_cannot_be_pushed_onto_an_organization_owner(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    owner, admin = make_user(role=roles.OWNER), make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=owner.id))
    assert bot_ids_of(client, owner) == []
    api_ok(update_bot(client, admin, bot.id, full_name="Still reachable"))


def test_an_offer_lapses_after_a_week(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser, clock: Clock
) -> None:
    grace = make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    clock.advance(days=7, seconds=1)
    receiver = browser_of(app, grace)
    assert offered_bot_ids(receiver) == []
    assert accept(receiver, bot.id).status_code == 404


def test_an_offer_ends_with_the_offering_owners_account(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, admin = make_user(), make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    api_ok(client.delete(f"{API}/users/{user.id}", auth=(admin.email, admin.key)))
    assert accept(browser_of(app, grace), bot.id).status_code == 404


def test_a_new_offer_replaces_the_pending_one(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    grace, ada = make_user(), make_user()
    bot = new_bot(client, user, "relay")
    api_ok(update_bot(client, user, bot.id, bot_owner_id=grace.id))
    api_ok(update_bot(client, user, bot.id, bot_owner_id=ada.id))
    assert offered_bot_ids(browser_of(app, grace)) == []
    assert offered_bot_ids(browser_of(app, ada)) == [bot.id]
