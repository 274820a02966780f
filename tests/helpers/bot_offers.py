"""A bot offered from one person to another: the receiver's browser accepts or declines it,
and the owner's withdraws it, through the Your bots tab."""

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.users import Account
from tests.helpers.web import BOTS, csrf_token_in, key_in, log_in, post_form


def browser_of(app: Flask, person: Account) -> FlaskClient:
    """A browser logged in as ``person``."""
    client = app.test_client()
    assert log_in(client, person.email).status_code == 302
    return client


def accept(browser: FlaskClient, bot_id: int) -> TestResponse:
    """Confirm the acceptance step of the bot offered to this browser's person, as its page
    asks (with the offer it shows); a page that cannot be shown is the answer itself."""
    page = browser.get(f"{BOTS}/offers/{bot_id}/accept")
    if page.status_code != 200:
        return page
    offered_by = offered_by_in(page.get_data(as_text=True))
    token = csrf_token_in(page.get_data(as_text=True))
    form = {"csrf_token": token, "offered_by": offered_by}
    return browser.post(f"{BOTS}/offers/{bot_id}/accept", data=form)


def offered_by_in(page: str) -> str:
    """The offer an acceptance page is about: the hidden id of who offered it."""
    match = re.search(r'name="offered_by" type="hidden" value="(\d+)"', page)
    assert match, "the page names no offer"
    return match.group(1)


def decline(browser: FlaskClient, bot_id: int) -> TestResponse:
    """Decline (the receiver) or withdraw (the owner) the offer of ``bot_id``."""
    return post_form(browser, BOTS, {}, action=f"{BOTS}/offers/{bot_id}/decline")


def offered_bot_ids(browser: FlaskClient) -> list[int]:
    """The bots this browser's person sees offered to them on Your bots."""
    page = browser.get(BOTS).get_data(as_text=True)
    return sorted(int(part.split('"')[0]) for part in page.split('id="offer-')[1:])


def shown_bot_key(browser: FlaskClient, bot_id: int) -> str:
    """The bot's key as its owner's Show key step shows it."""
    response = browser.get(f"{BOTS}/{bot_id}/key")
    assert response.status_code == 200, response.status
    return key_in(response.get_data(as_text=True))
