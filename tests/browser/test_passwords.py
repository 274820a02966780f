"""Changing a password and resetting a forgotten one in a real browser, with and without
JavaScript: the forms, the emailed link, and logging in with the new password."""

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import serious_violations
from tests.helpers.live import serve
from tests.helpers.mail import SmtpServer, deliver
from tests.helpers.passwords import NEW_PASSWORD, reset_link_in
from tests.helpers.users import PASSWORD, MakeUser

EMAIL = "grace@example.com"


@pytest.fixture
def live_server(mail_app: Flask) -> Iterator[str]:
    """The browser fixtures' server, sending its mail to the test's SMTP server."""
    MakeUser(mail_app)(EMAIL, "Grace Hopper")
    with serve(mail_app) as url:
        yield url


def log_in(page: Page, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Account & privacy")).to_be_visible()


def change_password(page: Page) -> None:
    log_in(page)
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_label("Sign out of all my other sessions")).to_be_checked()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password is incorrect")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed, and your other sessions")).to_be_visible()
    expect(page.get_by_role("cell", name="Password changed", exact=True)).to_be_visible()


def reset_password(page: Page, mail_app: Flask, smtp: SmtpServer) -> None:
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    deliver(mail_app)
    page.goto(reset_link_in(smtp.received[-1]))
    expect(page).to_have_url(re.compile(r"/password/reset$"))  # the token left the address bar
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("Your new password is set")).to_be_visible()
    log_in(page, NEW_PASSWORD)


def test_change_password_with_javascript(page: Page, mail_app: Flask, smtp: SmtpServer) -> None:
    change_password(page)


def test_change_password_without_javascript(
    page_without_js: Page, mail_app: Flask, smtp: SmtpServer
) -> None:
    change_password(page_without_js)


def test_reset_password_with_javascript(page: Page, mail_app: Flask, smtp: SmtpServer) -> None:
    reset_password(page, mail_app, smtp)


def test_reset_password_without_javascript(
    page_without_js: Page, mail_app: Flask, smtp: SmtpServer
) -> None:
    reset_password(page_without_js, mail_app, smtp)


def test_the_api_key_password_step_leads_to_the_reset(page: Page) -> None:
    log_in(page)
    expect(page.locator("html[data-enhanced]")).to_be_attached()
    page.get_by_role("link", name="Manage your API key").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()


def test_the_password_pages_are_accessible(page: Page) -> None:
    log_in(page)
    page.goto("/settings/account/password")
    states = {"change form": serious_violations(page)}
    page.goto("/password/forgot")
    states["forgot form"] = serious_violations(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Email me a reset link").click()
    states["check your email"] = serious_violations(page)
    assert {state: found for state, found in states.items() if found} == {}
