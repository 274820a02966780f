""" "This wasn't me": the signed link in each notice of an action, and what it names.

The link holds a token signed with SECRET_KEY under its own salt, naming the person told,
the key's holder and the key; it lasts TOKEN_HOURS. What acting on it does (stop that key,
sign the person out everywhere) is app/keys/revocation.py's stop_reported_key.

A notice that a second factor was added carries one too, naming the person and the factor
(their authenticator app or one passkey): acting on it removes that factor and the recovery
codes that may have been shown with it, and signs the person out everywhere
(app/people/factors/enrolment.py's undo_reported). It acts only while the factor is there.

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
from app.core.models import ApiKey, Passkey, TotpFactor, User, storable_id
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
    return _absolute({"p": person.id, "h": key.user_id, "k": key.id})


def _absolute(facts: dict[str, Any]) -> str | None:
    base = current_app.config["SITE_URL"] or (hosts.site_url() if has_request_context() else "")
    if not base:
        return None
    token = _serializer().dumps(facts)
    return f"{base.rstrip('/')}{PATH}?{urlencode({'token': token})}"


def read(session: Session, token: str) -> "Report | FactorReport":
    """What ``token`` is about; LinkInvalid, LinkExpired or LinkUsed otherwise."""
    facts = _loads(token)
    if "f" in facts:
        return factor_report_of(session, factor_facts_of(token))
    return report_of(session, facts_of(token))


def names_factor(token: str) -> bool:
    """Whether a genuine token is a factor's link (else a key's); LinkRefused otherwise."""
    return "f" in _loads(token)


def facts_of(token: str) -> dict[str, int]:
    """The ids a genuine, unexpired key token names: person ``p``, holder ``h``, key ``k``."""
    facts = _loads(token)
    if not all(type(facts.get(f)) is int for f in "phk"):
        raise LinkInvalid()
    return facts


def _loads(token: str) -> dict[str, Any]:
    try:
        facts: Any = _serializer().loads(token, max_age=TOKEN_HOURS * 3600)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadData:
        raise LinkInvalid() from None
    if not isinstance(facts, dict):
        raise LinkInvalid()
    return facts


# Second factors: "f" is the kind ("app" or "passkey"), "i" the factor's id.

FACTOR_KINDS = ("app", "passkey")


@dataclass(frozen=True)
class FactorReport:
    """What a valid factor link is about: whose factor, which kind, and a passkey's name."""

    person: User
    kind: str
    factor_id: int
    name: str


def factor_link(person: User, kind: str, factor_id: int) -> str | None:
    """The absolute URL of the link that undoes ``person``'s new factor, as link() does."""
    return _absolute({"p": person.id, "f": kind, "i": factor_id})


def factor_facts_of(token: str) -> dict[str, Any]:
    facts = _loads(token)
    valid = type(facts.get("p")) is int and type(facts.get("i")) is int
    if not valid or facts.get("f") not in FACTOR_KINDS:
        raise LinkInvalid()
    return facts


def factor_report_of(session: Session, facts: dict[str, Any]) -> FactorReport:
    """What the facts name, while the person is active and the factor still theirs."""
    person = session.get(User, facts["p"])
    if person is None or not person.is_active or person.is_bot:
        raise LinkUsed()
    factor: Passkey | TotpFactor | None = None
    if storable_id(facts["i"]) and facts["f"] == "passkey":
        factor = session.get(Passkey, facts["i"])
    elif storable_id(facts["i"]):
        factor = session.get(TotpFactor, facts["i"])
    if factor is None or factor.user_id != person.id:
        raise LinkUsed()  # removed already: by this link, by the person, or by a reset
    name = factor.name if isinstance(factor, Passkey) else ""
    return FactorReport(person, facts["f"], factor.id, name)


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
