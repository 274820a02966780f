"""Restricting keys in the pages: pause and resume from the key list (resuming one's own key
needs the password step), the networks step, and networks chosen when a key is made."""

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import list_keys
from tests.helpers.keys import OWN_KEYS, create_named_key, submit_named_key
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import (
    create_bot,
    field_error,
    password_step_for,
    post_form,
    reauthed_client,
)

WINDOW = 300  # REAUTH_WINDOW_SECONDS


def named_key(client: FlaskClient, user: Account) -> dict[str, object]:
    return next(k for k in list_keys(client, (user.email, user.key)) if k["kind"] == "named")


def test_pausing_needs_only_the_session_and_stops_the_key(
    reauthed: FlaskClient, user: Account, clock: Clock
) -> None:
    made = create_named_key(reauthed)
    clock.advance(seconds=WINDOW + 1)  # the password window has closed
    done = post_form(reauthed, f"{OWN_KEYS}/{made.id}/pause", {})
    assert done.location == "/settings/account"
    api_error(api_me(reauthed, user.email, made.key), 401, "API_KEY_PAUSED")
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "Paused" in page and f"{OWN_KEYS}/{made.id}/resume" in page


def test_resuming_ones_own_key_needs_the_password_step(
    reauthed: FlaskClient, user: Account, clock: Clock
) -> None:
    made = create_named_key(reauthed)
    post_form(reauthed, f"{OWN_KEYS}/{made.id}/pause", {})
    clock.advance(seconds=WINDOW + 1)
    resume = f"{OWN_KEYS}/{made.id}/resume"
    assert reauthed.get(resume).location == password_step_for(reauthed.application, resume)
    api_error(api_me(reauthed, user.email, made.key), 401, "API_KEY_PAUSED")


def test_resumed_it_works_again(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    post_form(reauthed, f"{OWN_KEYS}/{made.id}/pause", {})
    post_form(reauthed, f"{OWN_KEYS}/{made.id}/resume", {})
    api_ok(api_me(reauthed, user.email, made.key))


def test_the_networks_step_sets_and_lifts_the_list(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    step = f"{OWN_KEYS}/{made.id}/networks"
    saved = post_form(reauthed, step, {"allowed_networks": "10.0.0.0/8\n192.0.2.0/24"})
    assert saved.status_code == 302
    assert named_key(reauthed, user)["allowed_networks"] == ["10.0.0.0/8", "192.0.2.0/24"]
    api_error(api_me(reauthed, user.email, made.key), 403, "IP_NOT_ALLOWED")
    assert "10.0.0.0/8" in reauthed.get(step).get_data(as_text=True)  # the form shows the list
    post_form(reauthed, step, {"allowed_networks": ""})
    api_ok(api_me(reauthed, user.email, made.key))


def test_a_bad_network_is_named_in_the_form(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    response = post_form(
        reauthed, f"{OWN_KEYS}/{made.id}/networks", {"allowed_networks": "10.0.0.1/8"}
    )
    assert "10.0.0.0/8" in field_error(response, "allowed_networks")
    assert named_key(reauthed, user)["allowed_networks"] == []


def test_networks_chosen_when_the_key_is_made(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed, allowed_networks="127.0.0.0/8, 2001:db8::/32")
    assert named_key(reauthed, user)["allowed_networks"] == ["127.0.0.0/8", "2001:db8::/32"]
    api_ok(api_me(reauthed, user.email, made.key))


def test_a_bad_network_when_the_key_is_made_makes_nothing(
    reauthed: FlaskClient, user: Account
) -> None:
    response = submit_named_key(reauthed, allowed_networks="somewhere")
    assert "somewhere" in field_error(response, "allowed_networks")
    assert len(list_keys(reauthed, (user.email, user.key))) == 1


def test_a_bots_key_is_paused_by_its_owner_only(
    reauthed: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = create_bot(reauthed, "Relay", "relay")
    keys = f"/settings/bots/{bot.id}/keys"
    primary = list_keys(reauthed, (user.email, user.key), f"/bots/{bot.id}")[0]
    stranger = reauthed_client(reauthed.application, make_user().email)
    assert stranger.get(f"{keys}/{primary['id']}/pause").status_code == 404
    assert post_form(reauthed, f"{keys}/{primary['id']}/pause", {}).location == keys
    api_error(api_me(reauthed, bot.email, bot.key), 401, "API_KEY_PAUSED")
