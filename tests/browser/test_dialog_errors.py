"""An error answered inside the dialog is shown there, in place of the step."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import Problems
from tests.browser.test_flows import register_and_log_in


def test_too_many_wrong_passwords_show_the_error_in_the_dialog(
    page: Page, problems: Problems
) -> None:
    register_and_log_in(page)
    page.get_by_role("link", name="Manage your API key").click()
    dialog = page.locator("dialog[open]")
    for _ in range(6):
        dialog.get_by_label("Password").fill("not my password")
        with page.expect_response(lambda response: response.request.method == "POST"):
            dialog.get_by_role("button", name="Show my API key").click()
    expect(dialog.get_by_role("heading", name="Too many attempts")).to_be_visible()
    expect(dialog.get_by_text("Wait a little, then try again.")).to_be_visible()
    # Chromium reports any 4xx fetch on the console; that one, and nothing else, is expected.
    assert len(problems.seen) == 1 and "429" in problems.seen[0]
    problems.seen.clear()
