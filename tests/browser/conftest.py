"""Browser fixtures: Debian's Chromium driven by Playwright, against the app on a live server.

Playwright cannot download browsers here, so the tests use /usr/bin/chromium (or
KEYFOB_TEST_CHROMIUM). Without it they are skipped, unless KEYFOB_TEST_REQUIRE_BROWSER=1 (as in CI),
when its absence is a failure. Every test fails on a console error or a CSP violation.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

CHROMIUM = os.environ.get("KEYFOB_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("KEYFOB_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Problems:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console: {message.text}")

    def page_error(self, error: Any) -> None:
        self.seen.append(f"page error: {error}")


def open_context(
    browser: Browser, live_server: str, problems: Problems, **options: Any
) -> BrowserContext:
    context = browser.new_context(base_url=live_server, **options)
    if options.get("java_script_enabled", True):
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    # CSP violations are reported to the page as events; collect them too.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    context.on("console", problems.console)
    context.on("weberror", lambda error: problems.page_error(error.error))
    return context


@pytest.fixture
def problems() -> Iterator[Problems]:
    seen = Problems()
    yield seen
    assert seen.seen == [], "the browser reported problems"


@pytest.fixture
def page(browser: Browser, live_server: str, problems: Problems) -> Iterator[Page]:
    context = open_context(browser, live_server, problems)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser: Browser, live_server: str, problems: Problems) -> Iterator[Page]:
    context = open_context(browser, live_server, problems, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser, live_server: str, problems: Problems) -> Iterator[Page]:
    context = open_context(
        browser,
        live_server,
        problems,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()
