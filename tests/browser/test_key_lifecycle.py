"""Named keys and rolling with an overlap in a real browser, with and without JavaScript."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_accessibility import serious_violations
from tests.browser.test_flows import (
    EMAIL,
    api_status,
    key_pattern,
    register_and_log_in,
    reveal_own_key,
    step,
)


def back_to_account(page: Page, javascript: bool) -> None:
    """Leave the key step for the Account & privacy page."""
    if javascript:
        step(page, True).get_by_role("button", name="Close").click()
        expect(page.locator("dialog[open]")).to_have_count(0)
    else:
        page.get_by_role("link", name="Back to Account & privacy").click()


def key_row(page: Page, label: str) -> Locator:
    """The row of the Your keys table that names ``label``."""
    return page.locator("[data-live='your-keys'] tbody tr", has_text=label)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_named_key_is_shown_once_then_revoked(
    page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    primary = reveal_own_key(browser_page, javascript)  # the password step opens the window
    back_to_account(browser_page, javascript)

    browser_page.get_by_role("link", name="Create a named key").click()
    where = step(browser_page, javascript)
    where.get_by_label("Name").fill("CI deploy")
    where.get_by_label("Expires").select_option(label="In 90 days")
    where.get_by_role("button", name="Create key").click()
    expect(where.get_by_text("it is shown only once")).to_be_visible()
    key = where.locator(".key")
    expect(key).to_have_text(key_pattern("kfu_"))
    named = key.inner_text().strip()
    assert api_status(live_server, EMAIL, named) == 200
    expect(where.get_by_role("link", name="Download zuliprc", exact=True)).to_be_visible()

    if not javascript:
        browser_page.reload()
        expect(browser_page.get_by_text("This key was shown once")).to_be_visible()
        assert named not in browser_page.content()
    back_to_account(browser_page, javascript)
    expect(key_row(browser_page, "CI deploy")).to_contain_text(f"…{named[-4:]}")
    assert named not in browser_page.content() and primary not in browser_page.content()

    browser_page.get_by_role("link", name=f"Revoke the key …{named[-4:]}").click()
    where = step(browser_page, javascript)
    expect(where.get_by_text("Revoke the key “CI deploy”?")).to_be_visible()
    where.get_by_role("button", name="Confirm").click()
    expect(browser_page.locator("dialog[open]")).to_have_count(0)
    expect(key_row(browser_page, "CI deploy")).to_have_count(0)
    assert api_status(live_server, EMAIL, named) == 401
    assert api_status(live_server, EMAIL, primary) == 200


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_rolling_with_a_24_hour_overlap_then_revoking_the_old_key(
    page: Page, page_without_js: Page, live_server: str, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    old = reveal_own_key(browser_page, javascript)
    where = step(browser_page, javascript)
    where.get_by_role("link", name="Generate new API key").click()
    where.get_by_label("The old key stops working").select_option(label="In 24 hours")
    where.get_by_role("button", name="Confirm").click()
    expect(where.get_by_text("The old key works until")).to_be_visible()
    new = where.locator(".key").inner_text().strip()
    assert new != old
    assert api_status(live_server, EMAIL, old) == 200
    assert api_status(live_server, EMAIL, new) == 200

    back_to_account(browser_page, javascript)
    row = key_row(browser_page, "Replaced key")
    expect(row).to_contain_text(f"…{old[-4:]}")
    expect(row).to_contain_text("in 1 day")
    row.get_by_role("link", name="Revoke").click()
    step(browser_page, javascript).get_by_role("button", name="Confirm").click()
    expect(key_row(browser_page, "Replaced key")).to_have_count(0)
    assert api_status(live_server, EMAIL, old) == 401
    assert api_status(live_server, EMAIL, new) == 200


def test_the_key_lifecycle_states_are_accessible(page: Page) -> None:
    register_and_log_in(page)
    reveal_own_key(page, javascript=True)
    back_to_account(page, javascript=True)
    states: dict[str, list[str]] = {}
    page.get_by_role("link", name="Create a named key").click()
    dialog = step(page, True)
    dialog.get_by_role("button", name="Create key").click()
    expect(dialog.get_by_text("Enter a name for the key.")).to_be_visible()
    states["named key form error"] = serious_violations(page)
    dialog.get_by_label("Name").fill("CI")
    dialog.get_by_role("button", name="Create key").click()
    expect(dialog.locator(".key")).to_be_visible()
    states["named key shown"] = serious_violations(page)
    back_to_account(page, javascript=True)
    states["key list"] = serious_violations(page)
    page.get_by_role("link", name="Revoke all my keys").click()
    expect(step(page, True).get_by_role("button", name="Confirm")).to_be_visible()
    states["revoke all"] = serious_violations(page)
    assert {state: found for state, found in states.items() if found} == {}
