"""Keys reported leaked: by anyone (POST /api/v1/keys/revoke) or by a secret scanner (GitHub's
partner program). Every well-formed key among a report that still works is revoked at once
(a primary key replaced by a new one, revealed later the usual way), audited and notified
with where it was found. No web code here: both endpoints call ``report``.

A live decoy (app/keys/decoys.py) among them is not revoked (it never worked): its outcome
says so, and the face has it told of once the answer has gone (decoys.reported).

Liveness stays private to the reporter as far as it can: every well-formed string costs the
same HMAC and the same one lookup, whatever it matches. Only a live key adds the work of
revoking it, and that key is dead by the time the answer tells anything.
"""

import enum
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.models import ApiKey, ApiToken, User, as_utc
from app.keys import primary
from app.keys.store import keystore
from app.notifications import notices
from keyfob_client import keyformat

MAX_KEYS_PER_REPORT = 100
LOOKUP_BATCH = 500
SOURCE_MAX = 1000  # characters of a source URL kept (the audit detail, the notice)


class Outcome(enum.Enum):
    MALFORMED = "malformed"  # not a Keyfob key: wrong prefix, length, alphabet or checksum
    UNKNOWN = "unknown"  # well-formed, but no key Keyfob issued
    DEAD = "dead"  # a key Keyfob issued that no longer works (revoked, expired)
    REVOKED = "revoked"  # was working, and this report revoked it
    DECOY = "decoy"  # a live decoy (app/keys/decoys.py): left in place, told of afterwards

    @property
    def issued(self) -> bool:
        """Whether the string was a real Keyfob key (a scanner's true positive)."""
        return self in (Outcome.DEAD, Outcome.REVOKED, Outcome.DECOY)


def clean_source(text: str) -> str | None:
    """Where a key was found, as a reporter says: an http(s) URL of at most SOURCE_MAX
    characters, with no spaces or control characters; None for anything else. It is shown
    to the key's owner as the reporter's claim, never followed."""
    text = text.strip()
    if not text or len(text) > SOURCE_MAX or not text.isprintable() or " " in text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme in ("http", "https") and parts.netloc else None


@db.unit_of_work
def report(
    session: Session, candidates: Mapping[str, str | None], *, reporter: str
) -> dict[str, Outcome]:
    """Revoke every working key among ``candidates`` (each with where it was found, a
    clean_source or None); audited, notified and committed. ``reporter`` says who for the
    audit (``public``, ``github``). Each candidate (surrounding whitespace removed) maps to
    what became of it."""
    sources = {candidate.strip(): source for candidate, source in candidates.items()}
    outcomes = dict.fromkeys(sources, Outcome.MALFORMED)
    by_digest = _digests(key for key in outcomes if keyformat.is_well_formed(key))
    for key in by_digest.values():
        outcomes[key] = Outcome.UNKNOWN
    found = _issued(session, by_digest)
    for record in found:
        outcomes[by_digest[record.digest]] = Outcome.DEAD
    for record in found:
        if record.decoy and record.revoked_at is None:  # told of after the answer
            outcomes[by_digest[record.digest]] = Outcome.DECOY
    live = [record.id for record in found if _works(record) and not record.decoy]
    if live:
        for record in _lock_and_reread(session, live):
            key = by_digest[record.digest]
            _revoke(session, record, reporter=reporter, source=sources[key])
            outcomes[key] = Outcome.REVOKED
    for token, revoked in _tokens(session, by_digest, reporter=reporter, sources=sources):
        outcomes[token] = Outcome.REVOKED if revoked else Outcome.DEAD
    return outcomes


def _tokens(
    session: Session, by_digest: dict[str, str], *, reporter: str, sources: Mapping[str, str | None]
) -> Iterable[tuple[str, bool]]:
    """Each short-lived token (app/keys/tokens.py) among the digests, and whether this report
    revoked it: one that still works (its key too) is revoked and its person told; of two
    reports at once, the second waits for the holder's lock and finds it revoked."""
    digests = [d for d, key in by_digest.items() if keyformat.is_token(key)]
    if not digests:
        return
    found = session.scalars(select(ApiToken).where(ApiToken.digest.in_(digests))).all()
    db.lock_for_write(session, User, sorted({record.user_id for record in found}))
    for record in found:
        token = by_digest[record.digest]
        working = session.scalar(
            select(ApiToken)
            .join(ApiKey, ApiKey.id == ApiToken.key_id)
            .where(ApiToken.id == record.id, ApiToken.revoked_at.is_(None))
            .where(ApiToken.expires_at > clock.now(), ApiKey.revoked_at.is_(None))
            .where(ApiKey.superseded_at.is_(None))
            .execution_options(populate_existing=True)
        )
        if working is not None:
            _revoke_token(session, working, reporter=reporter, source=sources[token])
        yield token, working is not None


def _revoke_token(session: Session, record: ApiToken, *, reporter: str, source: str | None) -> None:
    record.revoked_at = clock.now()
    holder = session.get_one(User, record.user_id)
    detail = {"token_hint": record.hint, "reporter": reporter}
    if source:
        detail["source"] = source
    audit.record(
        session,
        "api_token_reported_leaked",
        actor_id=None,
        subject_user_id=holder.id,
        detail=detail,
    )
    notices.key_leaked(
        session, holder, hint=record.hint, key_name=None, source=source, replaced=False, token=True
    )


def _digests(well_formed: Iterable[str]) -> dict[str, str]:
    """Each key's digests (both peppers while the pepper is rotated), pointing back to it."""
    store = keystore()
    return {digest: key for key in well_formed for digest in store.digests(key)}


def _issued(session: Session, by_digest: dict[str, str]) -> list[ApiKey]:
    """The stored keys among the digests, revoked or not: one indexed query per batch (a
    scanner's report may hold thousands; databases cap a statement's parameters)."""
    digests = list(by_digest)
    found: list[ApiKey] = []
    for start in range(0, len(digests), LOOKUP_BATCH):
        batch = digests[start : start + LOOKUP_BATCH]
        found.extend(session.scalars(select(ApiKey).where(ApiKey.digest.in_(batch))))
    return found


def _works(record: ApiKey) -> bool:
    if record.revoked_at is not None:
        return False
    return record.expires_at is None or as_utc(record.expires_at) > clock.now()


def _lock_and_reread(session: Session, key_ids: list[int]) -> list[ApiKey]:
    """The keys that still work once their holders are locked: of two reports of one key at
    once, the second waits here and finds it revoked, so it is revoked and notified once.
    Named and rolled keys come before primary keys, whose replacement ends rolled ones too."""
    holders = session.scalars(
        select(User).join(ApiKey, ApiKey.user_id == User.id).where(ApiKey.id.in_(key_ids))
    ).all()
    owners = [holder.bot_owner_id for holder in holders if holder.bot_owner_id]
    db.lock_for_write(session, User, [*owners, *(holder.id for holder in holders)])
    records = session.scalars(
        select(ApiKey)
        .where(ApiKey.id.in_(key_ids), ApiKey.revoked_at.is_(None))
        .execution_options(populate_existing=True)
    ).all()
    working = [record for record in records if _works(record)]
    return sorted(working, key=lambda record: (_is_primary(record), record.id))


def _is_primary(record: ApiKey) -> bool:
    return record.name is None and record.superseded_at is None


def _revoke(session: Session, record: ApiKey, *, reporter: str, source: str | None) -> None:
    holder = session.get_one(User, record.user_id)
    replaced = _is_primary(record)
    if replaced:
        primary.mint(session, holder)  # the new key is not shown: its owner reveals it later
    else:
        record.revoked_at = clock.now()
    detail = {"key_name": record.name, "key_hint": record.hint, "reporter": reporter}
    if source:
        detail["source"] = source
    audit.record(
        session, "api_key_reported_leaked", actor_id=None, subject_user_id=holder.id, detail=detail
    )
    notices.key_leaked(
        session,
        holder,
        hint=record.hint,
        key_name=record.name,
        source=source,
        replaced=replaced,
    )
