"""The show-once window of a just-created named key, kept in the login session.

The session holds the key's id (never its text) for FRESH_SECONDS: the first visit of the
created page shows the key, later visits only its hint; the zuliprc downloads decrypt it
again until the window ends. Another browser or session never had the entry, and logging
in or out clears it.
"""

from flask import session
from flask_login import current_user

from app.core import clock

FRESH_SECONDS = 600
_FRESH = "fresh_key"


def remember(key_id: int, holder_id: int) -> None:
    session[_FRESH] = {
        "id": key_id,
        "holder": holder_id,
        "user": current_user.id,
        "until": clock.now().timestamp() + FRESH_SECONDS,
        "shown": False,
    }


def _entry(key_id: int, holder_id: int) -> dict[str, object] | None:
    entry = session.get(_FRESH)
    if not isinstance(entry, dict):
        return None
    mine = (entry.get("id"), entry.get("holder"), entry.get("user"))
    until = entry.get("until")
    if mine != (key_id, holder_id, current_user.id) or not isinstance(until, float | int):
        return None
    if clock.now().timestamp() >= until:
        session.pop(_FRESH, None)
        return None
    return entry


def claim_showing(key_id: int, holder_id: int) -> bool:
    """True the first time only: the page may show this key now, and never again."""
    entry = _entry(key_id, holder_id)
    if entry is None or entry.get("shown"):
        return False
    session[_FRESH] = {**entry, "shown": True}
    return True


def downloadable(key_id: int, holder_id: int) -> bool:
    return _entry(key_id, holder_id) is not None
