"""A key's usage page: the 30-day chart drawn as accessible SVG, every number also in a
table, the refusals by reason, the routes, networks and scopes; for one's own keys and
one's bots' keys only."""

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import scoped_key
from tests.helpers.decoys import make_decoy, try_key
from tests.helpers.usage import named_id, primary_id
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS, KEY_PAGE, log_in

OWN_USAGE = "/settings/account/keys/{}/usage"


def _today_row(page: str) -> list[str]:
    """The cells of the first row of the every-day table: today."""
    table = page[page.index('id="usage-days"') :]
    body = table[table.index("<tbody>") :]
    row = body[: body.index("</tr>")]
    return [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_the_page_draws_calls_a_day_and_lists_them_in_a_table(
    logged_in: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    key_id = primary_id(logged_in, auth)
    for _ in range(2):
        api_ok(api_me(logged_in, user.email, user.key))
    page = logged_in.get(OWN_USAGE.format(key_id)).get_data(as_text=True)
    assert 'role="img"' in page and 'aria-labelledby="usage-chart-title usage-chart-desc"' in page
    assert page.count('<g class="day"') == 30
    assert page.count('<rect class="accepted"') == 1  # one day with calls: today
    assert _today_row(page)[1:3] == ["3", "0"]  # the two calls and the list call
    assert "<code>profile:read</code>" in page and "<code>GET /api/v1/users/me</code>" in page


def test_refusals_are_drawn_on_top_and_listed_by_reason(
    logged_in: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    narrow = scoped_key(logged_in, auth, "profile:read")
    api_error(logged_in.get("/api/v1/users", auth=(user.email, narrow)), 403, "MISSING_SCOPE")
    page = logged_in.get(OWN_USAGE.format(named_id(logged_in, auth, "CI"))).get_data(as_text=True)
    assert page.count('<rect class="refused"') == 1
    assert _today_row(page)[1:] == ["0", "1", "Outside what the key may do: 1"]
    assert 'id="refusals"' in page


def test_the_key_list_links_each_key_to_its_usage(logged_in: FlaskClient, user: Account) -> None:
    key_id = primary_id(logged_in, (user.email, user.key))
    page = logged_in.get(KEY_PAGE.replace("/api-key", "")).get_data(as_text=True)
    assert f'href="{OWN_USAGE.format(key_id)}"' in page


def test_a_decoys_sightings_are_its_usage(logged_in: FlaskClient, user: Account) -> None:
    decoy = make_decoy(logged_in, (user.email, user.key))
    try_key(logged_in, decoy["api_key"])
    page = logged_in.get(OWN_USAGE.format(decoy["id"])).get_data(as_text=True)
    assert "A decoy: always refused: 1" in page


def test_anothers_key_is_not_found(
    logged_in: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    other = make_user()
    theirs = primary_id(logged_in, (other.email, other.key))
    assert logged_in.get(OWN_USAGE.format(theirs)).status_code == 404
    assert logged_in.get(OWN_USAGE.format(2**40)).status_code == 404


def test_a_bots_owner_sees_its_keys_usage_and_no_one_else_does(
    app: Flask, logged_in: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = api_ok(api_create_bot(logged_in, user, "Feed", "feed"))
    bot_id, bot_auth = int(str(bot["user_id"])), (str(bot["email"]), str(bot["api_key"]))
    api_ok(api_me(logged_in, *bot_auth))
    key_id = primary_id(logged_in, (user.email, user.key), holder=f"/bots/{bot_id}")
    path = f"{BOTS}/{bot_id}/keys/{key_id}/usage"
    assert _today_row(logged_in.get(path).get_data(as_text=True))[1] == "1"
    someone_else = app.test_client()
    log_in(someone_else, make_user().email)
    assert someone_else.get(path).status_code == 404


def test_the_page_needs_a_login(client: FlaskClient, user: Account) -> None:
    assert client.get(OWN_USAGE.format(1)).status_code == 302
