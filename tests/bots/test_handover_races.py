"""Requests the previous owner sends while a bot changes hands, against a live server, on
SQLite and PostgreSQL: each passed the ownership check before the hand-over took its locks,
and must still be refused once it gets them, or it would act for a bot no longer theirs."""

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from flask import Flask

from app.bots import ownership
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import API, api_me, api_ok
from tests.helpers.bot_offers import offered_by_in
from tests.helpers.live import at_once, browser_logged_in, serve
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS, csrf_token_in

HOLDING = 0.4  # how long the hand-over holds its locks
CALLS = 5  # the previous owner's requests, sent while it does


@pytest.fixture
def slow_hand_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-over waits with its locks held, so the previous owner's requests queue."""
    hand_over = ownership.hand_over

    def slowly(*args: object, **kwargs: object) -> None:
        time.sleep(HOLDING)
        hand_over(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ownership, "hand_over", slowly)


@pytest.fixture
def offered(app: Flask, make_user: MakeUser) -> Iterator[tuple[Account, Account, Account]]:
    """An owner, a bot they offered, and Grace, who is about to accept it."""
    owner, grace = make_user(), make_user()
    client = app.test_client()
    bot = new_bot(client, owner, "relay")
    api_ok(update_bot(client, owner, bot.id, bot_owner_id=grace.id))
    yield owner, bot, grace


def while_accepting(
    app: Flask, grace: Account, bot: Account, call: Callable[[str], httpx.Response]
) -> list[httpx.Response]:
    """Grace accepts; meanwhile (once her hand-over holds the locks) CALLS requests go out."""
    with serve(app) as url:
        browser = browser_logged_in(url, grace.email)
        page = browser.get(f"{BOTS}/offers/{bot.id}/accept").text
        form = {"csrf_token": csrf_token_in(page), "offered_by": offered_by_in(page)}

        def act(index: int) -> httpx.Response:
            if index == 0:
                return browser.post(f"{BOTS}/offers/{bot.id}/accept", data=form)
            time.sleep(HOLDING / 4)
            return call(url)

        answers = at_once(CALLS + 1, act)
    assert answers[0].status_code == 302, "the acceptance failed"
    return answers[1:]


@pytest.mark.usefixtures("slow_hand_over")
def test_no_key_minted_for_the_previous_owner_works(
    app: Flask, offered: tuple[Account, Account, Account]
) -> None:
    owner, bot, grace = offered

    def regenerate(url: str) -> httpx.Response:
        path = f"{url}{API}/bots/{bot.id}/api_key/regenerate"
        return httpx.post(path, auth=(owner.email, owner.key), timeout=30)

    answers = while_accepting(app, grace, bot, regenerate)
    minted = [str(answer.json()["api_key"]) for answer in answers if answer.status_code == 200]
    client = app.test_client()
    assert [api_me(client, bot.email, key).status_code for key in minted] == [401] * len(minted)
    assert {answer.status_code for answer in answers} <= {200, 404}


@pytest.mark.usefixtures("slow_hand_over")
def test_the_previous_owner_cannot_rename_the_new_owners_bot(
    app: Flask, offered: tuple[Account, Account, Account]
) -> None:
    owner, bot, grace = offered

    def rename(url: str) -> httpx.Response:
        data = {"full_name": "Taken back"}
        return httpx.patch(f"{url}{API}/bots/{bot.id}", data=data, auth=(owner.email, owner.key))

    while_accepting(app, grace, bot, rename)
    listed = api_ok(app.test_client().get(f"{API}/bots", auth=(grace.email, grace.key)))["bots"]
    assert isinstance(listed, list)
    assert [entry["full_name"] for entry in listed] == ["Relay"]
