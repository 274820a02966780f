"""The time, in one place, so tests can move it instead of sleeping.

Each app holds one Clock; the API app shares the pages' Clock object (see app/api), so a
test that moves the time moves it for both.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context

CLOCK_EXTENSION = "keyfob.clock"


class Clock:
    """The real time, unless a test has put a substitute in."""

    def __init__(self) -> None:
        self.substitute: Callable[[], datetime] | None = None

    def now(self) -> datetime:
        return self.substitute() if self.substitute is not None else datetime.now(UTC)


def init_app(app: Flask) -> None:
    app.extensions[CLOCK_EXTENSION] = Clock()


def install(app: Flask, substitute: Callable[[], datetime]) -> None:
    """Replace the app's clock (and so its API's) for a test that moves time."""
    clock: Clock = app.extensions[CLOCK_EXTENSION]
    clock.substitute = substitute


def now() -> datetime:
    """The current UTC time, as the app's clock tells it."""
    if has_app_context():
        clock: Clock | None = current_app.extensions.get(CLOCK_EXTENSION)
        if clock is not None:
            return clock.now()
    return datetime.now(UTC)
