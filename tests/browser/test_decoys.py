"""Decoy keys in a real browser, with and without JavaScript: made from Account & privacy,
tried by a stranger (refused as a wrong key is), shown as used in its row, then removed
(inside the password window)."""

import time

import httpx
import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_flows import EMAIL, register_and_log_in, reveal_own_key, step
from tests.browser.test_key_lifecycle import back_to_account
from tests.helpers.admin import audit_types

SETTLE_SECONDS = 10  # the server tells of a use once it has sent the answer


def decoy_row(page: Page, name: str) -> Locator:
    return page.locator("[data-live='decoys'] tbody tr", has_text=name)


def wait_until_told(app: Flask) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while "decoy_key_used" not in audit_types(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "decoy_key_used" in audit_types(app)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_decoy_made_tried_and_removed(
    app: Flask, page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    reveal_own_key(browser_page, javascript)  # opens the password window: removing needs it
    back_to_account(browser_page, javascript)

    browser_page.get_by_role("link", name="Create a decoy key").click()
    where = step(browser_page, javascript)
    where.get_by_label("Name", exact=True).fill("Team wiki")
    where.get_by_role("button", name="Create decoy").click()
    decoy = where.locator(".key").inner_text().strip()
    expect(where.get_by_role("link", name="Download zuliprc").first).to_be_visible()

    tried = httpx.get(f"{live_server}/api/v1/users/me", auth=(EMAIL, decoy))
    assert (tried.status_code, tried.json()["code"]) == (401, "INVALID_API_KEY")
    wait_until_told(app)

    back_to_account(browser_page, javascript)
    browser_page.reload()
    row = decoy_row(browser_page, "Team wiki")
    expect(row).to_contain_text("127.0.0.1")
    expect(browser_page.locator("[data-live='your-keys']")).not_to_contain_text("Team wiki")

    browser_page.get_by_role("link", name="Remove the decoy “Team wiki”").click()
    step(browser_page, javascript).get_by_role("button", name="Confirm").click()
    expect(decoy_row(browser_page, "Team wiki")).to_have_count(0)
