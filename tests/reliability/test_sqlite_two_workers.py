"""SQLite under two gunicorn workers: 30 s of mixed writes and reads (regenerations, bot
changes, logins, API calls) from parallel clients, with no "database is locked" and no 5xx.
Two workers need a shared rate-limit store, so this runs where Redis answers."""

import random
import re
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.helpers.gunicorn import environment, free_port, running, shared_secrets
from tests.helpers.services import redis_answers
from tests.helpers.users import PASSWORD
from tests.helpers.web import csrf_token_in

SECONDS = 30
CLIENTS = 6
EXPECTED = {200, 302}


class Script:
    """One client: a person with a browser session and their key, doing a mix of things."""

    def __init__(self, url: str, number: int) -> None:
        self.url, self.number = url, number
        self.email = f"load{number}@example.com"
        self.browser = httpx.Client(base_url=url, timeout=30)
        self.statuses: Counter[int] = Counter()
        self._form("/register", email=self.email, full_name=f"Load {number}", confirm=PASSWORD)
        answer = httpx.post(
            f"{url}/api/v1/fetch_api_key",
            data={"username": self.email, "password": PASSWORD},
            timeout=30,
        )
        self.key = str(answer.json()["api_key"])
        self._bots = 0
        self.failure: str | None = None

    def run_until(self, deadline: float, seed: int) -> None:
        try:
            self._mix(deadline, random.Random(seed))
        except Exception as error:
            self.failure = repr(error)

    def _mix(self, deadline: float, chance: random.Random) -> None:
        while time.monotonic() < deadline:
            roll = chance.random()
            if roll < 0.7:
                self._count(self._api("GET", "/users/me"))
            elif roll < 0.8:
                answer = self._api("POST", "/users/me/api_key/regenerate")
                if answer.status_code == 200:
                    self.key = str(answer.json()["api_key"])
                self._count(answer)
            elif roll < 0.9:
                self._bot_change()
            else:
                self._log_in_anew()

    def _bot_change(self) -> None:
        self._bots += 1
        data = {"full_name": f"Bot {self._bots}", "short_name": f"l{self.number}-{self._bots}"}
        made = self._api("POST", "/bots", data)
        self._count(made)
        if made.status_code == 200:
            bot = made.json()["user_id"]
            self._count(self._api("DELETE", f"/bots/{bot}"))

    def _log_in_anew(self) -> None:
        """A login from a new browser (this one is logged in since registering)."""
        with httpx.Client(base_url=self.url, timeout=30) as browser:
            token = csrf_token_in(browser.get("/login").text)
            data = {"email": self.email, "password": PASSWORD, "csrf_token": token}
            self._count(browser.post("/login", data=data))

    def _api(self, method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}/api/v1{path}", data=data, auth=(self.email, self.key), timeout=30
        )

    def _form(self, path: str, **fields: str) -> httpx.Response:
        token = csrf_token_in(self.browser.get(path).text)
        return self.browser.post(path, data={"password": PASSWORD, "csrf_token": token, **fields})

    def _count(self, answer: httpx.Response) -> None:
        self.statuses[answer.status_code] += 1


def test_two_workers_on_sqlite_never_lock_and_never_fail(tmp_path: Path) -> None:
    if not redis_answers():
        pytest.skip("two workers need a shared rate-limit store, and Redis does not answer")
    port = free_port()
    settings = {
        **shared_secrets(),
        "KEYFOB_SERVE_WORKERS": "2",
        "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
        "KEYFOB_DATABASE_URL": f"sqlite:///{tmp_path / 'load.sqlite3'}",
        "KEYFOB_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "KEYFOB_RATELIMIT_KEY_PREFIX": f"sqlite-load-{port}",
        "KEYFOB_REGISTRATION_LIMIT_PER_IP": "1000 per hour",
    }
    log = tmp_path / "serve.log"
    with running(["make", "serve"], environment(tmp_path / "instance", settings), port, log) as url:
        scripts = [Script(url, number) for number in range(CLIENTS)]
        deadline = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=script.run_until, args=(deadline, number))
            for number, script in enumerate(scripts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
    assert [script.failure for script in scripts] == [None] * CLIENTS
    statuses = sum((script.statuses for script in scripts), Counter())
    assert set(statuses) <= EXPECTED, statuses
    assert sum(statuses.values()) > 100 * CLIENTS  # the load really ran
    assert not re.search(r"database is locked|Traceback", log.read_text()), log.read_text()[-3000:]
