"""The Organization tab in a real browser, with and without JavaScript: an administrator
deactivates a person through the dialog (or its page), transfers the orphaned bot and
reactivates it, and changes a policy."""

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.bots import lifecycle
from app.core import db
from app.core.models import User
from app.people import roles
from tests.browser.test_flows import enhanced, step
from tests.helpers.live import serve
from tests.helpers.users import PASSWORD, MakeUser

OWNER = "owner@example.com"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """An owner, and a member with a bot."""
    make = MakeUser(app)
    make(OWNER, "Olga Owner", role=roles.OWNER)
    member = make("member@example.com", "Mia Member")
    with app.app_context():
        session = db.session()
        lifecycle.create(session, session.get_one(User, member.id), "Weather Bot", "weather")
    with serve(app) as url:
        yield url


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def console(request: pytest.FixtureRequest, javascript: bool) -> Page:
    """The owner's browser, logged in, on the Organization tab."""
    page: Page = request.getfixturevalue("page" if javascript else "page_without_js")
    page.goto("/login")
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Organization").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    if javascript:
        enhanced(page)
    return page


def deactivate_mia(page: Page, javascript: bool) -> None:
    row = page.locator("tr", has_text="Mia Member")
    row.get_by_role("link", name="Deactivate").click()
    where = step(page, javascript)
    expect(where.get_by_role("heading", name="Deactivate Mia Member?")).to_be_visible()
    where.get_by_role("button", name="Confirm").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_text("Mia Member is deactivated and signed out")).to_be_visible()
    row = page.locator("tr", has_text="Mia Member")
    expect(row.get_by_role("button", name="Reactivate")).to_be_visible()


def test_deactivate_a_person(console: Page, javascript: bool) -> None:
    deactivate_mia(console, javascript)


def test_transfer_an_orphan_then_reactivate_it(console: Page, javascript: bool) -> None:
    deactivate_mia(console, javascript)
    console.get_by_role("link", name="Orphaned bots").click()
    if javascript:
        enhanced(console)
    console.locator(".bot", has_text="Weather Bot").get_by_role("link", name="Transfer").click()
    where = step(console, javascript)
    where.get_by_label("New owner").select_option(label=f"Olga Owner <{OWNER}>")
    where.get_by_role("button", name="Change owner").click()
    expect(console.get_by_text("Weather Bot now belongs to Olga Owner.")).to_be_visible()
    expect(console.get_by_text("No bot is orphaned.")).to_be_visible()
    console.get_by_role("link", name="Bots", exact=True).click()
    row = console.locator("tr", has_text="Weather Bot")
    expect(row).to_contain_text("Olga Owner")
    row.get_by_role("button", name="Reactivate").click()
    expect(console.get_by_text("Weather Bot is active again, with the same key.")).to_be_visible()
    expect(console.locator("tr", has_text="Weather Bot")).to_contain_text("Active")


def test_change_a_policy(console: Page) -> None:
    console.get_by_role("link", name="Policies").click()
    console.get_by_label("Most bots a person may own").fill("many")
    console.get_by_role("button", name="Save policies").click()
    expect(console.get_by_text("Use a whole number from 0 to 1000.")).to_be_visible()
    console.get_by_label("Who may create bots").select_option(label="Administrators only")
    console.get_by_label("Most bots a person may own").fill("5")
    console.get_by_role("button", name="Save policies").click()
    expect(console.get_by_text("The policies are saved.")).to_be_visible()
    expect(console.get_by_label("Most bots a person may own")).to_have_value("5")
    expect(console.get_by_label("Who may create bots")).to_have_value("admins_only")
