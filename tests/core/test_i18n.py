"""Simplified Chinese: complete catalogs, the locale choice, and what a reader of each sees."""

import gettext
import re

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app.core import db, i18n
from app.core.config import PROJECT_ROOT
from app.core.models import User
from tests.conftest import Clock
from tests.helpers.api import api_me
from tests.helpers.users import Account
from tests.helpers.web import log_in, post_form

ROOT = PROJECT_ROOT
CATALOG = ROOT / "app" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def extracted_messages() -> set[str]:
    """Every string marked for translation in the code and the templates, found afresh."""
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def as_tuple(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def zh_catalog() -> dict[str, Message]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    return {as_tuple(message.id)[0]: message for message in catalog if message.id}


# The catalogs


def test_every_string_in_the_code_has_a_chinese_translation() -> None:
    catalog = zh_catalog()
    missing = sorted(extracted_messages() - set(catalog))
    assert missing == [], "run make extract, then translate these"
    for msgid, message in catalog.items():
        assert all(s.strip() for s in as_tuple(message.string)), f"untranslated: {msgid!r}"
        assert "fuzzy" not in message.flags, f"fuzzy translation for {msgid!r}"


def test_placeholders_survive_translation() -> None:
    for msgid, message in zh_catalog().items():
        expected = set(PLACEHOLDER.findall(msgid))
        for translated in as_tuple(message.string):
            assert set(PLACEHOLDER.findall(translated)) == expected, msgid


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with CATALOG.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, message in zh_catalog().items():
        ids, strings = as_tuple(message.id), as_tuple(message.string)
        if len(ids) == 2:
            assert compiled.ngettext(ids[0], ids[1], 2) == strings[0], "run make translations"
        else:
            assert compiled.gettext(msgid) == strings[0], "run make translations"


# Choosing the language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["zh"], "zh_Hans"),
        (["zh-CN"], "zh_Hans"),
        (["zh-Hans"], "zh_Hans"),
        (["zh-SG"], "zh_Hans"),
        (["zh_CN"], "zh_Hans"),
        (["zh-Hans-CN"], "zh_Hans"),
        (["en-GB", "zh-CN"], "en"),
        (["fr", "zh-CN"], "zh_Hans"),
        (["zh-TW"], "en"),
        (["zh-cmn-Hant"], "en"),
        (["zh-yue"], "en"),
        (["zh-cmn-Hans-CN"], "zh_Hans"),
        (["zh-Hant", "zh-CN"], "zh_Hans"),
        (["fr"], "en"),
        ([], "en"),
    ],
)
def test_browser_languages_map_to_a_catalog(header: list[str], expected: str) -> None:
    assert i18n.from_browser(header) == expected


def test_a_chinese_browser_gets_the_login_page_in_chinese(client: FlaskClient) -> None:
    page = client.get("/login", headers=CHINESE).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert "登录 Keyfob" in page and "电子邮件" in page and "密码" in page


def test_the_quality_values_order_the_browsers_languages(client: FlaskClient) -> None:
    header = {"Accept-Language": "zh-CN;q=0.5, en;q=0.9"}
    assert "Log in to Keyfob" in client.get("/login", headers=header).get_data(as_text=True)


def test_validation_messages_are_translated(client: FlaskClient) -> None:
    token = re.search(r'value="([^"]+)"', client.get("/register").get_data(as_text=True))
    assert token
    response = client.post(
        "/register",
        data={
            "csrf_token": token.group(1),
            "email": "bad",
            "full_name": "",
            "password": "short",
            "confirm": "other",
        },
        headers=CHINESE,
    )
    page = response.get_data(as_text=True)
    assert "请输入有效的电子邮件地址。" in page
    assert "两次输入的密码不一致。" in page
    assert "该字段是必填字段。" in page  # WTForms' own catalog


def test_the_settings_pages_come_back_in_chinese(
    logged_in: FlaskClient, clock: Clock, user: Account
) -> None:
    api_me(logged_in, user.email, user.key)
    clock.advance(minutes=3)
    account = logged_in.get("/settings/account", headers=CHINESE).get_data(as_text=True)
    assert "账户与隐私" in account and "管理你的 API 密钥" in account and "安全日志" in account
    assert "3分钟前" in account.replace(" ", "")
    bots = logged_in.get("/settings/bots", headers=CHINESE).get_data(as_text=True)
    assert "添加新机器人" in bots and "你没有启用中的机器人。" in bots


def test_the_saved_preference_overrides_the_browser(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    response = post_form(
        logged_in, "/settings/account", {"language": "zh_Hans"}, action="/settings/account/language"
    )
    assert response.location == "/settings/account"
    page = logged_in.get("/settings/account", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "语言设置已保存。" in text and "账户与隐私" in text
    with app.app_context():
        assert db.session().get_one(User, user.id).language == "zh_Hans"
    post_form(
        logged_in, "/settings/account", {"language": "en"}, action="/settings/account/language"
    )
    english = logged_in.get("/settings/account", headers=CHINESE).get_data(as_text=True)
    assert "Manage your API key" in english


def test_following_the_browser_can_be_chosen_again(logged_in: FlaskClient) -> None:
    post_form(
        logged_in, "/settings/account", {"language": "zh_Hans"}, action="/settings/account/language"
    )
    post_form(logged_in, "/settings/account", {"language": ""}, action="/settings/account/language")
    english = logged_in.get("/settings/account", headers={"Accept-Language": "en"})
    assert "Manage your API key" in english.get_data(as_text=True)


def test_an_unknown_language_is_a_form_error(logged_in: FlaskClient) -> None:
    response = post_form(
        logged_in, "/settings/account", {"language": "xx"}, action="/settings/account/language"
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_logged_out_pages_follow_the_browser(client: FlaskClient, user: Account) -> None:
    log_in(client, user.email)
    post_form(
        client, "/settings/account", {"language": "zh_Hans"}, action="/settings/account/language"
    )
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/settings/account").get_data(as_text=True)
    )
    assert token
    client.post("/logout", data={"csrf_token": token.group(1)})
    assert "Log in to Keyfob" in client.get("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_api_errors_have_a_chinese_msg_and_the_same_code(client: FlaskClient) -> None:
    english = client.get("/api/v1/users/me").get_json()
    chinese = client.get("/api/v1/users/me", headers=CHINESE).get_json()
    assert chinese["code"] == english["code"] == "UNAUTHORIZED"
    assert chinese["msg"] != english["msg"]
    assert "X-API-Key" in chinese["msg"] and "请使用" in chinese["msg"]


def test_the_zuliprc_never_changes_with_the_language(reauthed: FlaskClient, user: Account) -> None:
    english = reauthed.get("/settings/account/api-key/zuliprc").get_data()
    chinese = reauthed.get("/settings/account/api-key/zuliprc", headers=CHINESE).get_data()
    assert english == chinese


def test_a_language_refused_with_q0_is_not_chosen(client: FlaskClient) -> None:
    header = {"Accept-Language": "zh-CN;q=0, en;q=0.5"}
    assert "Log in to Keyfob" in client.get("/login", headers=header).get_data(as_text=True)


def test_the_login_prompt_and_error_pages_are_chinese_too(client: FlaskClient) -> None:
    client.get("/settings/account", headers=CHINESE)
    page = client.get("/login", headers=CHINESE).get_data(as_text=True)
    assert "请登录后查看此页面。" in page
    missing = client.get("/no/such/page", headers=CHINESE).get_data(as_text=True)
    assert "找不到页面" in missing
    odd = client.get("/static/css/keyfob.css", headers={**CHINESE, "Range": "bytes=999999-"})
    assert odd.status_code == 416
    assert "出错了" in odd.get_data(as_text=True)


def test_the_security_log_speaks_chinese(logged_in: FlaskClient) -> None:
    page = logged_in.get("/settings/account", headers=CHINESE).get_data(as_text=True)
    assert "已登录" in page and "刚刚" in page
