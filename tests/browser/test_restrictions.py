"""Restricting a key in a real browser, with and without JavaScript: a key made for one
network, paused from its row, then resumed."""

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import EMAIL, register_and_log_in, reveal_own_key, step
from tests.browser.test_key_lifecycle import back_to_account, key_row


def call(live_server: str, key: str) -> httpx.Response:
    return httpx.get(f"{live_server}/api/v1/users/me", auth=(EMAIL, key))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_network_limited_key_paused_and_resumed(
    page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    reveal_own_key(browser_page, javascript)  # opens the password window
    back_to_account(browser_page, javascript)

    browser_page.get_by_role("link", name="Create a named key").click()
    where = step(browser_page, javascript)
    where.get_by_label("Name", exact=True).fill("Deploy")
    where.get_by_label("Allowed networks").fill("127.0.0.0/8\n2001:db8::/32")
    where.get_by_role("button", name="Create key").click()
    key = where.locator(".key").inner_text().strip()
    me = call(live_server, key)
    assert me.json()["key"]["allowed_networks"] == ["127.0.0.0/8", "2001:db8::/32"]
    back_to_account(browser_page, javascript)
    expect(key_row(browser_page, "Deploy")).to_contain_text("127.0.0.0/8")

    browser_page.get_by_role("link", name=f"Pause the key …{key[-4:]}").click()
    where = step(browser_page, javascript)
    where.get_by_role("button", name="Confirm").click()
    expect(key_row(browser_page, "Deploy")).to_contain_text("Paused")
    assert call(live_server, key).json()["code"] == "API_KEY_PAUSED"

    browser_page.get_by_role("link", name=f"Resume the key …{key[-4:]}").click()
    step(browser_page, javascript).get_by_role("button", name="Confirm").click()
    expect(key_row(browser_page, "Deploy")).not_to_contain_text("Paused")
    assert call(live_server, key).status_code == 200
