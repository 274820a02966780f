"""Decoy keys in the pages: made from Account & privacy or a bot's keys page (no password
step: a decoy opens nothing), shown once with its zuliprc, listed apart from the keys that
work, and removed with Confirm; another person's bot's decoys are a 404."""

import re

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_error
from tests.helpers.decoys import try_key
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import (
    create_bot,
    csrf_token,
    field_error,
    key_in,
    password_step_for,
    post_form,
    reauthenticate,
)

OWN_DECOYS = "/settings/account/decoys"


def plant(client: FlaskClient, name: str = "wiki", where: str = OWN_DECOYS) -> tuple[int, str]:
    """Make a decoy through the form, then open its page: its id and the key it shows."""
    made = post_form(client, f"{where}/new", {"name": name})
    assert made.status_code == 302, made.get_data(as_text=True)
    match = re.search(r"/decoys/(\d+)$", made.location)
    assert match
    shown = client.get(made.location)
    assert shown.headers["Cache-Control"] == "no-store"
    return int(match.group(1)), key_in(shown.get_data(as_text=True))


def test_a_decoy_is_made_without_the_password_step(logged_in: FlaskClient, user: Account) -> None:
    _decoy_id, key = plant(logged_in)
    api_error(try_key(logged_in, key, user.email), 401, "INVALID_API_KEY")


def test_it_is_shown_once(logged_in: FlaskClient) -> None:
    decoy_id, key = plant(logged_in)
    again = logged_in.get(f"{OWN_DECOYS}/{decoy_id}").get_data(as_text=True)
    assert key not in again and key[-4:] in again


def test_its_zuliprc_holds_the_decoy(logged_in: FlaskClient, user: Account) -> None:
    decoy_id, key = plant(logged_in)
    for fmt in ("", "?format=ini"):
        download = logged_in.get(f"{OWN_DECOYS}/{decoy_id}/zuliprc{fmt}")
        assert download.status_code == 200
        assert download.headers["Cache-Control"] == "no-store"
        text = download.get_data(as_text=True)
        assert key in text and user.email in text


def test_it_is_listed_apart_from_the_keys_that_work(logged_in: FlaskClient) -> None:
    decoy_id, key = plant(logged_in, "repo README")
    page = logged_in.get("/settings/account").get_data(as_text=True)
    decoys = page[page.index('id="decoys-heading"') :]
    keys = page[page.index('id="your-keys-heading"') : page.index('id="decoys-heading"')]
    assert f'id="decoy-{decoy_id}"' in decoys and "repo README" in decoys
    assert "repo README" not in keys and key not in page


def test_a_bad_name_is_a_form_error(logged_in: FlaskClient) -> None:
    plant(logged_in, "wiki")
    refused = post_form(logged_in, f"{OWN_DECOYS}/new", {"name": "wiki"})
    assert refused.status_code == 200
    assert "already exists" in field_error(refused, "name")
    long = post_form(logged_in, f"{OWN_DECOYS}/new", {"name": "x" * 51})
    assert "at most 50" in field_error(long, "name")


def test_removing_asks_first_then_the_decoy_is_gone(reauthed: FlaskClient) -> None:
    decoy_id, _key = plant(reauthed)
    step = f"{OWN_DECOYS}/{decoy_id}/remove"
    assert "Remove the decoy" in reauthed.get(step).get_data(as_text=True)
    assert post_form(reauthed, step, {}).location == "/settings/account"
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert f'id="decoy-{decoy_id}"' not in page
    assert reauthed.get(step).status_code == 404


def test_removing_ones_own_decoy_needs_the_password_step(
    logged_in: FlaskClient, clock: Clock
) -> None:
    decoy_id, _key = plant(logged_in)
    step = f"{OWN_DECOYS}/{decoy_id}/remove"
    assert logged_in.get(step).location == password_step_for(logged_in.application, step)
    token = csrf_token(logged_in.get("/settings/account"))
    assert logged_in.post(step, data={"csrf_token": token}).status_code == 302
    assert f'id="decoy-{decoy_id}"' in logged_in.get("/settings/account").get_data(as_text=True)


def test_a_bots_decoys_live_on_its_keys_page(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    where = f"/settings/bots/{bot.id}/decoys"
    decoy_id, key = plant(logged_in, "ci variable", where)
    page = logged_in.get(f"/settings/bots/{bot.id}/keys").get_data(as_text=True)
    assert f'id="decoy-{decoy_id}"' in page
    assert key.startswith(bot.key[:4])  # a bot's prefix, as its real keys have


def test_another_persons_bots_decoys_are_a_404(logged_in: FlaskClient, make_user: MakeUser) -> None:
    bot = create_bot(logged_in)
    decoy_id, _key = plant(logged_in, "ci", f"/settings/bots/{bot.id}/decoys")
    grace = make_user("grace@example.com", "Grace Hopper")
    other = logged_in.application.test_client()
    post_form(other, "/login", {"email": grace.email, "password": grace.password})
    for path in ("new", f"{decoy_id}", f"{decoy_id}/zuliprc", f"{decoy_id}/remove"):
        assert other.get(f"/settings/bots/{bot.id}/decoys/{path}").status_code == 404
    reauthenticate(other)
    assert other.get(f"{OWN_DECOYS}/{decoy_id}/remove").status_code == 404
