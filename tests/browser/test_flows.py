"""Every flow in a real browser, with and without JavaScript, asserting what the user sees."""

import re
import tomllib
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.helpers.rc import ini_values
from tests.helpers.users import PASSWORD

EMAIL = "grace@example.com"


def register_and_log_in(page: Page, javascript: bool = True) -> None:
    page.goto("/register")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Account & privacy")).to_be_visible()
    if javascript:
        enhanced(page)


def enhanced(page: Page) -> None:
    """Wait until keyfob.js has taken over the page, so a dialog link opens the dialog."""
    expect(page.locator("html[data-enhanced]")).to_be_attached()


def step(page: Page, javascript: bool) -> Locator:
    """Where a key step shows: the dialog with JavaScript, the page without."""
    return page.locator("dialog[open]") if javascript else page.locator("[data-panel]")


def reveal_own_key(page: Page, javascript: bool) -> str:
    """Flow 1 from the account page: wrong password, then the right one; returns the key."""
    if javascript:  # a click before the script has taken over would follow the plain link
        expect(page.locator("html[data-enhanced]")).to_be_attached()
    page.get_by_role("link", name="Manage your API key").click()
    where = step(page, javascript)
    expect(where.get_by_text("Re-enter your password to confirm your identity.")).to_be_visible()
    where.get_by_label("Password").fill("not my password")
    where.get_by_role("button", name="Show my API key").click()
    expect(where.get_by_text("Password is incorrect")).to_be_visible()
    expect(where.get_by_role("button", name="Show my API key")).to_be_visible()
    where.get_by_label("Password").fill(PASSWORD)
    where.get_by_role("button", name="Show my API key").click()
    key = where.locator(".key")
    expect(key).to_have_text(key_pattern("kfu_"))
    return key.inner_text().strip()


def key_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix) + "[0-9A-Za-z]{36}$")


def download_rc(page: Page, link: Locator, tmp_path: Path) -> dict[str, str]:
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "zuliprc"
    saved = tmp_path / "zuliprc"
    download.value.save_as(saved)
    document = tomllib.loads(saved.read_text())
    assert list(document) == ["api"]
    return dict(document["api"])


def api_status(live_server: str, email: str, key: str) -> int:
    return httpx.get(f"{live_server}/api/v1/users/me", auth=(email, key)).status_code


# 1 and 6: register, log in, the password step, the key


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_revealing_ones_own_key(page: Page, page_without_js: Page, javascript: bool) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    key = reveal_own_key(browser_page, javascript)
    assert key.startswith("kfu_")


# 2: Copy


def test_copy_puts_exactly_the_key_on_the_clipboard(page: Page) -> None:
    register_and_log_in(page)
    key = reveal_own_key(page, javascript=True)
    dialog = step(page, True)
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_text("Copied!")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key


# 3 and 6: Download zuliprc


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_downloaded_zuliprc_parses_to_the_right_values(
    page: Page, page_without_js: Page, live_server: str, tmp_path: Path, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    key = reveal_own_key(browser_page, javascript)
    link = step(browser_page, javascript).get_by_role("link", name="Download zuliprc", exact=True)
    assert download_rc(browser_page, link, tmp_path) == {
        "email": EMAIL,
        "key": key,
        "site": live_server,
    }


def test_the_zuliprc_for_the_zulip_package_reads_back_through_configparser(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    register_and_log_in(page)
    key = reveal_own_key(page, javascript=True)
    link = step(page, True).get_by_role(
        "link", name="Download zuliprc for the zulip Python package", exact=True
    )
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "zuliprc"
    download.value.save_as(tmp_path / "zuliprc")
    rc = ini_values((tmp_path / "zuliprc").read_text())
    assert rc == {"email": EMAIL, "key": key, "site": live_server}


# 4: Generate new API key, Cancel then Confirm


def test_regenerating_cancel_then_confirm(page: Page, live_server: str) -> None:
    register_and_log_in(page)
    old_key = reveal_own_key(page, javascript=True)
    dialog = step(page, True)
    dialog.get_by_role("link", name="Generate new API key").click()
    expect(dialog.get_by_text("Any script or integration still using the old key")).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog.locator(".key")).to_have_text(old_key)
    assert api_status(live_server, EMAIL, old_key) == 200
    dialog.get_by_role("link", name="Generate new API key").click()
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_text("Your new API key is ready.")).to_be_visible()
    new_key = dialog.locator(".key").inner_text().strip()
    assert new_key != old_key and new_key.startswith("kfu_")
    assert api_status(live_server, EMAIL, old_key) == 401
    assert api_status(live_server, EMAIL, new_key) == 200


# 5 and 6: Your bots


def bot_card(page: Page, name: str, inactive: bool = False) -> Locator:
    selector = "li.bot.inactive" if inactive else "li.bot:not(.inactive)"
    return page.locator(selector, has_text=name)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_bot_lifecycle(
    page: Page, page_without_js: Page, live_server: str, tmp_path: Path, javascript: bool
) -> None:
    browser_page = page if javascript else page_without_js
    register_and_log_in(browser_page, javascript)
    browser_page.get_by_role("link", name="Your bots").click()
    expect(browser_page.get_by_text("You have no active bots.")).to_be_visible()

    browser_page.get_by_label("Full name").fill("Weather Bot")
    browser_page.get_by_label("Username").fill("Weather_Bot")
    browser_page.get_by_role("button", name="Create bot").click()
    expect(browser_page.get_by_text("Use 1 to 40 lower-case letters")).to_be_visible()
    browser_page.get_by_label("Username").fill("weather")
    browser_page.get_by_role("button", name="Create bot").click()
    expect(browser_page.get_by_role("heading", name="Weather Bot is ready")).to_be_visible()
    first_key = browser_page.locator("#new-bot-key").inner_text().strip()
    email = "weather-bot@localhost"  # an IP-address host is no email domain
    assert api_status(live_server, email, first_key) == 200

    browser_page.get_by_role("link", name="Your bots").click()
    bot_card(browser_page, "Weather Bot").get_by_role("link", name="Show key").click()
    where = step(browser_page, javascript)
    expect(where.locator(".key")).to_have_text(first_key)
    if javascript:
        where.get_by_role("button", name="Copy").click()
        assert browser_page.evaluate("navigator.clipboard.readText()") == first_key
        where.get_by_role("button", name="Close").click()
    else:
        browser_page.get_by_role("link", name="Back to Your bots").click()

    bot_card(browser_page, "Weather Bot").get_by_role("link", name="Generate new API key").click()
    where = step(browser_page, javascript)
    where.get_by_role("button", name="Confirm").click()
    expect(where.get_by_text("The bot's new API key is ready.")).to_be_visible()
    second_key = where.locator(".key").inner_text().strip()
    assert second_key != first_key
    assert api_status(live_server, email, first_key) == 401
    assert api_status(live_server, email, second_key) == 200
    rc = download_rc(
        browser_page, where.get_by_role("link", name="Download zuliprc", exact=True), tmp_path
    )
    assert rc == {"email": email, "key": second_key, "site": live_server}
    if javascript:
        where.get_by_role("button", name="Close").click()
    else:
        browser_page.get_by_role("link", name="Back to Your bots").click()

    bot_card(browser_page, "Weather Bot").get_by_role("link", name="Deactivate").click()
    step(browser_page, javascript).get_by_role("button", name="Confirm").click()
    expect(browser_page.get_by_text("Weather Bot is deactivated.")).to_be_visible()
    expect(bot_card(browser_page, "Weather Bot", inactive=True)).to_be_visible()
    assert api_status(live_server, email, second_key) == 401

    bot_card(browser_page, "Weather Bot", inactive=True).get_by_role(
        "button", name="Reactivate"
    ).click()
    expect(browser_page.get_by_text("Weather Bot is active again")).to_be_visible()
    expect(bot_card(browser_page, "Weather Bot")).to_be_visible()
    assert api_status(live_server, email, second_key) == 200


# 7: a phone-sized screen


def assert_fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_a_390_pixel_screen_reaches_every_control(phone_page: Page) -> None:
    register_and_log_in(phone_page)
    assert_fits(phone_page)
    phone_page.get_by_role("link", name="Your bots").click()
    phone_page.get_by_label("Full name").fill("A bot with a rather long name for a phone screen")
    phone_page.get_by_label("Username").fill("a-very-long-bot-username-for-wrap-tests")
    phone_page.get_by_role("button", name="Create bot").click()
    expect(phone_page.locator("#new-bot-key")).to_be_visible()
    assert_fits(phone_page)
    phone_page.get_by_role("link", name="Your bots").click()
    card = phone_page.locator("li.bot").first
    for control in card.locator("a, button").all():
        control.scroll_into_view_if_needed()
        expect(control).to_be_visible()
        assert control.bounding_box() is not None
    assert_fits(phone_page)
    phone_page.get_by_role("link", name="Account & privacy").click()
    reveal_own_key(phone_page, javascript=True)
    dialog = step(phone_page, True)
    for name in ("Copy", "Close"):
        expect(dialog.get_by_role("button", name=name)).to_be_in_viewport()
    links = ("Download zuliprc", "Download zuliprc for the zulip Python package")
    for name in (*links, "Generate new API key"):
        expect(dialog.get_by_role("link", name=name, exact=True)).to_be_in_viewport()
    assert_fits(phone_page)
