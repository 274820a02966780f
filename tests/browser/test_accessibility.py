"""axe-core finds no serious or critical accessibility problem in any settings state."""

from typing import Any, Literal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_flows import register_and_log_in, step
from tests.helpers.users import PASSWORD

AXE = Axe()
ORGANIZATION_PAGES = ("users", "bots", "orphans", "policies", "audit")


def serious_violations(page: Page) -> list[str]:
    results: dict[str, Any] = AXE.run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_settings_state_is_accessible(page: Page, scheme: Literal["light", "dark"]) -> None:
    page.emulate_media(color_scheme=scheme)
    register_and_log_in(page)
    states: dict[str, list[str]] = {"account page": serious_violations(page)}

    page.get_by_role("link", name="Manage your API key").click()
    dialog = step(page, True)
    expect(dialog.get_by_label("Password")).to_be_visible()
    states["password step"] = serious_violations(page)
    dialog.get_by_label("Password").fill("wrong password")
    dialog.get_by_role("button", name="Show my API key").click()
    expect(dialog.get_by_text("Password is incorrect")).to_be_visible()
    states["password error"] = serious_violations(page)
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Show my API key").click()
    expect(dialog.locator(".key")).to_be_visible()
    states["key shown"] = serious_violations(page)
    dialog.get_by_role("link", name="Generate new API key").click()
    expect(dialog.get_by_role("button", name="Confirm")).to_be_visible()
    states["confirm dialog"] = serious_violations(page)
    dialog.get_by_role("button", name="Close").click()

    page.get_by_role("link", name="Create a decoy key").click()
    expect(dialog.get_by_label("Name", exact=True)).to_be_visible()
    states["decoy form"] = serious_violations(page)
    dialog.get_by_label("Name", exact=True).fill("Team wiki")
    dialog.get_by_role("button", name="Create decoy").click()
    expect(dialog.locator(".key")).to_be_visible()
    states["decoy shown"] = serious_violations(page)
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("[data-live='decoys'] tbody tr")).to_have_count(1)
    states["account page with a decoy"] = serious_violations(page)

    page.get_by_role("link", name="Your bots").click()
    states["empty bots list"] = serious_violations(page)
    for name, username in (("Weather Bot", "weather"), ("Deploy Bot", "deploy")):
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Username").fill(username)
        page.get_by_role("button", name="Create bot").click()
    states["bot created"] = serious_violations(page)
    page.get_by_role("link", name="Your bots").click()
    states["bots list"] = serious_violations(page)
    page.get_by_role("link", name="Edit").first.click()
    expect(step(page, True).get_by_role("button", name="Save")).to_be_visible()
    states["edit bot dialog"] = serious_violations(page)
    for section in ORGANIZATION_PAGES:  # the first person registered owns the organization
        opened = page.goto(f"/settings/organization/{section}")
        assert opened is not None and opened.status == 200, section
        states[f"organization {section}"] = serious_violations(page)
    page.goto("/login")
    states["login page"] = serious_violations(page)

    assert {state: found for state, found in states.items() if found} == {}
