"""Security notices of actions on keys: a named key or a bot created, a bot's key
regenerated, every key revoked. Each reaches the owner (a bot's owner) through the pages and
the API alike, says what, when and from where, names the key by hint only, and carries a
"This wasn't me" link."""

from collections.abc import Callable

from flask import Flask

from tests.helpers.api import API, api_create_bot, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.keys import REVOKE_ALL, create_named_key
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, not_me_link, the_notice, update_user
from tests.helpers.users import MakeUser
from tests.helpers.web import BOTS, create_bot, post_form, reauthed_client

AGENT = {"User-Agent": "deploy-tool/2.0"}


def test_a_named_key_made_in_the_pages_is_told_by_name_and_hint(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    made = create_named_key(reauthed_client(mail_app, ada.email), name="CI deploy")
    body = the_notice(mail_app, smtp, "New API key created")
    named = "A new API key named “CI deploy” was made for “Ada Lovelace”."
    assert f"{named} It ends in {made.key[-4:]}." in body
    assert "It does not expire." in body
    assert "IP address: 127.0.0.1" in body
    assert made.key not in body


def test_a_named_key_made_through_the_api_is_told_with_its_expiry(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    response = client.post(
        f"{API}/users/me/keys",
        data={"name": "nightly", "expires_in_days": "30"},
        auth=(ada.email, ada.key),
        headers=AGENT,
    )
    made = api_ok(response)
    body = the_notice(mail_app, smtp, "New API key created")
    assert f"ends in {made['key_hint']}" in body
    assert f"It expires at {str(made['expires_at'])[:10]}" in body
    assert "Browser or program: “deploy-tool/2.0”" in body
    assert str(made["api_key"]) not in body


def test_a_bots_named_key_is_told_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    client = mail_app.test_client()
    bot = api_ok(api_create_bot(client, owner, "Relay", "relay"))
    api_ok(create_key(client, (owner.email, owner.key), "ci", f"/bots/{bot['user_id']}"))
    [message] = delivered(mail_app, smtp, "New API key created")
    assert message["To"] == "owner@example.com"


def test_a_bot_made_in_the_pages_is_told_with_its_keys_hint(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    bot = create_bot(reauthed_client(mail_app, owner.email), "Weather Bot", "weather")
    body = the_notice(mail_app, smtp, "New bot created")
    assert f"A new bot, “Weather Bot” ({bot.email}), was created." in body
    assert f"Its API key ends in {bot.key[-4:]}." in body
    assert bot.key not in body


def test_a_bot_made_through_the_api_is_told_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    bot = api_ok(api_create_bot(mail_app.test_client(), owner, "Relay", "relay"))
    [message] = delivered(mail_app, smtp, "New bot created")
    assert message["To"] == "owner@example.com"
    assert str(bot["api_key"])[-4:] in message.as_string()
    assert str(bot["api_key"]) not in message.as_string()


def test_a_bots_key_regenerated_in_the_pages_is_told(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    browser = reauthed_client(mail_app, owner.email)
    bot = create_bot(browser)
    post_form(browser, BOTS, {}, action=f"{BOTS}/{bot.id}/regenerate")
    body = the_notice(mail_app, smtp, "API key regenerated")
    assert "A new API key was made for “Weather Bot”." in body


def test_revoking_everything_is_told_once_however_many_keys(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = reauthed_client(mail_app, ada.email)
    create_bot(browser, "One", "one")
    create_bot(browser, "Two", "two")
    create_named_key(browser)
    post_form(browser, REVOKE_ALL, {})
    body = the_notice(mail_app, smtp, "All your API keys were revoked")
    assert "New primary keys replace them, for you and 2 bots" in body
    assert not_me_link(body)


def test_revoking_everything_from_the_command_line_is_told_once_without_a_link(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    create_bot(reauthed_client(mail_app, ada.email))
    result = mail_app.test_cli_runner().invoke(args=["keys", "revoke-all", ada.email])
    assert result.exit_code == 0, result.output
    body = the_notice(mail_app, smtp, "All your API keys were revoked")
    assert "An administrator revoked every API key of yours and of your bots." in body
    assert "IP address" not in body and "/not-me" not in body


def test_each_notice_of_an_action_links_to_the_site(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), "ci"))
    site, path = not_me_link(the_notice(mail_app, smtp, "New API key created"))
    assert site == "http://localhost" and path.startswith("/not-me?token=")


def test_the_link_names_the_configured_site_url(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(SITE_URL="https://keys.example.com", **smtp.settings())
    ada = MakeUser(app)("ada@example.com")
    api_ok(api_create_bot(app.test_client(), ada, "Relay", "relay"))
    site, _path = not_me_link(the_notice(app, smtp, "New bot created"))
    assert site == "https://keys.example.com"


def test_the_notices_are_in_the_recipients_language(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    update_user(mail_app, owner.id, language="zh_Hans")
    client = mail_app.test_client()
    bot = api_ok(api_create_bot(client, owner, "Relay", "relay"))
    api_ok(create_key(client, (owner.email, owner.key), "ci"))
    mail_app.test_cli_runner().invoke(args=["keys", "revoke-all", owner.email])
    subjects = {m["Subject"]: m for m in delivered(mail_app, smtp)}
    assert set(subjects) == {"已创建新机器人", "已创建新的 API 密钥", "你的所有 API 密钥已被撤销"}
    bot_notice = body_of(subjects["已创建新机器人"])
    assert "如果这不是你" in bot_notice and str(bot["api_key"])[-4:] in bot_notice
