"""Short-lived tokens in the pages: listed under the key that minted them (by hint, never
their text) in Account & privacy and on a bot's keys page, and revoked there one at a time
through a Confirm step, as a named key is; any id but a live token of that holder is a 404."""

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.keys import keys_base, primary_key_id
from tests.helpers.tokens import me, minted
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import Bot, create_bot, from_ip, log_in, post_form

ACCOUNT = "/settings/account"


def own_revoke(token_id: object) -> str:
    return f"{ACCOUNT}/tokens/{token_id}/revoke"


def bot_revoke(bot: Bot, token_id: object) -> str:
    return f"/settings/bots/{bot.id}/tokens/{token_id}/revoke"


def token_row(page: str, token_id: object) -> str:
    """The HTML of the token's row in a key list ("" when it is not listed)."""
    match = re.search(rf'<tr id="token-{token_id}".*?</tr>', page, re.DOTALL)
    return match.group(0) if match else ""


def stranger(app: Flask, make_user: MakeUser) -> FlaskClient:
    """A browser logged in as another person."""
    browser = app.test_client()
    assert log_in(browser, make_user("bob@example.com").email).status_code == 302
    return browser


# The lists


def test_a_token_is_listed_right_under_its_key(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    made = minted(logged_in, (user.email, user.key))
    page = logged_in.get(ACCOUNT).get_data(as_text=True)
    after_key = page.split(f'id="key-{primary_key_id(app, user.id)}"')[1]
    assert after_key.split("<tr", 1)[1].startswith(f' id="token-{made["id"]}"')


def test_a_token_is_listed_by_hint_and_scopes_never_its_text(
    logged_in: FlaskClient, user: Account
) -> None:
    made = minted(logged_in, (user.email, user.key), scopes=["messages:write"])
    page = logged_in.get(ACCOUNT).get_data(as_text=True)
    row = token_row(page, made["id"])
    assert "…" + made["token"][-4:] in row and "<code>messages:write</code>" in row
    assert "never used" in row
    assert made["token"] not in page


def test_a_tokens_last_use_and_ip_are_listed(logged_in: FlaskClient, user: Account) -> None:
    made = minted(logged_in, (user.email, user.key))
    from_ip(logged_in, "203.0.113.9")
    assert me(logged_in, user.email, made["token"]).status_code == 200
    row = token_row(logged_in.get(ACCOUNT).get_data(as_text=True), made["id"])
    assert "203.0.113.9" in row and "never used" not in row


def test_a_tokens_row_offers_revoke_by_its_hint(logged_in: FlaskClient, user: Account) -> None:
    made = minted(logged_in, (user.email, user.key))
    row = token_row(logged_in.get(ACCOUNT).get_data(as_text=True), made["id"])
    assert f'href="{own_revoke(made["id"])}"' in row
    assert f'aria-label="Revoke the token …{made["token"][-4:]}"' in row


def test_a_bots_token_is_listed_on_its_keys_page(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    made = minted(logged_in, (bot.email, bot.key))
    page = logged_in.get(keys_base(bot.id)).get_data(as_text=True)
    row = token_row(page, made["id"])
    assert "…" + made["token"][-4:] in row and f'href="{bot_revoke(bot, made["id"])}"' in row
    assert made["token"] not in page


# Revoking one


def test_revoking_asks_to_confirm(logged_in: FlaskClient, user: Account) -> None:
    made = minted(logged_in, (user.email, user.key))
    page = logged_in.get(own_revoke(made["id"])).get_data(as_text=True)
    assert f"Revoke the token …{made['token'][-4:]}?" in page and "Cancel" in page
    assert me(logged_in, user.email, made["token"]).status_code == 200


def test_a_revoked_token_fails_at_once_and_its_key_does_not(
    logged_in: FlaskClient, user: Account
) -> None:
    made = minted(logged_in, (user.email, user.key))
    assert post_form(logged_in, own_revoke(made["id"]), {}).location == ACCOUNT
    assert me(logged_in, user.email, made["token"]).status_code == 401
    assert me(logged_in, user.email, user.key).status_code == 200


def test_a_revoked_token_leaves_the_page_which_says_so(
    logged_in: FlaskClient, user: Account
) -> None:
    made = minted(logged_in, (user.email, user.key))
    post_form(logged_in, own_revoke(made["id"]), {})
    page = logged_in.get(ACCOUNT).get_data(as_text=True)
    assert token_row(page, made["id"]) == ""
    assert f"The token …{made['token'][-4:]} no longer works." in page


def test_an_owner_revokes_a_bots_token(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    made = minted(logged_in, (bot.email, bot.key))
    assert post_form(logged_in, bot_revoke(bot, made["id"]), {}).location == keys_base(bot.id)
    assert me(logged_in, bot.email, made["token"]).status_code == 401


def test_a_revoked_token_cannot_be_revoked_again(logged_in: FlaskClient, user: Account) -> None:
    made = minted(logged_in, (user.email, user.key))
    post_form(logged_in, own_revoke(made["id"]), {})
    assert logged_in.get(own_revoke(made["id"])).status_code == 404


def test_an_expired_token_is_a_404(logged_in: FlaskClient, user: Account, clock: Clock) -> None:
    made = minted(logged_in, (user.email, user.key), ttl_seconds=60)
    clock.advance(seconds=60)
    assert logged_in.get(own_revoke(made["id"])).status_code == 404


# Safeguards


def test_another_persons_token_is_a_404_and_keeps_working(
    logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bob = make_user("bob@example.com")
    made = minted(logged_in, (bob.email, bob.key))
    assert logged_in.get(own_revoke(made["id"])).status_code == 404
    assert post_form(logged_in, ACCOUNT, {}, own_revoke(made["id"])).status_code == 404
    assert me(logged_in, bob.email, made["token"]).status_code == 200


def test_a_token_of_another_owners_bot_is_a_404(
    app: Flask, logged_in: FlaskClient, make_user: MakeUser
) -> None:
    bot = create_bot(logged_in)
    made = minted(logged_in, (bot.email, bot.key))
    browser = stranger(app, make_user)
    assert browser.get(bot_revoke(bot, made["id"])).status_code == 404
    assert post_form(browser, ACCOUNT, {}, bot_revoke(bot, made["id"])).status_code == 404
    assert me(logged_in, bot.email, made["token"]).status_code == 200


def test_a_bots_token_is_not_revoked_as_its_owners_own(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    made = minted(logged_in, (bot.email, bot.key))
    assert post_form(logged_in, ACCOUNT, {}, own_revoke(made["id"])).status_code == 404
    assert me(logged_in, bot.email, made["token"]).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(logged_in: FlaskClient, user: Account) -> None:
    made = minted(logged_in, (user.email, user.key))
    assert logged_in.post(own_revoke(made["id"])).status_code == 400
    assert me(logged_in, user.email, made["token"]).status_code == 200


def test_revoking_needs_a_login(client: FlaskClient, user: Account) -> None:
    made = minted(client, (user.email, user.key))
    assert client.get(own_revoke(made["id"])).status_code == 302
    assert me(client, user.email, made["token"]).status_code == 200
