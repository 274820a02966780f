""" "This wasn't me" in a real browser, with JavaScript on and off: the link from the notice
opens a confirm page, logged out, and its Confirm stops the key."""

import pytest
from flask import Flask
from playwright.sync_api import Page, Request, expect

from tests.helpers.api import API, api_me, api_ok
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import not_me_link, the_notice
from tests.helpers.users import MakeUser


@pytest.fixture
def app(mail_app: Flask) -> Flask:
    """The live server serves an app that sends its mail to the test SMTP server."""
    return mail_app


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_link_in_a_notice_stops_the_key(
    app: Flask, smtp: SmtpServer, page: Page, page_without_js: Page, javascript: bool
) -> None:
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    regenerated = client.post(f"{API}/users/me/api_key/regenerate", auth=(ada.email, ada.key))
    new_key = str(api_ok(regenerated)["api_key"])
    _site, link = not_me_link(the_notice(app, smtp, "API key regenerated"))
    browser_page = page if javascript else page_without_js
    browser_page.goto(link)
    expect(browser_page.locator("h1")).to_have_text("Stop this key?")
    expect(browser_page.locator(".card")).to_contain_text(f"ending in {new_key[-4:]}")
    assert api_me(client, ada.email, new_key).status_code == 200  # opening it changed nothing
    browser_page.get_by_role("button", name="Confirm").click()
    expect(browser_page.locator("h1")).to_have_text("The key is stopped")
    assert api_me(client, ada.email, new_key).status_code == 401
    assert client.get(link).status_code == 400  # used: a 400 page, which a browser would log


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_request_after_the_link_carries_its_token(
    app: Flask, smtp: SmtpServer, page: Page, page_without_js: Page, javascript: bool
) -> None:
    """The token leaves the address bar at once, so no request the page makes (its styles,
    scripts, the Confirm form) names it in a Referer, nor in its own address."""
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    api_ok(client.post(f"{API}/users/me/api_key/regenerate", auth=(ada.email, ada.key)))
    _site, link = not_me_link(the_notice(app, smtp, "API key regenerated"))
    token = link.split("token=", 1)[1]
    browser_page = page if javascript else page_without_js
    requests: list[Request] = []
    browser_page.on("request", lambda request: requests.append(request))
    browser_page.goto(link)
    landed_on = browser_page.url
    browser_page.get_by_role("button", name="Confirm").click()
    expect(browser_page.locator("h1")).to_have_text("The key is stopped")
    assert len(requests) > 3, "the pages loaded nothing: this proves nothing"
    later = requests[1:]  # the first is the link itself
    assert [r.url for r in later if token in (r.header_value("referer") or "")] == []
    assert [r.url for r in later if token in r.url] == []
    assert landed_on.endswith("/not-me")
