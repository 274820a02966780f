"""Passkeys in real Chromium, with its virtual authenticator (the DevTools protocol's
WebAuthn domain, through a CDP session): adding one, logging in with it, entering the
re-authentication window with it alone, removing it; a browser whose authenticator does not
hold it is refused; without JavaScript the pages say passkeys need it."""

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Problems, open_context
from tests.browser.test_accessibility import serious_violations
from tests.helpers.live import serve
from tests.helpers.users import PASSWORD, MakeUser

EMAIL = "grace@example.com"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """On ``localhost``: a passkey's site is a name (WebAuthn refuses an IP address)."""
    MakeUser(app)(EMAIL, "Grace Hopper")
    with serve(app) as url:
        yield url.replace("127.0.0.1", "localhost")


def with_authenticator(context: BrowserContext) -> Page:
    """A page of ``context`` whose browser has a platform authenticator of its own (empty),
    that verifies its user and is touched at once."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options: dict[str, Any] = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return page


@pytest.fixture
def device_page(browser: Browser, live_server: str, problems: Problems) -> Iterator[Page]:
    context = open_context(browser, live_server, problems)
    yield with_authenticator(context)
    context.close()


def log_in(page: Page) -> None:
    page.goto("/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def add_a_passkey(page: Page, name: str) -> None:
    log_in(page)
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    assert serious_violations(page) == []
    expect(page.get_by_text("Passkeys need JavaScript")).to_be_hidden()
    page.get_by_label("Name of the passkey").fill(name)
    page.get_by_role("button", name="Add the passkey").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator("#passkeys")).to_contain_text(name)


def log_in_with_the_passkey(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    log_in(page)
    expect(page.get_by_role("heading", name="Confirm it is you with your passkey")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Account & privacy")).to_be_visible()


def test_a_passkey_is_added_logs_in_opens_the_window_and_is_removed(device_page: Page) -> None:
    page = device_page
    add_a_passkey(page, "Work laptop")
    log_in_with_the_passkey(page)
    page.get_by_role("link", name="Manage your API key").click()
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#api-key-value")).to_be_visible()
    page.goto("/settings/account")
    page.get_by_role("link", name="Remove the passkey Work laptop").click()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The passkey is removed.")).to_be_visible()
    expect(page.locator("#passkeys")).to_have_count(0)


def test_a_browser_without_the_passkey_is_refused(
    device_page: Page, browser: Browser, live_server: str, problems: Problems
) -> None:
    add_a_passkey(device_page, "Work laptop")
    other = open_context(browser, live_server, problems)
    try:
        page = with_authenticator(other)
        log_in(page)
        page.get_by_role("button", name="Use a passkey").click()
        expect(page.get_by_role("status")).to_contain_text("No passkey answered")
        page.goto("/settings/account")  # nobody is logged in
        expect(page.get_by_role("heading", name="Log in to Keyfob")).to_be_visible()
    finally:
        other.close()


def test_without_javascript_the_page_says_passkeys_need_it(page_without_js: Page) -> None:
    page = page_without_js
    log_in(page)
    page.goto("/settings/account/two-factor/passkeys/new")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Passkeys need JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Add the passkey")).to_be_hidden()


def test_a_passkey_in_chinese(browser: Browser, live_server: str, problems: Problems) -> None:
    context = open_context(browser, live_server, problems, locale="zh-CN")
    try:
        page = with_authenticator(context)
        log_in(page)  # the login page's labels: by their ids, the test is about passkeys
        page.get_by_role("link", name="添加通行密钥").click()
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="继续").click()
        page.get_by_label("通行密钥名称").fill("工作笔记本")
        page.get_by_role("button", name="添加该通行密钥").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.goto("/settings/account")
        page.get_by_role("button", name="退出登录").click()
        log_in(page)
        expect(page.get_by_role("heading", name="用你的通行密钥确认是你本人")).to_be_visible()
        page.get_by_role("button", name="使用通行密钥").click()
        expect(page.locator("#passkeys")).to_contain_text("工作笔记本")
    finally:
        context.close()
