"""An authenticator app in a real browser, with and without JavaScript, and in Simplified
Chinese: adding it (the QR code, the secret, a first code), the recovery codes shown once,
then logging in again with a code; every page free of serious accessibility problems."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Problems, open_context
from tests.browser.test_accessibility import serious_violations
from tests.helpers.live import serve
from tests.helpers.users import PASSWORD, MakeUser

EMAIL = "grace@example.com"
STEP_SECONDS = 30


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    MakeUser(app)(EMAIL, "Grace Hopper")
    with serve(app) as url:
        yield url


def next_code(secret: str) -> str:
    """The app's code of the step after this one: the step of the code just used is spent,
    and a code one step ahead is accepted (a phone's clock may run ahead)."""
    now = datetime.now(UTC).timestamp() + STEP_SECONDS
    return pyotp.TOTP(secret).at(now)


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def add_the_app(page: Page, *, javascript: bool = True) -> str:
    """Add an authenticator app from Account & privacy; its secret. (axe runs in the page's
    JavaScript: only where it is on.)"""
    log_in(page)
    page.get_by_role("link", name="Add an authenticator app").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the secret below")).to_be_visible()
    assert not javascript or serious_violations(page) == []
    secret = "".join(page.locator("#totp-secret").inner_text().split())
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 unused recovery codes.")).to_be_visible()
    return secret


def log_in_again_with_a_code(page: Page, secret: str, *, javascript: bool = True) -> None:
    page.get_by_role("button", name="Log out").click()
    log_in(page)
    expect(
        page.get_by_role("heading", name="Enter a code from your authenticator app")
    ).to_be_visible()
    assert not javascript or serious_violations(page) == []
    page.get_by_label("Code").fill(next_code(secret))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Account & privacy")).to_be_visible()


def test_adding_an_app_and_logging_in_with_javascript(page: Page) -> None:
    log_in_again_with_a_code(page, add_the_app(page))


def test_adding_an_app_and_logging_in_without_javascript(page_without_js: Page) -> None:
    secret = add_the_app(page_without_js, javascript=False)
    log_in_again_with_a_code(page_without_js, secret, javascript=False)


def test_the_second_step_in_chinese(
    browser: Browser, live_server: str, problems: Problems, page: Page
) -> None:
    secret = add_the_app(page)
    context = open_context(browser, live_server, problems, locale="zh-CN")
    chinese = context.new_page()
    chinese.goto("/login")
    chinese.get_by_label("电子邮件").fill(EMAIL)
    chinese.get_by_label("密码").fill(PASSWORD)
    chinese.get_by_role("button", name="登录").click()
    expect(chinese.get_by_role("heading", name="输入验证器应用中的验证码")).to_be_visible()
    chinese.get_by_label("验证码").fill(next_code(secret))
    chinese.get_by_role("button", name="登录").click()
    expect(chinese.get_by_role("heading", name="账户与隐私")).to_be_visible()
    context.close()
