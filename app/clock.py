"""The time, in one place, so tests can move it instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context

CLOCK_EXTENSION = "keyfob.clock"


def install(app: Flask, substitute: Callable[[], datetime]) -> None:
    """Replace the clock of an app and of its API, for tests that move time."""
    for each in (app, app.extensions.get("keyfob.api")):
        if each is not None:
            each.extensions[CLOCK_EXTENSION] = substitute


def now() -> datetime:
    """The current UTC time, or the app's substitute clock when a test installed one."""
    if has_app_context():
        substitute: Callable[[], datetime] | None = current_app.extensions.get(CLOCK_EXTENSION)
        if substitute is not None:
            return substitute()
    return datetime.now(UTC)
