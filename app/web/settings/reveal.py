"""Showing a key to the logged-in user: decrypted, audited, committed."""

from flask import abort
from flask_login import current_user

from app.core import db
from app.keys import primary


def reveal_or_404(subject_id: int, event_type: str) -> str:
    """The subject's current key, with an audit row naming the logged-in user as the one who
    saw it (``api_key_revealed``; rc files go through app/web/rcfile.py); 404 if the subject has
    no key."""
    key = primary.reveal_to(
        db.session(), subject_id, actor_id=current_user.id, event_type=event_type
    )
    if key is None:
        abort(404)
    return key
