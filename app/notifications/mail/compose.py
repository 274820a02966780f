"""What a message says: rendered from templates/mail/ in the recipient's language when it is
queued, and turned into an RFC 5322 message when it is sent. Plain text only.

Every line of a message is Keyfob's. Text that someone typed (a person's or a bot's name, a
key's name, a browser's user agent, where a leak reporter says a key was found) is shown
``quoted``: on one line, between “ and ”, and unable to act as a link, since a mail reader
turns a bare ``https://…`` or ``example.com`` into one, and a notice never holds a link that
Keyfob did not make. This is the default, as HTML escaping is in the pages: every value a
template prints, directly or through ``_()``/``ngettext()``, is quoted unless it is
``Verbatim``, which only Keyfob's own text is (a link it signed, a time, a key's hint, a
checked IP address). A notice added later inherits it."""

import re
import unicodedata
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale, gettext, ngettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.core.characters import LINE_BREAKS, without_control_characters
from app.core.config import PROJECT_ROOT
from app.core.models import OutboundMail


class Verbatim(str):
    """Text a message prints as it is: Keyfob's own (a link it made, a time, a key's hint,
    a checked IP address or email address), never anything a person or a client typed."""

    __slots__ = ()


# What a mail reader takes for a link: a scheme's "://", and a dot between a word and a
# letter ("evil.example", "www.x"), also as the full-width and ideographic dots that IDNA
# reads as one. Each is written the way security advisories "defang" addresses.
_SCHEME_SEPARATOR = "://"
_DOMAIN_DOT = re.compile(r"(?<=\w)[.\uff0e\uff61\u3002](?=[^\W\d_])")
_SPACES = re.compile(" {2,}")
# Direction controls: they would reorder the quote, its marks and the words after it.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def quoted(value: str) -> Verbatim:
    """Someone's own text as a message shows it: one line between “ and ” (a quote mark
    inside becomes a plain one), each line break or control character a space, each
    direction control dropped, and each "://" and domain dot written as "[://]" and "[.]"
    so that no mail reader makes a link of it."""
    shown = []
    for character in value:
        if character in _BIDI_CONTROLS:
            continue
        if character in LINE_BREAKS or unicodedata.category(character) == "Cc":
            shown.append(" ")
        elif character in "“”":
            shown.append('"')
        else:
            shown.append(character)
    one_line = _SPACES.sub(" ", "".join(shown)).strip()
    defanged = _DOMAIN_DOT.sub("[.]", one_line.replace(_SCHEME_SEPARATOR, "[://]"))
    return Verbatim(f"“{defanged}”")


def _shown(value: Any) -> Any:
    """``value`` as a message prints it: Verbatim text and non-text (numbers) as they are,
    any other text quoted."""
    return quoted(value) if isinstance(value, str) and not isinstance(value, Verbatim) else value


def _gettext(message: str, **variables: Any) -> Verbatim:
    """``_()`` in a mail template: the catalog's sentence (Keyfob's) with its values shown."""
    shown = {name: _shown(value) for name, value in variables.items()}
    return Verbatim(gettext(message, **shown))


def _ngettext(singular: str, plural: str, num: int, **variables: Any) -> Verbatim:
    shown = {name: _shown(value) for name, value in variables.items()}
    return Verbatim(ngettext(singular, plural, num, **shown))


_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates" / "mail"),
    autoescape=False,  # noqa: S701 (plain-text mail: there is no markup to escape for)
    undefined=StrictUndefined,  # a missing fact is a bug, not an empty line in a message
    extensions=["jinja2.ext.i18n"],
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_shown,  # {{ value }} alone: quoted unless Verbatim, as _() does
)
# Our own callables, not Jinja's "newstyle" wrappers: those would put the values in unquoted.
_templates.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
# For an address a template prints as it is: the identity rules checked it (no spaces, no
# line breaks), and it is the recipient's own or a bot's that Keyfob made.
_templates.filters["verbatim"] = Verbatim


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
