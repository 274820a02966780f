"""Handing out a zuliprc: decrypted, written, audited with its format, committed.

The two formats themselves (TOML, and the classic INI the zulip Python package reads) are
written by the client package (keyfob_client.rcfile), so the server's download and the
client's ``keyfob convert`` cannot drift apart.
"""

from sqlalchemy.orm import Session

from app.core import audit, db
from app.core.models import User
from app.keys import named, primary
from app.keys.store import keystore
from app.notifications import notices
from keyfob_client.rcfile import Format, render


@db.unit_of_work
def issue(
    session: Session,
    subject_id: int,
    email: str,
    site: str,
    file_format: Format,
    *,
    actor_id: int,
    named_key_id: int | None = None,
    decoy: bool = False,
) -> str | None:
    """The subject's rc file for ``actor_id`` (with its primary key, or the named key
    ``named_key_id`` while it works), audited as ``rc_downloaded`` with its format; None if
    there is no such key (``decoy``: ``named_key_id`` is a decoy's, whose download tells
    nobody: it opens nothing). The document is written before anything is recorded, so a refused
    value (UnwritableValue) leaves no download in the log."""
    detail = {"format": file_format.value}
    # The subject as the request found it: a bot handed over since is refused (HolderMoved).
    db.lock_holder(session, session.get_one(User, subject_id))
    if named_key_id is None:
        record = primary.active_key(session, subject_id)
    else:
        record = named.working(session, subject_id, named_key_id, decoy=decoy)
        if record is not None:
            detail |= {"key_name": record.name or "", "key_hint": record.hint}
    if record is None:
        return None
    document = render(file_format, email, keystore().decrypt(record.ciphertext), site)
    audit.record(
        session, "rc_downloaded", actor_id=actor_id, subject_user_id=subject_id, detail=detail
    )
    if not decoy:
        subject = session.get_one(User, subject_id)
        notices.key_revealed(session, subject, record=record, how="downloaded")
    return document
