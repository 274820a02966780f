"""No valid key gets a 401 while a rotation runs: clients call the API over real HTTP, with
keys picked at random from thousands, while the rotation command runs in this process
against the same database. On PostgreSQL, 10,000 keys (what the issue asks); on SQLite,
2,000, which keeps the suite quick and still takes dozens of batches."""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from cryptography.fernet import Fernet
from flask import Flask

from app.keys import secret_rotation
from tests.helpers.live import serve
from tests.helpers.seed import seed_keys

MakeApp = Callable[..., Flask]
OLD_PEPPER, NEW_PEPPER = "old pepper " + "o" * 40, "new pepper " + "n" * 40
OLD_FERNET, NEW_FERNET = Fernet.generate_key().decode(), Fernet.generate_key().decode()
CLIENTS = 4
DEADLINE_SECONDS = 120.0


class Traffic:
    """Client threads calling /users/me with random valid keys until stopped (or until the
    deadline), counting statuses, and the calls made wholly while ``during`` was set."""

    def __init__(self, url: str, pairs: list[tuple[str, str]]) -> None:
        self.url, self.pairs = url, pairs
        self.statuses: Counter[int] = Counter()
        self.during_rotation = 0
        self.rotating = threading.Event()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, seed: int) -> None:
        pick = random.Random(seed)  # which key to try: not a secret
        ends = time.monotonic() + DEADLINE_SECONDS
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self.stop.is_set() and time.monotonic() < ends:
                email, key = pick.choice(self.pairs)
                started = self.rotating.is_set()
                status = http.get("/api/v1/users/me", auth=(email, key)).status_code
                with self._lock:
                    self.statuses[status] += 1
                    self.during_rotation += started and self.rotating.is_set()

    def wait_for(self, count: int) -> None:
        """Until the clients have made ``count`` calls (bounded by the deadline)."""
        ends = time.monotonic() + DEADLINE_SECONDS
        while sum(self.statuses.values()) < count and time.monotonic() < ends:
            time.sleep(0.01)


@pytest.mark.parametrize(
    ("command", "after"),
    [
        ("rotate-encryption-key", {"KEY_ENCRYPTION_KEYS": [NEW_FERNET, OLD_FERNET]}),
        ("rotate-pepper", {"KEY_PEPPER": NEW_PEPPER, "KEY_PEPPER_PREVIOUS": OLD_PEPPER}),
    ],
)
def test_no_valid_key_is_refused_during_a_rotation(
    make_app: MakeApp,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    after: dict[str, object],
) -> None:
    before = {"KEY_PEPPER": OLD_PEPPER, "KEY_ENCRYPTION_KEYS": [OLD_FERNET]}
    seeding = make_app(**before)
    count = 10_000 if seeding.extensions["keyfob.engine"].dialect.name == "postgresql" else 2_000
    pairs = seed_keys(seeding, count)
    # Smaller batches than production's make the command run longer than a few client
    # calls, so calls land before, between and after the batches' commits.
    monkeypatch.setattr(secret_rotation, "BATCH", 100)
    app = make_app(**(before | after))
    with serve(app) as url, Traffic(url, pairs) as traffic:
        traffic.wait_for(20)
        traffic.rotating.set()
        result = app.test_cli_runner().invoke(args=["keys", command])
        traffic.rotating.clear()
        traffic.wait_for(sum(traffic.statuses.values()) + 20)
    assert result.exit_code == 0, result.output
    assert f"{count} of {count} keys: {count} rewritten" in result.output
    assert traffic.during_rotation >= 20, "too few calls overlapped the rotation to show it"
    assert set(traffic.statuses) == {200}, traffic.statuses
