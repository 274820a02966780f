"""A key's usage in a real browser: the chart drawn on the server is shown as an image with
its description, every number is in the table, the page passes axe in light and dark, and
Narrow this key to these scopes makes, in the dialog, a key that works only where the old
one was used."""

from typing import Literal

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import serious_violations
from tests.browser.test_flows import EMAIL, register_and_log_in, reveal_own_key, step
from tests.browser.test_key_lifecycle import back_to_account


def a_named_key_used_on_the_profile_route(live_server: str, primary: str) -> str:
    made = httpx.post(
        f"{live_server}/api/v1/users/me/keys", data={"name": "Deploy"}, auth=(EMAIL, primary)
    )
    key = str(made.json()["api_key"])
    for _ in range(3):
        assert httpx.get(f"{live_server}/api/v1/users/me", auth=(EMAIL, key)).status_code == 200
    assert httpx.get(f"{live_server}/api/v1/users", auth=(EMAIL, key)).status_code == 200
    return key


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_usage_page_draws_the_calls_and_passes_axe(
    page: Page, live_server: str, scheme: Literal["light", "dark"]
) -> None:
    page.emulate_media(color_scheme=scheme)
    register_and_log_in(page)
    primary = reveal_own_key(page, True)
    back_to_account(page, True)
    key = a_named_key_used_on_the_profile_route(live_server, primary)
    page.reload()
    page.get_by_role("link", name=f"Usage of the key …{key[-4:]}").click()
    chart = page.get_by_role("img", name="Calls a day")
    expect(chart).to_be_visible()
    expect(page.locator("#usage-chart rect.accepted")).to_have_count(1)
    expect(page.locator("#usage-days tbody tr").first).to_contain_text("4")
    expect(page.locator("#used-for")).to_contain_text("profile:read")
    assert serious_violations(page) == []


def test_narrowing_in_the_dialog_makes_a_key_for_only_what_was_used(
    page: Page, live_server: str
) -> None:
    register_and_log_in(page)
    primary = reveal_own_key(page, True)
    back_to_account(page, True)
    key = a_named_key_used_on_the_profile_route(live_server, primary)
    page.reload()
    page.get_by_role("link", name=f"Usage of the key …{key[-4:]}").click()
    expect(page.locator("html[data-enhanced]")).to_be_attached()
    page.get_by_role("link", name="Narrow this key to these scopes").click()
    where = step(page, True)
    expect(where).to_contain_text("profile:read")
    where.get_by_role("button", name="Confirm").click()
    narrowed = where.locator(".key").inner_text().strip()
    assert narrowed != key
    me = httpx.get(f"{live_server}/api/v1/users/me", auth=(EMAIL, narrowed))
    assert me.json()["key"]["scopes"] == ["profile:read", "users:read"]
    assert httpx.get(f"{live_server}/api/v1/bots", auth=(EMAIL, narrowed)).status_code == 403
