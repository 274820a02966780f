"""Regenerating a primary key through the API: the caller's own, or a bot's by its owner.
Optional ``grace_seconds`` (an overlap in which the old key still works) and an optional
``Idempotency-Key`` header (a retry answers the same key and rolls nothing)."""

from datetime import timedelta

from flask import current_app, request
from werkzeug.wrappers import Response

from app.api import params
from app.api.auth import refuse_unless_primary
from app.api.responses import ApiError, success, timestamp
from app.core import db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.core.models import Holder
from app.keys import regeneration
from app.keys.verification import Principal

IDEMPOTENCY_HEADER = "Idempotency-Key"


def regenerate(principal: Principal, subject: Holder) -> Response:
    """Roll ``subject``'s primary key for ``principal``; the new key, never cached.

    Only a primary key rolls a primary key. A replaced key (in its overlap) may only repeat,
    with its Idempotency-Key, the rotation that replaced it: what a client that crashed
    before saving the new key sends.
    """
    if principal.key_kind in ("named", "token"):
        refuse_unless_primary(principal)
    longest = int(current_app.config["MAX_ROLL_GRACE_SECONDS"])
    grace = params.optional_integer("grace_seconds", 0, longest) or 0
    try:
        rotation = regeneration.regenerate(
            db.session(),
            subject,
            actor_id=principal.id,
            grace=timedelta(seconds=grace),
            idempotency_key=_idempotency_key(),
            replaced_key_id=principal.key_id if principal.key_kind == "rolled" else None,
        )
    except regeneration.NotARepeat:
        refuse_unless_primary(principal)
        raise
    except regeneration.IdempotencyKeyReused:
        message = _("This Idempotency-Key was already used for a different regeneration")
        raise ApiError(422, message, code="IDEMPOTENCY_KEY_REUSED") from None
    except regeneration.RotationSuperseded:
        message = _("The key this Idempotency-Key made has since been replaced or revoked")
        raise ApiError(409, message, code="ROTATION_SUPERSEDED") from None
    return no_store(
        success(api_key=rotation.key, old_key_expires_at=timestamp(rotation.old_key_expires_at))
    )


def _idempotency_key() -> str | None:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not regeneration.is_valid_idempotency_key(value):
        message = _("Idempotency-Key must be 1 to 255 visible ASCII characters")
        raise ApiError(400, message, var_name=IDEMPOTENCY_HEADER)
    return value
