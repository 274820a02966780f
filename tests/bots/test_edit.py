"""Your bots > Edit: the owner renames a bot, or offers it to another active person (who
accepts it: tests/bots/test_offers.py), through the same rule as PATCH /api/v1/bots/<id>;
another's bot is a 404."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_me
from tests.helpers.bot_offers import accept, offered_bot_ids
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS, create_bot, csrf_token, log_in, post_form


def edit(client: FlaskClient, bot_id: int, **fields: str) -> str:
    page = f"{BOTS}/{bot_id}/edit"
    response = post_form(client, page, fields)
    return response.get_data(as_text=True) if response.status_code == 200 else response.location


def test_the_form_starts_with_the_bots_name_and_its_owner(
    logged_in: FlaskClient, user: Account
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    page = logged_in.get(f"{BOTS}/{bot.id}/edit").get_data(as_text=True)
    assert 'value="Relay"' in page
    assert f'<option selected value="{user.id}">' in page


def test_the_owner_renames_a_bot(logged_in: FlaskClient, user: Account) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    assert edit(logged_in, bot.id, bot_name="Night relay", new_owner=str(user.id)) == BOTS
    assert "Night relay" in logged_in.get(BOTS).get_data(as_text=True)


def test_a_bad_name_is_a_form_error(logged_in: FlaskClient, user: Account) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    page = edit(logged_in, bot.id, bot_name="\u200b", new_owner=str(user.id))
    assert 'class="field-error"' in page
    assert "Relay" in logged_in.get(BOTS).get_data(as_text=True)


def test_the_owner_offers_a_bot_and_keeps_it_until_it_is_accepted(
    app: Flask, logged_in: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    grace = make_user("grace@example.com")
    assert edit(logged_in, bot.id, bot_name="Relay", new_owner=str(grace.id)) == BOTS
    assert "is offered. It stays yours" in logged_in.get(BOTS).get_data(as_text=True)
    assert logged_in.get(f"{BOTS}/{bot.id}/edit").status_code == 200
    assert offered_bot_ids(logged_in_as(app, grace)) == [bot.id]


def test_once_accepted_the_bot_is_theirs_and_the_old_key_stops(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    grace = make_user("grace@example.com")
    edit(logged_in, bot.id, bot_name="Relay", new_owner=str(grace.id))
    receiver = logged_in_as(app, grace)
    accept(receiver, bot.id)
    assert logged_in.get(f"{BOTS}/{bot.id}/edit").status_code == 404
    assert "Relay" in receiver.get(BOTS).get_data(as_text=True)
    assert api_me(app.test_client(), bot.email, bot.key).status_code == 401


def test_saving_a_name_keeps_a_pending_offer(
    app: Flask, logged_in: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    grace = make_user("grace@example.com")
    edit(logged_in, bot.id, bot_name="Relay", new_owner=str(grace.id))
    edit(logged_in, bot.id, bot_name="Night relay", new_owner=str(user.id))
    assert offered_bot_ids(logged_in_as(app, grace)) == [bot.id]


def test_a_bot_cannot_be_given_to_a_deactivated_person(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    gone = make_user("gone@example.com")
    app.test_cli_runner().invoke(args=["users", "deactivate", gone.email])
    page = edit(logged_in, bot.id, bot_name="Relay", new_owner=str(gone.id))
    assert "Choose an active person as the new owner." in page


def test_another_persons_bot_is_a_404(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in, "Relay", "relay")
    stranger = logged_in_as(app, make_user("eve@example.com"))
    assert stranger.get(f"{BOTS}/{bot.id}/edit").status_code == 404
    token = csrf_token(stranger.get(BOTS))
    answer = stranger.post(
        f"{BOTS}/{bot.id}/edit", data={"csrf_token": token, "bot_name": "Mine", "new_owner": "1"}
    )
    assert answer.status_code == 404


def logged_in_as(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    log_in(client, account.email)
    return client
