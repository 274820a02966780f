""" "This wasn't me": the signed link in each notice of an action, and what it does.

The link holds a token signed with SECRET_KEY under its own salt, naming the person told,
the key's holder and the key; it lasts TOKEN_HOURS. Acting on it stops that key (a primary
key is replaced with a new one, revealed later the usual way; any other is revoked) and
signs the person out everywhere.

Single use without a table of spent tokens: a token acts only while the key it names still
works as it did (not revoked, a primary key not replaced), and acting on it ends exactly
that. Binding it to the person's session generation instead would also make it single use,
but would kill every link at the person's next logout, which is when they most need it.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, has_request_context
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app import audit, clock, db, hosts, keys, users
from app.mail import recipient_for
from app.models import ApiKey, User

TOKEN_HOURS = 24
PATH = "/not-me"
_SALT = "keyfob.not-me"


class LinkInvalid(Exception):
    """Not a link Keyfob made (tampered, truncated, or signed with another secret)."""


class LinkExpired(Exception):
    """A genuine link, older than TOKEN_HOURS."""


class LinkUsed(Exception):
    """A genuine link whose key no longer works as it did: it was acted on already, or the
    key has since been replaced or revoked another way."""


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
    which app/hosts.py has checked are a trusted pair), or None where there is neither (a
    command run with no SITE_URL). The token rides in the query string, which the access
    log leaves out (gunicorn.conf.py logs the path alone)."""
    base = current_app.config["SITE_URL"] or (hosts.site_url() if has_request_context() else "")
    if not base:
        return None
    token = _serializer().dumps({"p": person.id, "h": key.user_id, "k": key.id})
    return f"{base.rstrip('/')}{PATH}?{urlencode({'token': token})}"


def read(session: Session, token: str) -> Report:
    """What ``token`` is about; LinkInvalid, LinkExpired or LinkUsed otherwise."""
    return _report(session, _facts(token))


def _facts(token: str) -> dict[str, int]:
    try:
        facts: Any = _serializer().loads(token, max_age=TOKEN_HOURS * 3600)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadData:
        raise LinkInvalid() from None
    if not isinstance(facts, dict) or not all(type(facts.get(f)) is int for f in "phk"):
        raise LinkInvalid()
    return facts


def _report(session: Session, facts: dict[str, int]) -> Report:
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


@db.unit_of_work
def act(session: Session, token: str) -> Report:
    """Stop the key the link names and sign its person out everywhere; audited as
    reported_not_me and committed. Raises what read raises, then nothing changes."""
    facts = _facts(token)
    # The person and the holder (the same, or a bot's owner first) before reading the key:
    # a concurrent click then finds the key already stopped.
    db.lock_for_write(session, User, [facts["p"], facts["h"]])
    report = _report(session, facts)
    if report.replaces:
        keys.mint(session, report.holder)
    else:
        report.key.revoked_at = clock.now()
    users.invalidate_login_sessions(report.person)
    audit.record(
        session,
        "reported_not_me",
        actor_id=None,  # whoever holds the emailed link: not a login
        subject_user_id=report.holder.id,
        detail={"key_name": report.key.name, "key_hint": report.key.hint},
    )
    session.commit()
    return report
