"""The API-key reveal flow in Simplified Chinese, in a browser that asks for zh-CN."""

import os
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Problems, open_context
from tests.browser.test_flows import EMAIL, key_pattern
from tests.helpers.users import PASSWORD


def test_the_reveal_flow_in_chinese(
    browser: Browser, live_server: str, problems: Problems, tmp_path: Path
) -> None:
    context = open_context(
        browser, live_server, problems, locale="zh-CN", viewport={"width": 1100, "height": 720}
    )
    page = context.new_page()
    page.goto("/register")
    expect(page.get_by_role("heading", name="创建你的 Keyfob 账户")).to_be_visible()
    page.get_by_label("电子邮件").fill(EMAIL)
    page.get_by_label("全名").fill("Grace Hopper")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="创建账户").click()
    expect(page.get_by_text("你的账户已创建。请登录以继续。")).to_be_visible()
    page.get_by_label("电子邮件").fill(EMAIL)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="账户与隐私")).to_be_visible()
    page.get_by_role("link", name="管理你的 API 密钥").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_text("请重新输入密码以确认你的身份。")).to_be_visible()
    dialog.get_by_label("密码").fill("not my password")
    dialog.get_by_role("button", name="显示我的 API 密钥").click()
    expect(dialog.get_by_text("密码不正确")).to_be_visible()
    dialog.get_by_label("密码").fill(PASSWORD)
    dialog.get_by_role("button", name="显示我的 API 密钥").click()
    expect(dialog.locator(".key")).to_have_text(key_pattern("kfu_"))
    dialog.get_by_role("button", name="复制").click()
    expect(dialog.get_by_text("已复制！")).to_be_visible()
    expect(dialog.get_by_role("link", name="重新生成 API 密钥")).to_be_visible()

    folder = Path(os.environ.get("KEYFOB_TEST_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / "api-key-revealed-zh.png")
    context.close()
