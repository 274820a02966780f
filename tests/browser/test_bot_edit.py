"""Your bots > Edit in a real browser, with and without JavaScript: the owner renames a bot
and offers it to another person, who accepts it; it leaves the owner's list."""

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.bots import lifecycle
from app.core import db
from app.core.models import User
from tests.browser.test_flows import enhanced, step
from tests.helpers.live import serve
from tests.helpers.users import PASSWORD, MakeUser

OWNER = "mia@example.com"
RECEIVER = "grace@example.com"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Mia with a bot, and Grace, who will get it."""
    make = MakeUser(app)
    mia = make(OWNER, "Mia Member")
    make(RECEIVER, "Grace Hopper")
    with app.app_context():
        session = db.session()
        lifecycle.create(session, session.get_one(User, mia.id), "Weather Bot", "weather")
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_owner_renames_a_bot_and_gives_it_away(
    request: pytest.FixtureRequest, javascript: bool
) -> None:
    page: Page = request.getfixturevalue("page" if javascript else "page_without_js")
    log_in_as(page, OWNER, javascript)
    page.get_by_role("link", name="Edit").click()
    where = step(page, javascript)
    expect(where.get_by_role("heading", name="Edit Weather Bot")).to_be_visible()
    where.get_by_label("Full name").fill("Storm Bot")
    where.get_by_label("New owner").select_option(label="Grace Hopper <grace@example.com>")
    where.get_by_role("button", name="Save").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_text("Storm Bot is offered. It stays yours")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in_as(page, RECEIVER, javascript)
    page.get_by_role("link", name="Accept").click()
    where = step(page, javascript)
    expect(where.get_by_role("heading", name="Take Storm Bot from Mia Member?")).to_be_visible()
    where.get_by_role("button", name="Confirm").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_text("Storm Bot is yours now, with a new API key.")).to_be_visible()
    expect(page.locator(".bot-list .bot h3", has_text="Storm Bot")).to_be_visible()


def log_in_as(page: Page, email: str, javascript: bool) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/settings/bots")
    if javascript:
        enhanced(page)
