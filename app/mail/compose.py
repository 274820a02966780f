"""What a message says: rendered from templates/mail/ in the recipient's language when it is
queued, and turned into an RFC 5322 message when it is sent. Plain text only: nothing in it
is markup, so a bot's name or a browser's user agent is shown exactly as it is."""

from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale, gettext, ngettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import PROJECT_ROOT
from app.models import OutboundMail
from app.text import without_control_characters

_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates" / "mail"),
    autoescape=False,  # noqa: S701 (plain-text mail: there is no markup to escape for)
    undefined=StrictUndefined,  # a missing fact is a bug, not an empty line in a message
    extensions=["jinja2.ext.i18n"],
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]


def render(template: str, language: str, **facts: Any) -> str:
    """The body of ``template`` (templates/mail/<template>.txt) in ``language``."""
    with force_locale(language):
        return _templates.get_template(f"{template}.txt").render(**facts)


def translated(text: object, language: str) -> str:
    """A lazy string (a subject) in ``language``, on one line."""
    with force_locale(language):
        return without_control_characters(str(text)).strip()


def site_host(app: Flask) -> str:
    return urlsplit(app.config["SITE_URL"]).hostname or "localhost"


def sender(app: Flask) -> str:
    configured: str = app.config["MAIL_FROM"]
    return configured or formataddr((app.config["REALM_NAME"], f"noreply@{site_host(app)}"))


def message(app: Flask, mail: OutboundMail) -> EmailMessage:
    built = EmailMessage()
    built["From"] = sender(app)
    built["To"] = mail.recipient
    built["Subject"] = mail.subject
    built["Date"] = format_datetime(mail.created_at)
    built["Message-ID"] = make_msgid(domain=site_host(app))
    built["Auto-Submitted"] = "auto-generated"  # no vacation replies to a notice
    built["X-Keyfob-Mail-Id"] = str(mail.id)
    built.set_content(mail.body)  # first: it replaces every Content-* header
    built["Content-Language"] = mail.language.replace("_", "-")
    return built
