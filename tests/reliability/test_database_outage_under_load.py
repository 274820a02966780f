"""PostgreSQL stops in the middle of driven load, under the real gunicorn.conf.py, and starts
again 5 s later. Every answer is a 200 or a quick 503 SERVICE_UNAVAILABLE, never a 500 or a
hang; the workers recover without a restart; and every regeneration acknowledged to a client
was in effect: the next call with the key it returned succeeded, and no older key works."""

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from app.core import db
from tests.conftest import seeder_app
from tests.helpers.gunicorn import environment, free_port, gunicorn_command, running, shared_secrets
from tests.helpers.services import PrivatePostgres, private_postgres
from tests.helpers.users import Account, MakeUser

DRIVERS = 4
DOWN_SECONDS = 5  # the outage: stopped, then started again 5 s later
ANSWER_SECONDS = 10  # far more than any answer takes; a hang would hit it
RUN_LIMIT_SECONDS = 60  # the whole drive, however the services behave


@dataclass
class Answer:
    call: str  # "me", "regenerate" or "recover"
    status: int  # 0 for no answer in time
    code: str | None
    started: float
    seconds: float
    key: str  # the key the request authenticated with


@dataclass
class Driver:
    """One script: calls users/me and regenerates its own key in turn, as fast as it can."""

    account: Account
    key: str
    acknowledged: list[str] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Drive:
    """What the drivers saw, and when the database went away and came back."""

    url: str
    drivers: list[Driver]
    stopped: float = 0.0
    restarted: float = 0.0


@pytest.fixture(scope="module")
def drive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drive]:
    """gunicorn (one worker, its threads) on a private PostgreSQL cluster, driven by scripts
    while the cluster is stopped and started again."""
    tmp_path = tmp_path_factory.mktemp("outage-under-load")
    with private_postgres() as server:
        secrets = shared_secrets()
        seeder = seeder_app(server.url, tmp_path / "seeder", secrets)
        db.upgrade(seeder.extensions["keyfob.engine"])
        make_user = MakeUser(seeder)
        accounts = [make_user(f"driver{n}@example.com") for n in range(DRIVERS)]
        seeder.extensions["keyfob.engine"].dispose()
        port = free_port()
        settings = {
            **secrets,
            "KEYFOB_DATABASE_URL": server.url,
            "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}",
            "KEYFOB_SERVE_WORKERS": "1",  # one worker may count limits in memory
            "KEYFOB_PASSWORD_LIMIT_PER_ACCOUNT_AND_IP": "1000 per minute",
            "KEYFOB_KEY_GUESS_LIMIT_PER_IP": "100000 per minute",  # the old keys, tried last
        }
        env = environment(tmp_path / "instance", settings)
        with running(gunicorn_command(), env, port, tmp_path / "gunicorn.log") as url:
            outcome = Drive(url, [Driver(a, a.key) for a in accounts])
            _run(server, outcome)
            yield outcome


def _ask(
    http: httpx.Client, driver: Driver, call: str, path: str, **sent: object
) -> dict[str, object]:
    """POST or GET ``path`` as ``driver``, note the answer, and hand back its JSON body."""
    started, key = time.monotonic(), driver.key
    method = "GET" if call == "me" else "POST"
    auth = None if call == "recover" else (driver.account.email, key)
    try:
        response = http.request(method, path, auth=auth, **sent)  # type: ignore[arg-type]
        status, body = response.status_code, response.json()
    except httpx.TransportError:
        status, body = 0, {}
    code = body.get("code")
    seconds = time.monotonic() - started
    driver.answers.append(Answer(call, status, str(code) if code else None, started, seconds, key))
    return {**body, "status": status}


def _drive(url: str, driver: Driver, until: threading.Event) -> None:
    """Alternate users/me and a regeneration. A regeneration with no clear answer is repeated
    with the same Idempotency-Key; a key that stopped working (a regeneration that committed
    but whose answer was lost) is recovered with the password, as a careful script would."""
    idempotency = uuid.uuid4().hex
    login = {"username": driver.account.email, "password": driver.account.password}
    deadline = time.monotonic() + RUN_LIMIT_SECONDS
    with httpx.Client(base_url=url, timeout=ANSWER_SECONDS) as http:
        while not until.is_set() and time.monotonic() < deadline:
            me = _ask(http, driver, "me", "/api/v1/users/me")
            regenerated = _ask(
                http,
                driver,
                "regenerate",
                "/api/v1/users/me/api_key/regenerate",
                headers={"Idempotency-Key": idempotency},
            )
            if regenerated["status"] == 200:
                driver.key = str(regenerated["api_key"])
                driver.acknowledged.append(driver.key)
                idempotency = uuid.uuid4().hex
            elif 401 in (me["status"], regenerated["status"]):
                recovered = _ask(http, driver, "recover", "/api/v1/fetch_api_key", data=login)
                if recovered["status"] == 200:
                    driver.key = str(recovered["api_key"])
            if me["status"] != 200 or regenerated["status"] != 200:
                time.sleep(0.1)  # a script's back-off while the service is down


def _run(server: PrivatePostgres, drive: Drive) -> None:
    """Drive for a while, stop the database, start it 5 s later, and drive on until every
    script has had a call and a regeneration succeed again (or the time limit)."""
    until = threading.Event()
    threads = [
        threading.Thread(target=_drive, args=(drive.url, driver, until)) for driver in drive.drivers
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        drive.stopped = time.monotonic()
        server.stop()
        time.sleep(DOWN_SECONDS)
        server.start()
        drive.restarted = time.monotonic()
        deadline = drive.restarted + RUN_LIMIT_SECONDS / 2
        while time.monotonic() < deadline and not all(
            _recovered(driver, drive.restarted) for driver in drive.drivers
        ):
            time.sleep(0.2)
        time.sleep(1)  # and a little more load on the recovered service
    finally:
        until.set()
        for thread in threads:
            thread.join(timeout=RUN_LIMIT_SECONDS)


def _recovered(driver: Driver, since: float) -> bool:
    worked = {a.call for a in driver.answers if a.started >= since and a.status == 200}
    return {"me", "regenerate"} <= worked


def _answers(drive: Drive) -> list[Answer]:
    return [answer for driver in drive.drivers for answer in driver.answers]


def test_every_answer_comes_quickly(drive: Drive) -> None:
    slow = [a for a in _answers(drive) if a.status == 0 or a.seconds >= ANSWER_SECONDS]
    assert slow == []


def test_every_failure_is_a_503_service_unavailable(drive: Drive) -> None:
    failures = {(a.status, a.code) for a in _answers(drive) if a.status not in (200, 401)}
    assert failures <= {(503, "SERVICE_UNAVAILABLE")}


def test_a_key_stops_working_only_after_a_regeneration_that_may_have_committed(
    drive: Drive,
) -> None:
    """A 401 is allowed only right after a regeneration whose commit was cut off (503)."""
    for driver in drive.drivers:
        previous_regeneration = 200
        for answer in driver.answers:
            if answer.status == 401:
                assert (answer.code, previous_regeneration) == ("INVALID_API_KEY", 503)
            if answer.call == "regenerate":
                previous_regeneration = answer.status


def test_the_outage_was_met_under_load(drive: Drive) -> None:
    during = [a for a in _answers(drive) if drive.stopped <= a.started < drive.restarted]
    assert {a.call for a in during if a.status == 503} == {"me", "regenerate"}


def test_every_script_works_again_without_restarting_the_app(drive: Drive) -> None:
    assert all(_recovered(driver, drive.restarted) for driver in drive.drivers)


def test_regenerations_were_acknowledged_before_the_stop_and_after_the_restart(
    drive: Drive,
) -> None:
    for driver in drive.drivers:
        acknowledged = [
            a.started for a in driver.answers if a.call == "regenerate" and a.status == 200
        ]
        assert min(acknowledged) < drive.stopped < drive.restarted < max(acknowledged)


def test_every_acknowledged_key_worked_until_the_script_replaced_it(drive: Drive) -> None:
    for driver in drive.drivers:
        for key in set(driver.acknowledged) - {driver.key}:  # the last: the next test
            used = [a for a in driver.answers if a.key == key]
            assert any(a.status == 200 for a in used) or any(a.call == "recover" for a in used)


def test_only_the_last_key_works_afterwards(drive: Drive) -> None:
    with httpx.Client(base_url=drive.url, timeout=ANSWER_SECONDS) as http:
        for driver in drive.drivers:
            email = driver.account.email
            assert http.get("/api/v1/users/me", auth=(email, driver.key)).status_code == 200
            for old in {driver.account.key, *driver.acknowledged} - {driver.key}:
                assert http.get("/api/v1/users/me", auth=(email, old)).status_code == 401
