"""A key's request budget in the pages: chosen when the key is made, shown in the key list,
and changed in its own step (one's own key behind the password step, as networks are)."""

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import list_keys
from tests.helpers.keys import OWN_KEYS, create_named_key, submit_named_key
from tests.helpers.users import Account
from tests.helpers.web import create_bot, field_error, password_step_for, post_form

WINDOW = 300  # REAUTH_WINDOW_SECONDS


def budget_of(client: FlaskClient, user: Account) -> object:
    named = next(k for k in list_keys(client, (user.email, user.key)) if k["kind"] == "named")
    return named["rate_limit_per_minute"]


def test_a_budget_chosen_when_the_key_is_made(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed, rate_limit_per_minute="2")
    assert budget_of(reauthed, user) == 2
    assert "At most 2 requests a minute" in reauthed.get("/settings/account").get_data(as_text=True)
    api_ok(api_me(reauthed, user.email, made.key))
    api_ok(api_me(reauthed, user.email, made.key))
    api_error(api_me(reauthed, user.email, made.key), 429, "RATE_LIMIT_HIT")


def test_a_bad_budget_is_named_in_the_form_and_makes_nothing(
    reauthed: FlaskClient, user: Account
) -> None:
    response = submit_named_key(reauthed, rate_limit_per_minute="lots")
    assert "whole number" in field_error(response, "rate_limit_per_minute")
    assert len(list_keys(reauthed, (user.email, user.key))) == 1


def test_the_budget_step_sets_and_lifts_it(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    step = f"{OWN_KEYS}/{made.id}/budget"
    assert post_form(reauthed, step, {"rate_limit_per_minute": "60"}).status_code == 302
    assert budget_of(reauthed, user) == 60
    assert 'value="60"' in reauthed.get(step).get_data(as_text=True)  # the form shows it
    post_form(reauthed, step, {"rate_limit_per_minute": ""})
    assert budget_of(reauthed, user) is None


def test_a_bad_budget_in_the_step_is_named(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    refused = post_form(reauthed, f"{OWN_KEYS}/{made.id}/budget", {"rate_limit_per_minute": "0.5"})
    assert "whole number" in field_error(refused, "rate_limit_per_minute")
    assert budget_of(reauthed, user) is None


def test_ones_own_budget_step_needs_the_password_step(reauthed: FlaskClient, clock: Clock) -> None:
    made = create_named_key(reauthed)
    clock.advance(seconds=WINDOW + 1)
    step = f"{OWN_KEYS}/{made.id}/budget"
    assert reauthed.get(step).location == password_step_for(reauthed.application, step)


def test_a_bots_key_gets_a_budget_from_its_owner(reauthed: FlaskClient, user: Account) -> None:
    bot = create_bot(reauthed, "Relay", "relay")
    primary = list_keys(reauthed, (user.email, user.key), f"/bots/{bot.id}")[0]
    step = f"/settings/bots/{bot.id}/keys/{primary['id']}/budget"
    post_form(reauthed, step, {"rate_limit_per_minute": "1"})
    api_ok(api_me(reauthed, bot.email, bot.key))
    api_error(api_me(reauthed, bot.email, bot.key), 429, "RATE_LIMIT_HIT")
