"""Rotating the two key secrets with no moment in which a stored key stops working.

The encryption key: the new Fernet key goes first in KEY_ENCRYPTION_KEYS (the old ones stay
after it, so every ciphertext still decrypts), then ``reencrypt`` rewrites each ciphertext
under the first key. The pepper: KEY_PEPPER becomes the new pepper and KEY_PEPPER_PREVIOUS the
old one (keys verify under either: app/keys/store.py), then ``repepper`` recomputes each digest
from the decrypted key. Only a store that can decrypt its keys can do the second at all.

Both walk the keys in id order, BATCH rows per transaction, up to the highest id there was
at the start: keys minted later already use the new secrets, since the configuration is
deployed everywhere first. Each row is rewritten only if it still needs it, and only if it
still holds what was read (compare-and-set), so a crashed run is simply run again, two runs
cannot undo each other, and a row is never unreadable: after any prefix of the batches,
every row is either old (the old secret is still configured) or new.

The unique index on the digest cannot trip during the rewrite: a row's new digest could
equal another row's old one only if HMAC-SHA256 under two independent peppers collided on
two different keys, which is as likely as guessing a 256-bit value.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography.fernet import InvalidToken
from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from app.core import db
from app.core.models import ApiKey, TotpFactor
from app.keys.store import KeyStore

BATCH = 500


class RotationRefused(Exception):
    """The configuration does not allow this rotation: nothing was written, or (a wrong
    previous pepper found mid-way) nothing from the batch that showed it on."""


@dataclass
class Progress:
    """Counts of keys, never their text, and ids of the rows that could not be handled:
    ``failed``, a ciphertext no configured key decrypts (left as it was, the run goes on);
    ``unmatched``, a digest under neither pepper (the pepper's rotation stops)."""

    total: int = 0
    seen: int = 0
    rewritten: int = 0
    current: int = 0  # already under the new secret
    failed: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)

    def add(self, batch: "Progress") -> None:
        """Count in a committed batch."""
        self.seen += batch.seen
        self.rewritten += batch.rewritten
        self.current += batch.current
        self.failed += batch.failed
        self.unmatched += batch.unmatched


OnBatch = Callable[[Progress], None]
Column = Literal["digest", "ciphertext"]
Plan = Callable[[Row[int, str, str]], str | None]


def reencrypt(
    session: Session, store: KeyStore, *, check: bool = False, on_batch: OnBatch | None = None
) -> Progress:
    """Re-encrypt every stored ciphertext under the first encryption key; with ``check``,
    only count those that still need an older key (``rewritten`` then counts those)."""

    def plan(row: Row[int, str, str]) -> str | None:
        return store.reencrypt(row.ciphertext)

    return _walk(session, "ciphertext", plan, check=check, on_batch=on_batch)


@db.unit_of_work
def reencrypt_factor_secrets(session: Session, store: KeyStore, *, check: bool = False) -> Progress:
    """Re-encrypt the authenticator apps' secrets (app/people/factors) under the first
    encryption key, as ``reencrypt`` does keys' (one row a person: one transaction);
    with ``check``, only count those that still need an older key."""
    rows = session.execute(
        select(TotpFactor.id, TotpFactor.secret_ciphertext).order_by(TotpFactor.id)
    ).all()
    progress = Progress(total=len(rows), seen=len(rows))
    for row in rows:
        try:
            new = store.reencrypt(row.secret_ciphertext)
        except InvalidToken:
            progress.failed.append(row.id)
            continue
        if new is None:
            progress.current += 1
        elif check:
            progress.rewritten += 1
        else:  # compare-and-set, as for keys: a row changed meanwhile is left alone
            written = session.execute(
                update(TotpFactor)
                .where(
                    TotpFactor.id == row.id, TotpFactor.secret_ciphertext == row.secret_ciphertext
                )
                .values(secret_ciphertext=new)
            )
            progress.rewritten += int(written.rowcount)  # type: ignore[attr-defined]
    return progress


def repepper(
    session: Session, store: KeyStore, *, check: bool = False, on_batch: OnBatch | None = None
) -> Progress:
    """Recompute every digest under KEY_PEPPER from the decrypted key; with ``check``, only
    count the digests still under the previous pepper. Refused without a previous pepper.

    A row whose digest matches neither pepper means KEY_PEPPER_PREVIOUS is not the pepper
    the keys were stored under: the batch holding it is not written, and the run stops."""
    if not store.rotating_pepper:
        raise RotationRefused(
            "KEY_PEPPER_PREVIOUS is not set: set KEY_PEPPER to the new pepper and"
            " KEY_PEPPER_PREVIOUS to the old one on every node first"
        )

    def plan(row: Row[int, str, str]) -> str | None:
        key = store.decrypt(row.ciphertext)
        new = store.digest(key)
        if row.digest == new:
            return None
        if row.digest != store.previous_digest(key):
            raise _Unmatched()
        return new

    progress = _walk(session, "digest", plan, check=check, on_batch=on_batch)
    if progress.unmatched:
        raise RotationRefused(
            f"{len(progress.unmatched)} keys match neither KEY_PEPPER nor KEY_PEPPER_PREVIOUS"
            f" (first id {progress.unmatched[0]}): is KEY_PEPPER_PREVIOUS the pepper they"
            " were stored under? Their batch was left as it was."
        )
    return progress


class _Unmatched(Exception):
    pass


def _walk(
    session: Session, column: Column, plan: Plan, *, check: bool, on_batch: OnBatch | None
) -> Progress:
    """Apply ``plan`` (a row's new value of ``column``, or None if it is current) to every
    key up to the highest id at the start, a batch per transaction. A digest under neither
    pepper stops the pepper's rotation (see ``repepper``)."""
    last_id, total = session.execute(select(func.max(ApiKey.id), func.count(ApiKey.id))).one()
    session.rollback()
    progress = Progress(total=total)
    halt_on_unmatched = not check
    after = 0
    for _ in range(total // BATCH + 2):  # ids only grow: new rows are past ``last_id``
        ids, done = _batch(session, (after, last_id or 0), column, plan, write=not check)
        progress.add(done)  # once committed: a batch run again after a conflict counts once
        if on_batch is not None:
            on_batch(progress)
        if not ids or (halt_on_unmatched and progress.unmatched):
            break
        after = ids[-1]
    return progress


@db.unit_of_work
def _batch(
    session: Session,
    id_range: tuple[int, int],
    column: Column,
    plan: Plan,
    *,
    write: bool,
) -> tuple[Sequence[int], Progress]:
    """The keys with ids in ``id_range`` (after, up to), at most BATCH, in one transaction:
    the ids it read (none at the end) and what became of them."""
    after, last_id = id_range
    rows = session.execute(
        select(ApiKey.id, ApiKey.digest, ApiKey.ciphertext)
        .where(ApiKey.id > after, ApiKey.id <= last_id)
        .order_by(ApiKey.id)
        .limit(BATCH)
    ).all()
    changes: list[dict[str, object]] = []
    failed: list[int] = []
    unmatched: list[int] = []
    for row in rows:
        try:
            new = plan(row)
        except InvalidToken:
            failed.append(row.id)
            continue
        except _Unmatched:
            unmatched.append(row.id)
            continue
        if new is not None:
            old = row.digest if column == "digest" else row.ciphertext
            changes.append({"row_id": row.id, "old": old, "new": new})
    # A digest under neither pepper leaves its whole batch alone (and repepper stops).
    written = _write(session, column, changes) if write and changes and not unmatched else 0
    done = Progress(
        seen=len(rows),
        rewritten=written if write else len(changes),
        current=len(rows) - len(changes) - len(failed) - len(unmatched),
        failed=failed,
        unmatched=unmatched,
    )
    return [row.id for row in rows], done


def _write(session: Session, column: Column, changes: list[dict[str, object]]) -> int:
    """Compare-and-set each row: a row another run (or anything else) changed since it was
    read is left alone. The rows are locked in id order, the order every batch takes."""
    db.lock_for_write(session, ApiKey, [int(str(change["row_id"])) for change in changes])
    target = ApiKey.digest if column == "digest" else ApiKey.ciphertext
    statement = (
        update(ApiKey)
        .where(ApiKey.id == bindparam("row_id"), target == bindparam("old"))
        .values({target: bindparam("new")})
    )
    result = session.connection().execute(statement, changes)
    return int(result.rowcount)
