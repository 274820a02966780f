"""The counters behind every allowance, in this process and in a limits store alike."""

import time
from collections.abc import Callable

import pytest
from limits import parse
from limits.storage import MemoryStorage

from app.core.counters import LocalWindows, SharedWindows, Windows

BACKENDS: dict[str, Callable[[], Windows]] = {
    "local": LocalWindows,
    "shared": lambda: SharedWindows(MemoryStorage()),
}


@pytest.fixture(params=list(BACKENDS))
def windows(request: pytest.FixtureRequest) -> Windows:
    return BACKENDS[request.param]()


def test_attempts_are_taken_up_to_the_limit(windows: Windows) -> None:
    limit = parse("3 per hour")
    assert [windows.take("k", limit) for _ in range(5)] == [True, True, True, False, False]


def test_a_given_back_attempt_can_be_taken_again(windows: Windows) -> None:
    limit = parse("1 per hour")
    assert windows.take("k", limit)
    windows.give_back("k", limit)
    assert windows.take("k", limit)
    assert not windows.take("k", limit)


def test_keys_are_counted_apart(windows: Windows) -> None:
    limit = parse("1 per hour")
    assert windows.take("a", limit) and windows.take("b", limit)


def test_a_refusal_says_when_to_come_back(windows: Windows) -> None:
    limit = parse("1 per hour")
    windows.take("k", limit)
    assert 3590 <= windows.retry_after("k", limit) <= 3600


def test_giving_back_after_the_window_ended_does_not_enrich_the_next(windows: Windows) -> None:
    limit = parse("2 per 1 second")
    assert windows.take("k", limit) and windows.take("k", limit)
    time.sleep(1.1)  # the window ends while the attempts are in flight
    windows.give_back("k", limit)
    windows.give_back("k", limit)
    assert [windows.take("k", limit) for _ in range(3)] == [True, True, False]
