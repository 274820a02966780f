"""The API app mounted under /api: one configuration and one clock with the pages, the
extensions it needs checked at start, and its routes visible from the command line."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import api
from tests.conftest import Clock
from tests.helpers.users import Account


def test_a_setting_changed_after_start_is_seen_by_the_api(app: Flask, client: FlaskClient) -> None:
    app.config["SITE_URL"] = "https://chat.example.com"
    realm = client.get("/api/v1/server_settings").get_json()["realm_url"]
    assert realm == "https://chat.example.com"


def test_moving_the_clock_moves_it_for_the_api_too(
    app: Flask, client: FlaskClient, clock: Clock, user: Account
) -> None:
    clock.advance(days=3)
    assert client.get("/api/v1/users/me", auth=(user.email, user.key)).status_code == 200
    with app.app_context():
        from app.core import db
        from app.keys import primary

        record = primary.active_key(db.session(), user.id)
        assert record is not None and record.last_used_at == clock.current


def test_a_missing_shared_extension_stops_the_app_at_start(
    make_app: Callable[..., Flask],
) -> None:
    web = make_app()
    del web.extensions["keyfob.keystore"]
    with pytest.raises(RuntimeError, match=r"keyfob\.keystore"):
        api.create_api_app(web)


def test_the_api_routes_are_listed_from_the_command_line(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["api-routes"])
    assert result.exit_code == 0
    assert "/api/v1/users/me" in result.output
    assert "/api/v1/bots/<int:bot_id>/reactivate" in result.output
