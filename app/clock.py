"""The time, in one place, so tests can move it instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, has_app_context

CLOCK_EXTENSION = "keyfob.clock"


def now() -> datetime:
    """The current UTC time, or the app's substitute clock when a test installed one."""
    if has_app_context():
        substitute: Callable[[], datetime] | None = current_app.extensions.get(CLOCK_EXTENSION)
        if substitute is not None:
            return substitute()
    return datetime.now(UTC)
