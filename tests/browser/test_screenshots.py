"""The README's screenshots, taken with the same setup as the flows.

`make screenshots` writes them into docs/ (KEYFOB_TEST_SCREENSHOTS_DIR); a plain test run writes
them to a temporary folder, so the code that takes them is always exercised.
"""

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Problems, open_context
from tests.browser.test_flows import register_and_log_in, step
from tests.helpers.users import PASSWORD


def test_screenshots_of_the_main_states(
    browser: Browser, live_server: str, problems: Problems, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("KEYFOB_TEST_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = open_context(
        browser,
        live_server,
        problems,
        viewport={"width": 1100, "height": 720},
        device_scale_factor=1,
    )
    page: Page = context.new_page()
    register_and_log_in(page)

    page.get_by_role("link", name="Manage your API key").click()
    dialog = step(page, True)
    expect(dialog.get_by_label("Password")).to_be_focused()
    page.screenshot(path=folder / "api-key-password.png")
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Show my API key").click()
    expect(dialog.locator(".key")).to_be_visible()
    page.screenshot(path=folder / "api-key-revealed.png")
    dialog.get_by_role("link", name="Generate new API key").click()
    expect(dialog.get_by_role("button", name="Confirm")).to_be_visible()
    page.screenshot(path=folder / "confirm-dialog.png")
    dialog.get_by_role("button", name="Close").click()

    page.get_by_role("link", name="Your bots").click()
    for name, username in (("Weather Bot", "weather"), ("Deploy Bot", "deploy")):
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Username").fill(username)
        page.get_by_role("button", name="Create bot").click()
    page.get_by_role("link", name="Your bots").click()
    expect(page.locator("li.bot")).to_have_count(2)
    page.screenshot(path=folder / "your-bots.png", full_page=True)

    page.emulate_media(color_scheme="dark")
    page.screenshot(path=folder / "your-bots-dark.png", full_page=True)
    context.close()
    for name in ("api-key-password", "api-key-revealed", "confirm-dialog", "your-bots"):
        assert (folder / f"{name}.png").stat().st_size > 10_000
