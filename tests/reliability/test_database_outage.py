"""PostgreSQL stops and starts again: while it is down, the API answers 503
SERVICE_UNAVAILABLE and the pages a friendly 503, quickly, never a 500 or a hang; once it is
back, requests succeed again without restarting the app, and a regeneration acknowledged
before the stop is in effect."""

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY, generate_latest

from app import create_app
from app.core import db
from app.keys import primary
from app.people import accounts
from tests.conftest import base_config
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.gateway import check
from tests.helpers.openapi import assert_matches
from tests.helpers.services import PrivatePostgres, private_postgres
from tests.helpers.users import PASSWORD
from tests.helpers.web import log_in

OUTAGE_ANSWER_SECONDS = 10  # far more than the answer takes; a hang would take minutes


@dataclass
class Site:
    server: PrivatePostgres
    app: Flask
    client: FlaskClient
    email: str
    key: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """An app on a private PostgreSQL cluster, with one user."""
    with private_postgres() as server:
        engine = db.make_engine(server.url)
        db.upgrade(engine)
        engine.dispose()
        app = create_app(base_config(server.url, tmp_path / "instance"))
        with app.app_context():
            user = accounts.register(db.session(), "ada@example.com", "Ada", PASSWORD)
            key = primary.reveal(db.session(), user.id)
        assert key is not None
        yield Site(server, app, app.test_client(), "ada@example.com", key)
        app.extensions["keyfob.engine"].dispose()


def test_the_api_answers_503_while_the_database_is_down(site: Site) -> None:
    api_ok(api_me(site.client, site.email, site.key))  # a connection is open and warm
    site.server.stop()
    started = time.monotonic()
    api_error(api_me(site.client, site.email, site.key), 503, "SERVICE_UNAVAILABLE")
    regenerate = site.client.post(f"{API}/users/me/api_key/regenerate", auth=(site.email, site.key))
    api_error(regenerate, 503, "SERVICE_UNAVAILABLE")
    assert time.monotonic() - started < OUTAGE_ANSWER_SECONDS


def test_the_gateway_check_tells_nginx_of_the_outage_once(site: Site) -> None:
    # Answered by the API's error handler, not the check's own refusals: its hook adds the
    # headers nginx reads, once.
    site.server.stop()
    down = check(site.client, "POST", "/api/v1/messages", site.key, email=site.email)
    api_error(down, 503, "SERVICE_UNAVAILABLE")
    assert down.headers.getlist("X-Keyfob-Status") == ["503"]
    assert [json.loads(error) for error in down.headers.getlist("X-Keyfob-Error")] == [
        down.get_json()
    ]


def test_the_pages_answer_a_friendly_503_while_the_database_is_down(site: Site) -> None:
    assert log_in(site.client, site.email).status_code == 302
    site.server.stop()
    page = site.client.get("/settings/account")
    assert page.status_code == 503
    assert "It cannot reach its database right now." in page.get_data(as_text=True)
    assert log_in(site.app.test_client(), site.email).status_code == 503  # a new visitor


def test_everything_works_again_after_the_restart_and_nothing_acknowledged_is_lost(
    site: Site,
) -> None:
    rolled = site.client.post(f"{API}/users/me/api_key/regenerate", auth=(site.email, site.key))
    new_key = str(api_ok(rolled)["api_key"])  # acknowledged before the stop
    site.server.stop()
    api_error(api_me(site.client, site.email, new_key), 503, "SERVICE_UNAVAILABLE")
    site.server.start()
    api_ok(api_me(site.client, site.email, new_key))
    api_error(api_me(site.client, site.email, site.key), 401, "INVALID_API_KEY")
    assert log_in(site.client, site.email).status_code == 302


def test_the_outage_answer_matches_the_document(site: Site) -> None:
    site.server.stop()
    assert_matches("/users/me", "get", api_me(site.client, site.email, site.key))


def test_an_unchecked_key_is_counted_as_unavailable(site: Site) -> None:
    def unavailable() -> float:
        scrape = generate_latest(REGISTRY).decode()
        found = re.search(
            r'keyfob_api_authentications_total\{outcome="unavailable"\} (\S+)', scrape
        )
        return float(found.group(1)) if found else 0.0

    before = unavailable()
    site.server.stop()
    api_error(api_me(site.client, site.email, site.key), 503, "SERVICE_UNAVAILABLE")
    assert unavailable() == before + 1
