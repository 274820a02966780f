"""Limits hold under real parallel requests against a live server, on SQLite and PostgreSQL:
each race asserts the exact final state."""

import time
from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from app.core.models import User
from app.people import passwords
from keyfob_client import keyformat
from tests.helpers.admin import count_users
from tests.helpers.live import at_once, browser_logged_in, serve
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import csrf_token_in


@pytest.fixture
def slow_password_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each password check takes a while (as a production-cost hash does), so parallel
    attempts are sure to overlap: only counting before checking keeps them to the limit."""
    check = passwords.check_password

    def slow_check(user: User | None, password: str) -> bool:
        time.sleep(0.05)
        return check(user, password)

    monkeypatch.setattr(passwords, "check_password", slow_check)


def slow_key_lookups(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key lookup takes a while (a loaded database), so parallel guesses overlap."""
    store = app.extensions["keyfob.keystore"]
    lookup = store.lookup

    def slow_lookup(key_digest: str, **options: bool) -> object:
        time.sleep(0.05)
        return lookup(key_digest, **options)

    monkeypatch.setattr(store, "lookup", slow_lookup)


def fetch_key_live(base_url: str, email: str, password: str) -> int:
    """The status of POST /fetch_api_key on the live server at ``base_url``."""
    data = {"username": email, "password": password}
    return httpx.post(f"{base_url}/api/v1/fetch_api_key", data=data, timeout=30).status_code


@pytest.mark.usefixtures("slow_password_checks")
def test_parallel_guesses_on_one_account_cannot_outrun_the_count(
    live_server: str, user: Account
) -> None:
    statuses = at_once(12, lambda _: fetch_key_live(live_server, user.email, "a wrong guess"))
    assert sorted(statuses) == [401] * 5 + [429] * 7


@pytest.mark.usefixtures("slow_password_checks")
def test_parallel_logins_cannot_outrun_the_count(live_server: str, user: Account) -> None:
    browsers = [httpx.Client(base_url=live_server, timeout=30) for _ in range(8)]
    tokens = [csrf_token_in(browser.get("/login").text) for browser in browsers]

    def guess(index: int) -> int:
        data = {"email": user.email, "password": "a wrong guess", "csrf_token": tokens[index]}
        return browsers[index].post("/login", data=data).status_code

    statuses = at_once(8, guess)
    assert sorted(statuses) == [200] * 5 + [429] * 3  # 200: the form again, "incorrect"


@pytest.mark.usefixtures("slow_password_checks")
def test_parallel_guesses_across_accounts_meet_the_ip_limit_exactly(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_IP="10 per 30 minutes")
    with serve(app) as url:
        statuses = at_once(20, lambda n: fetch_key_live(url, f"victim{n}@example.com", "guess"))
    assert sorted(statuses) == [401] * 10 + [429] * 10


def test_parallel_registrations_meet_the_ip_limit_exactly(make_app: Callable[..., Flask]) -> None:
    app = make_app(REGISTRATION_LIMIT_PER_IP="10 per hour")
    with serve(app) as url:
        browsers = [httpx.Client(base_url=url, timeout=30) for _ in range(25)]
        tokens = [csrf_token_in(browser.get("/register").text) for browser in browsers]

        def register(n: int) -> int:
            data = {
                "email": f"new{n}@example.com",
                "full_name": f"New {n}",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "csrf_token": tokens[n],
            }
            return browsers[n].post("/register", data=data).status_code

        statuses = at_once(25, register)
    assert sorted(statuses) == [302] * 10 + [429] * 15
    assert count_users(app) == 10


IN_FLIGHT, GUESSES_EACH = 8, 5


def test_parallel_key_guesses_overshoot_the_ip_limit_by_at_most_those_in_flight(
    make_app: Callable[..., Flask], make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(KEY_GUESS_LIMIT_PER_IP="10 per hour")
    slow_key_lookups(app, monkeypatch)
    user = make_user()
    wrong = keyformat.generate(keyformat.USER_PREFIX)  # well formed, so it is looked up
    with serve(app) as url:

        def guesses(_: int) -> list[int]:  # one client connection: one guess in flight
            auth = (user.email, wrong)
            return [
                httpx.get(f"{url}/api/v1/users/me", auth=auth, timeout=30).status_code
                for _ in range(GUESSES_EACH)
            ]

        statuses = [status for each in at_once(IN_FLIGHT, guesses) for status in each]
        valid = httpx.get(f"{url}/api/v1/users/me", auth=(user.email, user.key), timeout=30)
    checked = statuses.count(401)
    assert 10 <= checked <= 10 + IN_FLIGHT - 1, statuses
    assert statuses.count(429) == len(statuses) - checked
    assert valid.status_code == 429  # the IP is out of guesses: no key is checked


def test_parallel_bot_creations_in_the_page_meet_the_bot_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=3)
    owner = make_user()
    with serve(app) as url:
        browser = browser_logged_in(url, owner.email)
        token = csrf_token_in(browser.get("/settings/bots").text)

        def create(n: int) -> str:
            data = {"full_name": f"Bot {n}", "username": f"bot{n}", "csrf_token": token}
            with httpx.Client(base_url=url, cookies=browser.cookies, timeout=30) as tab:
                return tab.post("/settings/bots", data=data).text

        pages = at_once(20, create)
    assert sum("most allowed" in page for page in pages) == 17
    assert count_users(app, User.bot_owner_id == owner.id) == 3


def test_parallel_bot_creations_through_the_api_meet_the_bot_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=3)
    owner = make_user()
    with serve(app) as url:

        def create(n: int) -> int:
            data = {"full_name": f"Bot {n}", "short_name": f"bot{n}"}
            auth = (owner.email, owner.key)
            return httpx.post(f"{url}/api/v1/bots", data=data, auth=auth, timeout=30).status_code

        statuses = at_once(20, create)
    assert sorted(statuses) == [200] * 3 + [400] * 17
    assert count_users(app, User.bot_owner_id == owner.id) == 3


def test_parallel_reactivations_meet_the_bot_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=5)
    owner = make_user()
    auth = (owner.email, owner.key)
    with serve(app) as url, httpx.Client(base_url=f"{url}/api/v1", auth=auth, timeout=30) as api:
        bot_ids = []
        for n in range(9):  # nine inactive bots, made within the limit of five active ones
            created = api.post("/bots", data={"full_name": f"Bot {n}", "short_name": f"bot{n}"})
            bot_ids.append(created.json()["user_id"])
            assert api.delete(f"/bots/{bot_ids[-1]}").status_code == 200
        statuses = at_once(9, lambda n: api.post(f"/bots/{bot_ids[n]}/reactivate").status_code)
    assert sorted(statuses) == [200] * 5 + [400] * 4
    assert count_users(app, User.bot_owner_id == owner.id, User.is_active.is_(True)) == 5


def test_parallel_deactivations_and_reactivations_of_one_bot_never_fail(
    app: Flask, user: Account
) -> None:
    # Deactivate and reactivate once took the owner's and the bot's locks in opposite
    # orders: on PostgreSQL some requests died of a deadlock (500).
    auth = (user.email, user.key)
    with serve(app) as url, httpx.Client(base_url=f"{url}/api/v1", auth=auth, timeout=60) as api:
        bot_id = api.post("/bots", data={"full_name": "Flip", "short_name": "flip"}).json()[
            "user_id"
        ]

        def flip(n: int) -> int:
            for _ in range(5):
                method = "DELETE" if n % 2 else "POST"
                path = f"/bots/{bot_id}" if n % 2 else f"/bots/{bot_id}/reactivate"
                status = api.request(method, path).status_code
                if status != 200:
                    return status
            return 200

        statuses = at_once(20, flip)
    assert statuses == [200] * 20
