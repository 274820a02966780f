"""Generate new API key and the bot refresh icon: the old key stops now or after an overlap."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_me
from tests.helpers.keys import form_message, regenerate
from tests.helpers.users import Account
from tests.helpers.web import (
    BOTS,
    KEY_PAGE,
    KEY_REGENERATE,
    create_bot,
    key_in,
    post_form,
    reauthed_client,
)


def new_key(client: FlaskClient) -> str:
    return key_in(client.get(KEY_PAGE).get_data(as_text=True))


def test_the_confirm_step_offers_the_overlaps(reauthed: FlaskClient) -> None:
    page = reauthed.get(KEY_REGENERATE).get_data(as_text=True)
    assert '<option selected value="0">Now</option>' in page
    for choice in ('value="3600"', 'value="86400"', 'value="604800"'):
        assert choice in page


def test_by_default_the_old_key_stops_at_once(reauthed: FlaskClient, user: Account) -> None:
    regenerate(reauthed, KEY_REGENERATE, "0")
    assert api_me(reauthed, user.email, user.key).status_code == 401


def test_with_an_overlap_both_keys_work_until_it_ends(
    reauthed: FlaskClient, user: Account, clock: Clock
) -> None:
    assert regenerate(reauthed, KEY_REGENERATE, "86400").location == KEY_PAGE
    fresh = new_key(reauthed)
    assert api_me(reauthed, user.email, user.key).status_code == 200
    assert api_me(reauthed, user.email, fresh).status_code == 200
    clock.advance(hours=24)
    assert api_me(reauthed, user.email, user.key).status_code == 401
    assert api_me(reauthed, user.email, fresh).status_code == 200


def test_the_replaced_key_is_listed_until_it_expires(reauthed: FlaskClient, user: Account) -> None:
    regenerate(reauthed, KEY_REGENERATE, "3600")
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "Replaced key" in page and "…" + user.key[-4:] in page
    assert "in 1 hour" in page or "in 60 minutes" in page


def test_a_replaced_key_can_be_revoked_early(reauthed: FlaskClient, user: Account) -> None:
    regenerate(reauthed, KEY_REGENERATE, "86400")
    page = reauthed.get("/settings/account").get_data(as_text=True)
    revoke = page.split('id="revoke-key-')[1].split('"')[0]
    post_form(reauthed, f"/settings/account/keys/{revoke}/revoke", {})
    assert api_me(reauthed, user.email, user.key).status_code == 401
    assert api_me(reauthed, user.email, new_key(reauthed)).status_code == 200


def test_the_first_use_of_the_old_key_shows_in_the_security_log(
    reauthed: FlaskClient, user: Account
) -> None:
    regenerate(reauthed, KEY_REGENERATE, "3600")
    api_me(reauthed, user.email, user.key)
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert f"Replaced API key used during its overlap (…{user.key[-4:]})" in page


def test_an_overlap_beyond_the_sites_maximum_is_neither_offered_nor_accepted(
    make_app: Callable[..., Flask], user: Account
) -> None:
    client = reauthed_client(make_app(MAX_ROLL_GRACE_SECONDS=3600), user.email)
    page = client.get(KEY_REGENERATE).get_data(as_text=True)
    assert 'value="3600"' in page and 'value="86400"' not in page
    response = regenerate(client, KEY_REGENERATE, "86400")
    assert "Choose one of the times offered." in form_message(response)
    assert api_me(client, user.email, user.key).status_code == 200
    assert "Choose one of the times offered." in form_message(
        regenerate(client, KEY_REGENERATE, "x")
    )


def test_a_bots_refresh_icon_rolls_with_an_overlap(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = regenerate(logged_in, f"{BOTS}/{bot.id}/regenerate", "3600")
    assert response.location == f"{BOTS}/{bot.id}/key"
    fresh = key_in(logged_in.get(response.location).get_data(as_text=True))
    assert api_me(logged_in, bot.email, bot.key).status_code == 200
    assert api_me(logged_in, bot.email, fresh).status_code == 200
