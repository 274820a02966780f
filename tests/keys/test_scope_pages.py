"""Choosing a named key's scopes in the pages: boxes grouped by resource, "read only" and
"everything" presets, a link that fills the form (as a script's README may point to), and
the scopes of each key in the list."""

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.helpers.api import api_ok
from tests.helpers.api_keys import list_keys
from tests.helpers.keys import EVERY_NAMED_SCOPE, OWN_KEYS, create_named_key, submit_named_key
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import KEY_PAGE, csrf_token, field_error, post_form

NEW = f"{OWN_KEYS}/new"
LINK = f"{NEW}?name=Deploy%20bot&scopes=messages:write,profile:read&expires=30"


def ticked(page: str) -> set[str]:
    """The scope boxes a page shows ticked."""
    return set(re.findall(r'name="scopes" value="([^"]+)"[^>]*\bchecked\b', page))


def named_scopes(client: FlaskClient, user: Account) -> list[list[str]]:
    keys = list_keys(client, (user.email, user.key))
    return [key["scopes"] for key in keys if key["kind"] == "named"]


def test_the_form_opens_with_every_scope_a_named_key_may_have(reauthed: FlaskClient) -> None:
    page = reauthed.get(NEW).get_data(as_text=True)
    assert ticked(page) == set(EVERY_NAMED_SCOPE)
    assert 'value="keys:write"' not in page  # the primary key's alone: never offered


def test_a_link_fills_the_name_the_scopes_and_the_expiry(reauthed: FlaskClient) -> None:
    page = reauthed.get(LINK).get_data(as_text=True)
    assert ticked(page) == {"messages:write", "profile:read"}
    assert 'value="Deploy bot"' in page
    assert re.search(r'<option selected value="30">|<option value="30" selected>', page)


def test_a_link_makes_nothing_by_itself(reauthed: FlaskClient, user: Account) -> None:
    reauthed.get(LINK)
    assert named_scopes(reauthed, user) == []


def test_a_link_with_a_scope_this_site_lacks_says_so(reauthed: FlaskClient) -> None:
    page = reauthed.get(f"{NEW}?scopes=profile:read,tickets:write").get_data(as_text=True)
    assert "tickets:write" in page and 'id="scopes-error"' in page
    assert ticked(page) == {"profile:read"}


def test_the_chosen_scopes_are_the_keys(reauthed: FlaskClient, user: Account) -> None:
    create_named_key(reauthed, scopes=["messages:write", "profile:read"])
    assert named_scopes(reauthed, user) == [["messages:write", "profile:read"]]


def test_a_key_with_no_scope_ticked_is_refused(reauthed: FlaskClient, user: Account) -> None:
    response = submit_named_key(reauthed, scopes=[])
    assert "Choose at least one scope." in response.get_data(as_text=True)
    assert named_scopes(reauthed, user) == []


def test_a_preset_ticks_its_boxes_and_makes_no_key(reauthed: FlaskClient, user: Account) -> None:
    response = post_form(reauthed, NEW, {"name": "CI", "preset": "read_only", "scopes": []})
    page = response.get_data(as_text=True)
    assert ticked(page) == {
        "bots:read",
        "keys:read",
        "profile:read",
        "users:read",
        "messages:read",
        "streams:read",
        "events:read",
    }
    assert 'value="CI"' in page  # what was typed stays
    assert named_scopes(reauthed, user) == []


def test_the_list_shows_what_each_named_key_may_do(reauthed: FlaskClient) -> None:
    create_named_key(reauthed, scopes=["users:read"])
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "<code>users:read</code>" in page


def test_the_password_step_leads_back_to_the_link(logged_in: FlaskClient) -> None:
    step = logged_in.get(LINK).location
    assert urlsplit(step).path == KEY_PAGE
    assert parse_qs(urlsplit(step).query)["next"] == [LINK]
    token = csrf_token(logged_in.get(step))
    done = logged_in.post(step, data={"password": PASSWORD, "csrf_token": token})
    assert done.location == LINK


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/settings/",
        "//evil.example/settings/",
        "/\\evil.example/settings/",
        "/accounts/logout",
        "/settings/../accounts/logout",
        "/settings/%2e%2e/accounts/logout",
        "/settings/account\r\nSet-Cookie: x=1",
    ],
)
def test_the_password_step_never_leads_off_these_pages(
    logged_in: FlaskClient, elsewhere: str
) -> None:
    step = f"{KEY_PAGE}?next={quote(elsewhere, safe='')}"
    token = csrf_token(logged_in.get(step))
    done = logged_in.post(step, data={"password": PASSWORD, "csrf_token": token})
    assert done.location == KEY_PAGE


def test_a_bots_form_takes_a_link_too(logged_in: FlaskClient, user: Account) -> None:
    bot = api_ok(
        logged_in.post(
            "/api/v1/bots",
            data={"full_name": "Deploy", "short_name": "deploy"},
            auth=(user.email, user.key),
        )
    )
    page = logged_in.get(f"/settings/bots/{bot['user_id']}/keys/new?scopes=messages:write")
    assert ticked(page.get_data(as_text=True)) == {"messages:write"}


def test_a_primary_keys_scope_in_a_hand_made_post_is_refused(
    reauthed: FlaskClient, user: Account
) -> None:
    response = submit_named_key(reauthed, scopes=["profile:read", "keys:write"])
    assert "keys:write" in field_error(response, "scopes")
    assert named_scopes(reauthed, user) == []
