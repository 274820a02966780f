"""Showing a key to the logged-in user: decrypted, audited, committed."""

from flask import abort
from flask_login import current_user

from app import audit, db, keys


def reveal_or_404(subject_id: int, event_type: str) -> str:
    """The subject's current key, with an audit row naming the logged-in user as the one who
    saw it (``api_key_revealed`` or ``rc_downloaded``); 404 if the subject has no key."""
    session = db.session()
    key = keys.reveal(session, subject_id)
    if key is None:
        abort(404)
    audit.record(session, event_type, actor_id=current_user.id, subject_user_id=subject_id)
    session.commit()
    return key
