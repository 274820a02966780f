"""Who is told when a bot changes hands: the person offered it, the previous owner once it
is gone, and the new owner when an administrator gave it. Offers are notices the receiver
did not cause, so a flood of them is held to the hourly allowance."""

from flask import Flask

from app.people import roles
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import api_ok
from tests.helpers.bot_offers import accept, browser_of
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import delivered, the_notice
from tests.helpers.users import MakeUser


def test_the_person_offered_a_bot_is_told_without_a_link(mail_app: Flask, smtp: SmtpServer) -> None:
    make = MakeUser(mail_app)
    ada, grace = make("ada@example.com", "Ada Lovelace"), make("grace@example.com")
    client = mail_app.test_client()
    bot = new_bot(client, ada, "relay")
    api_ok(update_bot(client, ada, bot.id, bot_owner_id=grace.id))
    [message] = delivered(mail_app, smtp, "A bot was offered to you")
    assert message["To"] == "grace@example.com"
    body = the_notice(mail_app, smtp, "A bot was offered to you")
    assert f"“Ada Lovelace” offered you the bot “Relay” ({bot.email})." in body
    assert "/not-me" not in body


def test_the_previous_owner_is_told_once_the_bot_is_accepted(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    make = MakeUser(mail_app)
    ada, grace = make("ada@example.com"), make("grace@example.com", "Grace Hopper")
    client = mail_app.test_client()
    bot = new_bot(client, ada, "relay")
    api_ok(update_bot(client, ada, bot.id, bot_owner_id=grace.id))
    accept(browser_of(mail_app, grace), bot.id)
    [message] = delivered(mail_app, smtp, "Your bot now belongs to someone else")
    assert message["To"] == "ada@example.com"
    body = the_notice(mail_app, smtp, "Your bot now belongs to someone else")
    assert "now belongs to “Grace Hopper”." in body
    assert "your copies included, no longer works" in body


def test_an_administrators_transfer_tells_both_owners(mail_app: Flask, smtp: SmtpServer) -> None:
    make = MakeUser(mail_app)
    ada, heir = make("ada@example.com"), make("heir@example.com")
    admin = make("admin@example.com", "Ann Admin", role=roles.ADMINISTRATOR)
    client = mail_app.test_client()
    bot = new_bot(client, ada, "relay")
    api_ok(update_bot(client, admin, bot.id, bot_owner_id=heir.id))
    [given] = delivered(mail_app, smtp, "A bot was given to you")
    assert given["To"] == "heir@example.com"
    assert "The administrator “Ann Admin” gave you the bot" in the_notice(
        mail_app, smtp, "A bot was given to you"
    )
    [gone] = delivered(mail_app, smtp, "Your bot now belongs to someone else")
    assert gone["To"] == "ada@example.com"


def test_a_flood_of_offers_is_held_to_the_receivers_hourly_allowance(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    make = MakeUser(mail_app)
    eve, grace = make("eve@example.com"), make("grace@example.com")
    client = mail_app.test_client()
    for number in range(15):
        bot = new_bot(client, eve, f"spam{number}")
        api_ok(update_bot(client, eve, bot.id, bot_owner_id=grace.id))
    to_grace = [m for m in delivered(mail_app, smtp) if m["To"] == "grace@example.com"]
    subjects = sorted(str(message["Subject"]) for message in to_grace)
    assert subjects.count("A bot was offered to you") == 10
    assert len(to_grace) == 11
