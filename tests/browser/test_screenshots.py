"""The screenshots of the README and the documentation site, taken with the same setup as the
flows.

`make screenshots` writes them into docs/ (KEYFOB_TEST_SCREENSHOTS_DIR); a plain test run writes
them to a temporary folder, so the code that takes them is always exercised.
"""

import os
from pathlib import Path

import httpx
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Problems, open_context
from tests.browser.test_flows import EMAIL, register_and_log_in, step
from tests.helpers.users import PASSWORD, MakeUser


def test_screenshots_of_the_main_states(
    app: Flask, browser: Browser, live_server: str, problems: Problems, tmp_path: Path
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

    # Named keys beside the primary key (the password step above opened the window), one of
    # them used by a script, so the list shows a last use.
    named: dict[str, str] = {}
    for name, lifetime in (("CI deploy", "In 90 days"), ("Grafana", "Never")):
        page.get_by_role("link", name="Create a named key").click()
        dialog = step(page, True)
        dialog.get_by_label("Name").fill(name)
        dialog.get_by_label("Expires").select_option(label=lifetime)
        if name == "Grafana":  # a dashboard reads: the list then shows a narrowed key
            dialog.get_by_role("button", name="Read only").click()
            expect(dialog.get_by_label("Send, edit and delete messages")).not_to_be_checked()
        dialog.get_by_role("button", name="Create key").click()
        named[name] = dialog.locator(".key").inner_text().strip()
        dialog.get_by_role("button", name="Close").click()
        expect(page.locator("dialog[open]")).to_have_count(0)
    used = httpx.get(
        f"{live_server}/api/v1/users/me",
        auth=(EMAIL, named["CI deploy"]),
        headers={"User-Agent": "deploy-script/1.4"},
    )
    assert used.status_code == 200
    page.reload()
    your_keys = page.locator("[data-live='your-keys']")
    expect(your_keys.locator("tbody tr")).to_have_count(3)
    your_keys.screenshot(path=folder / "named-keys.png")

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
    page.emulate_media(color_scheme="light")

    # The Organization tab: the first person to register owns the organization; two more
    # people, made straight in the database, fill its Users list.
    make = MakeUser(app)
    ada = make("ada@example.com", "Ada Lovelace")
    make("alan@example.com", "Alan Turing")
    assert httpx.get(f"{live_server}/api/v1/users/me", auth=(ada.email, ada.key)).is_success
    page.set_viewport_size({"width": 1100, "height": 420})
    page.get_by_role("link", name="Organization").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.locator("tr", has_text="Alan Turing")).to_be_visible()
    page.screenshot(path=folder / "organization-users.png")
    context.close()
    shots = ("api-key-password", "api-key-revealed", "confirm-dialog", "your-bots")
    for name in (*shots, "named-keys", "organization-users"):
        assert (folder / f"{name}.png").stat().st_size > 10_000
