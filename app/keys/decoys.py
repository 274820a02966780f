"""Decoy keys: keys that never work and tell on whoever uses them.

A decoy is made like a named key (the same format, prefix and checksum, a name, a zuliprc
to download) and planted where a real key might leak from: a repository, a CI variable, a
wiki. Its use is refused exactly as an unknown key's is (app/keys/verification.py raises
DecoyUsed, an InvalidKey), so whoever tries it learns nothing, and it counts as a guess.
What it tells is told after the answer has gone (the faces schedule ``sighted``), so the
time of the answer does not give it away either: the use is audited with the address, the
browser or program and the route called, and its person and every administrator are told
by email. A decoy reported leaked (app/keys/leaks.py) is told of the same way and left in
place: it never worked, so there is nothing to revoke, and it goes on watching.

So that a flood of uses makes a few emails, not thousands, a decoy tells of each client
(an address, or an IPv6 address's /64) once an hour, of at most twenty clients a day, and
a person's decoys (their own and their bots') of ten uses an hour. Those limits are the
alerts' own: they do not use up anyone's allowance of notices caused by others.

No web code here.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.client_ip import limit_identity
from app.core.models import ApiKey, Holder, User
from app.keys import named
from app.keys.store import KeyRow, keystore
from app.notifications import notices
from app.people import roles
from keyfob_client import keyformat


@dataclass(frozen=True)
class DecoySummary:
    """One row of the list of decoys: never the key, only its last four characters, and
    when and from where it was last used (told of)."""

    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_ip: str | None
    last_used_user_agent: str | None


@db.unit_of_work
def create(session: Session, holder: Holder, name: str, *, actor_id: int) -> tuple[ApiKey, str]:
    """A new decoy for ``holder`` and its text (to show once, as a named key's); audited.
    Its name is checked as a named key's (named.InvalidNamedKey), and shares their names:
    a decoy looks like one of them in every way the holder's keys are told apart."""
    cleaned = named.clean_name(name)
    db.lock_holder(session, holder)  # the checks below hold until commit
    named.retire_expired_namesake(session, holder.id, cleaned)
    named.check_room(session, holder.id, cleaned, decoy=True)
    key = keyformat.generate(keyformat.BOT_PREFIX if holder.is_bot else keyformat.USER_PREFIX)
    record = ApiKey(
        user_id=holder.id,
        name=cleaned,
        created_at=clock.now(),
        decoy=True,
        **keystore().stored_form(key),
    )
    session.add(record)
    session.flush()
    detail = {"key_name": cleaned, "key_hint": record.hint}
    audit.record(
        session, "decoy_key_created", actor_id=actor_id, subject_user_id=holder.id, detail=detail
    )
    return record, key


@db.unit_of_work
def remove(session: Session, holder: Holder, key_id: int, *, actor_id: int) -> None:
    """Take one of the holder's decoys away (named.NoSuchKey if there is no such live
    decoy): its use then answers as any unknown key's and is told of no more. Audited."""
    db.lock_holder(session, holder)
    record = planted(session, holder.id, key_id)
    if record is None:
        raise named.NoSuchKey()
    record.revoked_at = clock.now()
    detail = {"key_name": record.name, "key_hint": record.hint}
    audit.record(
        session, "decoy_key_removed", actor_id=actor_id, subject_user_id=holder.id, detail=detail
    )


def planted(session: Session, holder_id: int, key_id: int) -> ApiKey | None:
    """The holder's live decoy ``key_id``, or None."""
    return named.working(session, holder_id, key_id, decoy=True)


def listed(session: Session, holder_id: int) -> list[DecoySummary]:
    """The holder's live decoys, newest first."""
    records = session.scalars(
        select(ApiKey)
        .where(ApiKey.user_id == holder_id, ApiKey.revoked_at.is_(None), ApiKey.decoy.is_(True))
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return [summarize(record) for record in records]


def summarize(record: ApiKey) -> DecoySummary:
    """What a list shows of one decoy."""
    return DecoySummary(
        record.id,
        record.name or "",
        record.hint,
        record.created_at,
        record.last_used_at,
        record.last_used_ip,
        record.last_used_user_agent,
    )


def sighted(row: KeyRow, endpoint: str) -> None:
    """The decoy ``row`` was presented to ``endpoint`` (a route, as Keyfob names it) in the
    current request, whose answer has gone already: audit it and tell its person and the
    administrators, within the limits above."""
    person = row.bot_owner_id or row.user_id
    if _worth_telling(row.key_id, f"{row.key_id}/{limit_identity()}", person):
        _record_use(db.session(), row.key_id, endpoint)


def reported(planted: Mapping[str, str | None], *, reporter: str) -> None:
    """The decoys among ``planted`` (each key with where it was found, as the reporter
    says) were reported leaked (app/keys/leaks.py) in the current request, whose answer has
    gone already: each is audited and told of as a use is, and left in place."""
    store, session = keystore(), db.session()
    for key, source in planted.items():
        record = session.scalar(
            select(ApiKey).where(ApiKey.digest.in_(store.digests(key)), ApiKey.decoy.is_(True))
        )
        if record is None or record.revoked_at is not None:
            continue
        owner = session.scalar(select(User.bot_owner_id).where(User.id == record.user_id))
        if _worth_telling(record.id, f"{record.id}/reported", owner or record.user_id):
            _record_report(session, record.id, reporter=reporter, source=source)


def _worth_telling(key_id: int, client: str, person_id: int) -> bool:
    """Whether this use is told: once an hour per decoy and client, for twenty clients a
    decoy a day, and ten a person's decoys an hour (one member with many decoys and bots
    cannot flood the administrators' mail, nor use up their allowance of other notices)."""
    per_client, per_decoy, per_person = current_app.extensions["keyfob.decoy_sightings"]
    return bool(
        per_client.take(client) and per_decoy.take(str(key_id)) and per_person.take(str(person_id))
    )


@db.unit_of_work
def _record_report(session: Session, key_id: int, *, reporter: str, source: str | None) -> None:
    record = session.get(ApiKey, key_id)
    if record is None or record.revoked_at is not None:
        return
    detail = {"key_name": record.name, "key_hint": record.hint, "reporter": reporter}
    if source:
        detail["source"] = source
    _tell(session, record, "decoy_key_reported", detail, source=source)


@db.unit_of_work
def _record_use(session: Session, key_id: int, endpoint: str) -> None:
    record = session.get(ApiKey, key_id)
    if record is None or record.revoked_at is not None:  # removed since: nothing to tell
        return
    address, user_agent = audit.request_client()
    record.last_used_at, record.last_used_ip = clock.now(), address
    record.last_used_user_agent = user_agent
    detail = {
        "key_name": record.name,
        "key_hint": record.hint,
        "address": address,
        "endpoint": endpoint,
    }
    _tell(session, record, "decoy_key_used", detail, endpoint=endpoint)


def _tell(
    session: Session,
    record: ApiKey,
    event: str,
    detail: dict[str, str | None],
    *,
    endpoint: str | None = None,
    source: str | None = None,
) -> None:
    audit.record(session, event, actor_id=None, subject_user_id=record.user_id, detail=detail)
    holder = session.get_one(User, record.user_id)
    notices.decoy_key_used(
        session,
        holder,
        record=record,
        administrators=roles.administrators(session),
        endpoint=endpoint,
        source=source,
    )
