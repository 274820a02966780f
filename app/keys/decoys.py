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
(an address, or an IPv6 address's /64) once an hour, and of at most twenty clients a day.

No web code here.
"""

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
    """The decoy ``row`` was presented to ``endpoint`` (a route of the API) in the current
    request, whose answer has gone already: audit it and tell its person and the
    administrators, once per client and hour, for at most twenty clients a day."""
    if not _worth_telling(f"{row.key_id}/{limit_identity()}"):
        return
    _record_use(db.session(), row.key_id, endpoint)


def reported(session: Session, record: ApiKey, *, reporter: str, source: str | None) -> None:
    """Within the caller's transaction (app/keys/leaks.py): the decoy ``record`` was
    reported found in public. Audited and told as a use is, once an hour a decoy, and left
    in place."""
    if not _worth_telling(f"{record.id}/reported"):
        return
    detail = {"key_name": record.name, "key_hint": record.hint, "reporter": reporter}
    if source:
        detail["source"] = source
    _tell(session, record, "decoy_key_reported", detail, source=source)


def _worth_telling(client: str) -> bool:
    per_client, per_decoy = current_app.extensions["keyfob.decoy_sightings"]
    return bool(per_client.take(client) and per_decoy.take(client.partition("/")[0]))


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
