""" "This wasn't me": the signed link in each notice of an action, and what it names.

The link holds a token signed with SECRET_KEY under its own salt, naming the person told,
the key's holder and the key; it lasts TOKEN_HOURS. What acting on it does (stop that key,
sign the person out everywhere) is app/keys/revocation.py's stop_reported_key.

Single use without a table of spent tokens: a token acts only while the key it names still
works as it did (not revoked, a primary key not replaced), and acting on it ends exactly
that. Binding it to the person's session generation instead would also make it single use,
but would kill every link at the person's next logout, which is when they most need it.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.core import clock, hosts
from app.core.models import ApiKey, User
from app.notifications.mail import recipient_for

TOKEN_HOURS = 24
PATH = "/not-me"
_SALT = "keyfob.not-me"


class LinkRefused(Exception):
    """A link that cannot be used: ``status`` and ``message`` say why, for the page."""

    status = 400
    message: object = ""


class LinkInvalid(LinkRefused):
    """Not a link Keyfob made (tampered, truncated, or signed with another secret)."""

    status = 404
    message = _l(
        "This link is not one we sent, or it was cut short. Open it again from the email, whole."
    )


class LinkExpired(LinkRefused):
    """A genuine link, older than TOKEN_HOURS."""

    message = _l(
        "This link is more than 24 hours old. Log in and check your keys and security log."
    )


class LinkUsed(LinkRefused):
    """A genuine link whose key no longer works as it did: it was acted on already, or the
    key has since been replaced or revoked another way."""

    message = _l(
        "This link was used already, or the key it is about has been replaced or revoked "
        "since. Log in and check your keys and security log."
    )


@dataclass(frozen=True)
class Report:
    """What a valid link is about: whose key, which one, and who is told."""

    person: User
    holder: User
    key: ApiKey

    @property
    def replaces(self) -> bool:
        """A primary key is replaced; a named key is only revoked."""
        return self.key.name is None


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, so a test can make a link 24 hours old."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT, signer=_ClockSigner)


def link(person: User, key: ApiKey) -> str | None:
    """The absolute URL of the link for ``key`` (SITE_URL, else this request's host and port,
    which app/core/hosts.py has checked are a trusted pair), or None where there is neither (a
    command run with no SITE_URL). The token rides in the query string, which the access
    log leaves out (gunicorn.conf.py logs the path alone)."""
    base = current_app.config["SITE_URL"] or (hosts.site_url() if has_request_context() else "")
    if not base:
        return None
    token = _serializer().dumps({"p": person.id, "h": key.user_id, "k": key.id})
    return f"{base.rstrip('/')}{PATH}?{urlencode({'token': token})}"


def read(session: Session, token: str) -> Report:
    """What ``token`` is about; LinkInvalid, LinkExpired or LinkUsed otherwise."""
    return report_of(session, facts_of(token))


def facts_of(token: str) -> dict[str, int]:
    """The ids a genuine, unexpired token names: person ``p``, holder ``h``, key ``k``."""
    try:
        facts: Any = _serializer().loads(token, max_age=TOKEN_HOURS * 3600)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadData:
        raise LinkInvalid() from None
    if not isinstance(facts, dict) or not all(type(facts.get(f)) is int for f in "phk"):
        raise LinkInvalid()
    return facts


def report_of(session: Session, facts: dict[str, int]) -> Report:
    """What the ids name, while the key still works as it did; LinkUsed otherwise."""
    key = session.get(ApiKey, facts["k"])
    holder = session.get(User, facts["h"])
    if key is None or holder is None or key.user_id != holder.id:
        raise LinkUsed()  # a genuine link: its key has been pruned since
    person = recipient_for(holder)
    if person is None or person.id != facts["p"]:
        raise LinkUsed()  # the person is deactivated, or no longer the bot's owner
    if key.revoked_at is not None or key.superseded_at is not None:
        raise LinkUsed()
    return Report(person, holder, key)
