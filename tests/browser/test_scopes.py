"""Choosing a named key's scopes in a real browser, with and without JavaScript: from a
link that fills the form (through the password step), and with the presets."""

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import serious_violations
from tests.browser.test_flows import EMAIL, register_and_log_in, reveal_own_key, step
from tests.browser.test_key_lifecycle import back_to_account
from tests.helpers.users import PASSWORD

LINK = "/settings/account/keys/new?name=Deploy%20bot&scopes=messages:write,profile:read&expires=30"


def scopes_of(live_server: str, key: str) -> list[str]:
    """What users/me tells the key about itself."""
    me = httpx.get(f"{live_server}/api/v1/users/me", auth=(EMAIL, key))
    assert me.status_code == 200, me.text
    scopes: list[str] = me.json()["key"]["scopes"]
    return scopes


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_key_made_from_a_prefilled_link(
    page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    browser_page.goto(LINK)  # as from a script's README: the password step comes first
    browser_page.get_by_label("Password").fill(PASSWORD)
    browser_page.get_by_role("button", name="Continue").click()

    expect(browser_page.get_by_label("Name", exact=True)).to_have_value("Deploy bot")
    expect(browser_page.get_by_label("Expires", exact=True)).to_have_value("30")
    expect(browser_page.get_by_label("Send, edit and delete messages")).to_be_checked()
    expect(browser_page.get_by_label("See your bots")).not_to_be_checked()
    if javascript:  # axe runs as a script in the page
        assert serious_violations(browser_page) == []
    browser_page.get_by_role("button", name="Create key").click()

    key = browser_page.locator(".key").inner_text().strip()
    assert scopes_of(live_server, key) == ["messages:write", "profile:read"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_read_only_preset(
    page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    reveal_own_key(browser_page, javascript)  # opens the password window
    back_to_account(browser_page, javascript)
    browser_page.get_by_role("link", name="Create a named key").click()
    where = step(browser_page, javascript)
    where.get_by_label("Name", exact=True).fill("Dashboard")
    where.get_by_role("button", name="Read only").click()
    expect(where.get_by_label("Send, edit and delete messages")).not_to_be_checked()
    expect(where.get_by_label("Name", exact=True)).to_have_value("Dashboard")
    where.get_by_role("button", name="Create key").click()

    key = where.locator(".key").inner_text().strip()
    assert "messages:write" not in scopes_of(live_server, key)
    assert "messages:read" in scopes_of(live_server, key)
