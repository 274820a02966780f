"""An administrator may see a bot's key, as in Zulip: only after re-entering their password
(the same window as for their own key), never cached, audited as its own event, and the
bot's owner is emailed about it."""

from flask import Flask

from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.organization import ORG, bot_of, organization
from tests.helpers.users import PASSWORD
from tests.helpers.web import field_error, key_in, post_form


def test_the_key_waits_for_the_password(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    page = people.admin_browser.get(f"{ORG}/bots/{bot.id}/key").get_data(as_text=True)
    assert "Re-enter your password" in page and bot.key not in page


def test_a_wrong_password_shows_no_key(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/key"
    answer = post_form(people.admin_browser, path, {"password": "wrong"})
    assert field_error(answer, "password") == "Password is incorrect"
    assert bot.key not in answer.get_data(as_text=True)


def test_after_the_password_the_key_is_shown_uncached(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/key"
    answer = post_form(people.admin_browser, path, {"password": PASSWORD})
    assert answer.status_code == 302 and answer.location == path
    shown = people.admin_browser.get(path)
    assert key_in(shown.get_data(as_text=True)) == bot.key
    assert "no-store" in shown.headers["Cache-Control"]


def test_the_reveal_is_audited_with_the_administrator_as_actor(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/key"
    post_form(people.admin_browser, path, {"password": PASSWORD})
    people.admin_browser.get(path)
    log = people.admin_browser.get(
        f"{ORG}/audit", query_string={"event": "bot_key_revealed_by_admin"}
    ).get_data(as_text=True)
    row = log.split('data-event="bot_key_revealed_by_admin"', 1)[1].split("</tr>")[0]
    assert "Adam Admin" in row and "Weather Bot" in row


def test_the_bots_owner_is_emailed(mail_app: Flask, smtp: SmtpServer) -> None:
    people = organization(mail_app)
    bot = bot_of(people.member_browser)
    deliver(mail_app)
    before = len(smtp.received)
    path = f"{ORG}/bots/{bot.id}/key"
    post_form(people.admin_browser, path, {"password": PASSWORD})
    people.admin_browser.get(path)
    deliver(mail_app)
    [notice] = smtp.received[before:]
    assert notice["To"] == "member@example.com"
    assert notice["Subject"] == "An administrator was shown your bot's API key"
    body = body_of(notice)
    assert "Adam Admin" in body and f"ends in {bot.key[-4:]}" in body
    assert bot.key not in notice.as_string()


def test_an_administrator_cannot_see_an_owners_bot_key(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.owner_browser)
    path = f"{ORG}/bots/{bot.id}/key"
    post_form(people.admin_browser, path, {"password": PASSWORD})
    answer = people.admin_browser.get(path, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert bot.key not in page and "Only an owner may act on an owner" in page
