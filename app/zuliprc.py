"""Handing out a zuliprc: decrypted, written, audited with its format, committed.

The two formats themselves (TOML, and the classic INI the zulip Python package reads) are
written by the client package (keyfob_client.rcfile), so the server's download and the
client's ``keyfob convert`` cannot drift apart.
"""

from sqlalchemy.orm import Session

from app import audit, keys
from keyfob_client.rcfile import Format, render


def issue(
    session: Session, subject_id: int, email: str, site: str, file_format: Format, *, actor_id: int
) -> str | None:
    """The subject's rc file for ``actor_id``, audited as ``rc_downloaded`` with its format;
    None if the subject has no key. The document is written before anything is recorded, so a
    refused value (UnwritableValue) leaves no download in the log."""
    key = keys.reveal(session, subject_id)
    if key is None:
        return None
    document = render(file_format, email, key, site)
    audit.record(
        session,
        "rc_downloaded",
        actor_id=actor_id,
        subject_user_id=subject_id,
        detail={"format": file_format.value},
    )
    session.commit()
    return document
