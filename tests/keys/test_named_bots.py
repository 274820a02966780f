"""A bot's named keys: its owner's session is enough; any other owner gets the same 404."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_me
from tests.helpers.keys import create_named_key, keys_base, submit_named_key
from tests.helpers.users import MakeUser
from tests.helpers.web import BOTS, create_bot, log_in, post_form


def test_an_owner_creates_a_bot_key_without_the_password_step(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    made = create_named_key(logged_in, bot.id, name="Webhook")
    assert made.key.startswith("kfb_")
    assert api_me(logged_in, bot.email, made.key).status_code == 200
    assert api_me(logged_in, bot.email, bot.key).status_code == 200


def test_the_bots_keys_page_lists_them_by_hint(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    made = create_named_key(logged_in, bot.id, name="Webhook")
    page = logged_in.get(keys_base(bot.id)).get_data(as_text=True)
    assert "Webhook" in page and "…" + made.key[-4:] in page and "…" + bot.key[-4:] in page
    assert made.key not in page and bot.key not in page
    assert f'href="{keys_base(bot.id)}"' in logged_in.get(BOTS).get_data(as_text=True)


def test_revoking_a_bot_key_leaves_its_other_keys(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    kept = create_named_key(logged_in, bot.id, name="kept")
    gone = create_named_key(logged_in, bot.id, name="gone")
    response = post_form(logged_in, gone.page + "/revoke", {})
    assert response.location == keys_base(bot.id)
    assert api_me(logged_in, bot.email, gone.key).status_code == 401
    assert api_me(logged_in, bot.email, kept.key).status_code == 200


def test_another_owner_gets_404_everywhere(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in)
    made = create_named_key(logged_in, bot.id)
    stranger = app.test_client()
    log_in(stranger, make_user().email)
    base = keys_base(bot.id)
    for page in (base, base + "/new", made.page, made.page + "/zuliprc", made.page + "/revoke"):
        assert stranger.get(page).status_code == 404, page
    assert submit_named_key(stranger, bot.id).status_code == 404
    token_page = stranger.get("/settings/bots")
    assert post_form(stranger, "/settings/bots", {}, made.page + "/revoke").status_code == 404
    assert token_page.status_code == 200
    assert api_me(logged_in, bot.email, made.key).status_code == 200
