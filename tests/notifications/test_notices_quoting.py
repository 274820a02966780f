"""Text from other people in security notices: names, key names, user agents and a leak
report's source are quoted on one line, and never become a link in a mail reader; the only
links a notice holds are the ones Keyfob made. Read as the recipient reads them, through
the test SMTP server."""

import re
from pathlib import Path

import pytest
from flask import Flask

from app.core import clock, db
from app.core.config import PROJECT_ROOT
from app.core.models import User
from app.notifications import notices
from app.notifications.mail import compose
from app.notifications.mail.compose import Verbatim
from tests.helpers.api import api_create_bot, api_ok
from tests.helpers.api_keys import create_key, regenerate
from tests.helpers.leaks import report_leak
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.notices import delivered, the_notice
from tests.helpers.organization import ORG, bot_of, organization
from tests.helpers.passwords import ask_for_reset
from tests.helpers.users import PASSWORD, MakeUser
from tests.helpers.web import post_form

EVIL = "evil.example"
PHISH = f"https://{EVIL}/keyfob/login"
# A line a stranger would like a notice to hold: it reads as Keyfob's own instruction.
FAKE_LINE = f"Open {PHISH} to keep your key working"
# Where a mail reader finds a link: a scheme, or a host name with a dot.
LINK = re.compile(r"[a-z][a-z0-9+.-]*://\S+|\b(?:[\w-]+\.)+[a-z]{2,}\b", re.IGNORECASE)


def links_in(body: str) -> list[str]:
    """What a mail reader would make a link of, e-mail addresses aside (ours are checked)."""
    return [link for link in LINK.findall(body) if f"@{link}" not in body]


def foreign_links(body: str) -> list[str]:
    """The links of ``body`` that Keyfob did not make (its own are on the site's URL)."""
    return [link for link in links_in(body) if not link.startswith("http://localhost/")]


def set_full_name(app: Flask, user_id: int, full_name: str) -> None:
    """A name stored before the rules refused line breaks (migration 0008 cleans those; a
    notice must not depend on it)."""
    with app.app_context():
        db.session().get_one(User, user_id).full_name = full_name
        db.session().commit()


def test_a_bot_named_as_a_link_is_quoted_and_no_link(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    api_ok(api_create_bot(mail_app.test_client(), owner, FAKE_LINE, "relay"))
    body = the_notice(mail_app, smtp, "New bot created")
    shown = "“Open https[://]evil[.]example/keyfob/login to keep your key working”"
    assert f"A new bot, {shown} (relay-bot@localhost), was created." in body
    assert EVIL not in body and foreign_links(body) == []


def test_a_name_stored_with_a_line_break_stays_on_its_line(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    client = mail_app.test_client()
    bot = api_ok(api_create_bot(client, owner, "Relay", "relay"))
    set_full_name(mail_app, int(str(bot["user_id"])), f"Relay\r\n{FAKE_LINE}\u2028Bcc: x")
    deliver(mail_app)
    smtp.received.clear()
    api_ok(regenerate(client, (owner.email, owner.key), f"/bots/{bot['user_id']}"))
    body = the_notice(mail_app, smtp, "API key regenerated")
    assert not any(line.startswith(("Open", "Bcc")) for line in body.splitlines())
    assert "A new API key was made for “Relay Open https[://]evil[.]example" in body
    assert EVIL not in body


def test_a_user_agent_holding_a_link_is_quoted_and_no_link(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    agent = f"Mozilla/5.0 (compatible; +{PHISH})"
    mail_app.test_client().post(
        "/api/v1/users/me/api_key/regenerate",
        auth=(ada.email, ada.key),
        headers={"User-Agent": agent},
    )
    body = the_notice(mail_app, smtp, "API key regenerated")
    assert (
        "Browser or program: “Mozilla/5.0 (compatible; +https[://]evil[.]example/keyfob/login)”"
        in body
    )
    assert EVIL not in body


def test_a_key_named_as_a_domain_is_quoted_and_no_link(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), f"see www.{EVIL}"))
    body = the_notice(mail_app, smtp, "New API key created")
    assert "A new API key named “see www[.]evil[.]example” was made for “Ada Lovelace”." in body
    assert EVIL not in body


def test_a_leak_reports_source_is_the_reporters_text_and_no_link(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    report_leak(mail_app.test_client(), ada.key, source=PHISH)
    body = the_notice(mail_app, smtp, "API key revoked: reported leaked")
    assert "as the reporter says (not checked" in body
    assert "“https[://]evil[.]example/keyfob/login”" in body
    assert EVIL not in body and foreign_links(body) == []


def test_an_administrators_name_is_quoted_and_no_link(mail_app: Flask, smtp: SmtpServer) -> None:
    people = organization(mail_app)
    bot = bot_of(people.member_browser)
    set_full_name(mail_app, people.admin.id, f"IT support, see {EVIL}")
    deliver(mail_app)
    smtp.received.clear()
    path = f"{ORG}/bots/{bot.id}/key"
    post_form(people.admin_browser, path, {"password": PASSWORD})
    people.admin_browser.get(path)
    body = the_notice(mail_app, smtp, "An administrator was shown your bot's API key")
    assert "The administrator “IT support, see evil[.]example” was shown the API key" in body
    assert EVIL not in body


def test_the_greeting_quotes_the_name_a_stranger_registered_with(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    # An account registered for someone else's address: its reset link goes to them.
    MakeUser(mail_app)("victim@example.com", f"Keyfob security team, {EVIL}")
    ask_for_reset(mail_app.test_client(), "victim@example.com")
    [message] = delivered(mail_app, smtp, "Reset your password")
    body = body_of(message)
    assert body.startswith("Hello “Keyfob security team, evil[.]example”,")
    assert foreign_links(body) == []


def test_keyfobs_own_links_stay_links(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    regenerate(mail_app.test_client(), (ada.email, ada.key))
    body = the_notice(mail_app, smtp, "API key regenerated")
    [link] = links_in(body)
    assert link.startswith("http://localhost/not-me?token=")


def test_a_notice_in_chinese_quotes_alike(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    with mail_app.app_context():
        db.session().get_one(User, ada.id).language = "zh_Hans"
        db.session().commit()
    api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), f"see {EVIL}"))
    [message] = delivered(mail_app, smtp)
    body = body_of(message)
    assert "“see evil[.]example”" in body and "“Ada Lovelace”" in body
    assert EVIL not in body


# Every template, with hostile text in each fact a person or a client chooses: what the
# notices above show for some, this shows for all, a notice added later included.

HOSTILE = f"x\r\n{FAKE_LINE}\u2028Bcc: y"
KEYFOB_LINK = Verbatim("https://keys.example.org/not-me?token=abc")


class _Someone:
    def __init__(self, full_name: str, email: str) -> None:
        self.full_name, self.email = full_name, email


def _facts() -> dict[str, object]:
    someone = _Someone(HOSTILE, "ada@example.com")
    return {
        "recipient": someone,
        "subject_user": someone,
        "when": notices.when(clock.now()),
        "ip": Verbatim("203.0.113.9"),
        "user_agent": HOSTILE,
        "realm": Verbatim("Keyfob"),
        "not_me_url": KEYFOB_LINK,
        "link_hours": 24,
        "hint": Verbatim("abcd"),
        "grace_seconds": 3600,
        "overlap_ends": notices.when(clock.now()),
        "key_name": HOSTILE,
        "expires": notices.when(clock.now()),
        "how": "shown",
        "bots": 2,
        "by_administrator": False,
        "days": 3,
        "source": HOSTILE,
        "replaced": True,
        "token": False,
        "administrator": HOSTILE,
        "reset_url": KEYFOB_LINK,
        "other_sessions_ended": True,
        "keys_replaced": True,
        "link": KEYFOB_LINK,
        "minutes": 60,
        "allowance": 10,
        "bot_name": HOSTILE,
        "bot_email": Verbatim("relay-bot@example.com"),
        "giver": HOSTILE,
        "new_owner": HOSTILE,
        "networks": Verbatim("192.0.2.0/24, 2001:db8::/48"),  # normalized by Keyfob
        "endpoint": Verbatim("GET /api/v1/users/me"),  # a route, never the path typed
        "network": Verbatim("203.0.113.0/24"),  # written by Keyfob
        "budget": 120,
        "left": 9,  # recovery codes
        "admin": HOSTILE,  # who reset a second factor
        "name": HOSTILE,  # a passkey's
        "undo_url": KEYFOB_LINK,  # undoes a factor added
    }


TEMPLATES = sorted(
    path.stem
    for path in Path(PROJECT_ROOT / "templates" / "mail").glob("*.txt")
    if not path.name.startswith("_")
)


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_template_lets_a_fact_start_a_line_or_make_a_link(
    app: Flask, template: str, language: str
) -> None:
    with app.test_request_context():
        body = compose.render(template, language, **_facts())
    assert not any(line.lstrip().startswith(("Open", "Bcc")) for line in body.splitlines())
    assert EVIL not in body
    assert set(links_in(body)) <= {KEYFOB_LINK}
