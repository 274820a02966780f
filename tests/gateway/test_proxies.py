"""Keyfob in front of a chat platform, through real nginx and Caddy (the samples in
docs/gateway/): the official zulip client sends a message with a zuliprc downloaded from the
pages and zulip-run-bot registers its event queue, the platform seeing who called; every
refusal is Keyfob's own answer, given by the proxy, and the platform never sees the request."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import zulip
from flask import Flask
from flask.testing import FlaskClient

from tests.gateway.conftest import GUESSES
from tests.helpers.api_keys import change_key, limited_key, scoped_key
from tests.helpers.live import new_bot_download, own_download
from tests.helpers.platform import Platform
from tests.helpers.rc import write_rc
from tests.helpers.tokens import minted
from tests.helpers.users import Account, MakeUser

pytestmark = pytest.mark.usefixtures("no_zulip_settings")
BOT_SECONDS = 60
SEND = "/api/v1/messages"
SEND_ROUTE = ("POST", SEND)


@pytest.fixture
def ada(keyfob: Flask) -> Account:
    return MakeUser(keyfob)("ada@example.com", "Ada Lovelace")


def send(gateway: str, key: str, **headers: str) -> httpx.Response:
    """POST a message through the gateway with ``key`` (Bearer) and any ``headers``."""
    sent = {"Authorization": f"Bearer {key}", **headers}
    form = {"type": "stream", "to": "general", "topic": "t", "content": "hi"}
    return httpx.post(gateway + SEND, headers=sent, data=form, timeout=30)


def revoke_on_another_node(make_app: Callable[..., Flask], ada: Account, key_id: int) -> None:
    """Revoke ada's key through another app on the same database: another process's memory."""
    other_node = make_app(TRUSTED_HOSTS=["localhost"]).test_client()
    revoked = other_node.delete(f"/api/v1/users/me/keys/{key_id}", auth=(ada.email, ada.key))
    assert revoked.status_code == 200


def refused(answer: httpx.Response, status: int, code: str, platform: Platform) -> None:
    """Refused by the proxy with Keyfob's answer; nothing reached the platform."""
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code and answer.json()["result"] == "error"
    assert platform.received == []


def test_the_zulip_client_sends_a_message_with_a_downloaded_zuliprc(
    gateway: str, keyfob_url: str, platform: Platform, ada: Account, tmp_path: Path
) -> None:
    rc = write_rc(tmp_path / "zuliprc", own_download(keyfob_url, ada.email, "ini").decode())
    client = zulip.Client(config_file=str(rc))
    result = client.send_message({"type": "stream", "to": "general", "topic": "t", "content": "hi"})
    assert result["result"] == "success", result
    [received] = platform.calls("POST", SEND)
    assert received.email == ada.email
    assert received.identity["X-Keyfob-User-Id"] == str(ada.id)
    assert received.identity["X-Keyfob-Full-Name"] == "Ada Lovelace"


def test_zulip_run_bot_gets_past_its_register_call(
    gateway: str, keyfob_url: str, platform: Platform, ada: Account, tmp_path: Path
) -> None:
    _bot_id, text = new_bot_download(keyfob_url, ada.email, "helper", "ini")
    config = write_rc(tmp_path / "zuliprc", text.decode())
    command = shutil.which("zulip-run-bot", path=str(Path(sys.executable).parent))
    assert command, "zulip_bots is not installed"
    bot = subprocess.Popen(
        [command, "helloworld", "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + BOT_SECONDS
        while not platform.calls("GET", "/api/v1/events") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
    [registered] = platform.calls("POST", "/api/v1/register")[:1]
    assert registered.identity["X-Keyfob-Is-Bot"] == "true"
    assert registered.identity["X-Keyfob-Bot-Owner-Id"] == str(ada.id)
    assert platform.calls("GET", "/api/v1/events"), "the bot never polled its queue"


def test_a_key_without_the_scope_is_refused(
    gateway: str, keyfob_client: FlaskClient, platform: Platform, ada: Account
) -> None:
    reader = scoped_key(keyfob_client, (ada.email, ada.key), "messages:read")
    answer = send(gateway, reader)
    refused(answer, 403, "MISSING_SCOPE", platform)
    assert answer.headers["X-Accepted-Scopes"] == "messages:write"


def test_a_key_revoked_on_another_node_is_refused_at_once(
    gateway: str,
    keyfob_client: FlaskClient,
    make_app: Callable[..., Flask],
    platform: Platform,
    ada: Account,
) -> None:
    made = limited_key(keyfob_client, (ada.email, ada.key))
    assert send(gateway, made["api_key"]).status_code == 200  # now verified on this node
    platform.received.clear()
    revoke_on_another_node(make_app, ada, made["id"])
    refused(send(gateway, made["api_key"]), 401, "INVALID_API_KEY", platform)


def test_a_short_lived_token_sends_a_message_as_its_person(
    gateway: str, keyfob_client: FlaskClient, platform: Platform, ada: Account
) -> None:
    token = minted(keyfob_client, (ada.email, ada.key), scopes=["messages:write"])["token"]
    assert send(gateway, token).status_code == 200
    assert platform.calls(*SEND_ROUTE)[-1].identity["X-Keyfob-User-Id"] == str(ada.id)


def test_a_token_whose_key_is_revoked_on_another_node_is_refused_at_once(
    gateway: str,
    keyfob_client: FlaskClient,
    make_app: Callable[..., Flask],
    platform: Platform,
    ada: Account,
) -> None:
    made = limited_key(keyfob_client, (ada.email, ada.key))
    token = minted(keyfob_client, (ada.email, made["api_key"]))["token"]
    assert send(gateway, token).status_code == 200  # now verified on this node
    platform.received.clear()
    revoke_on_another_node(make_app, ada, made["id"])
    refused(send(gateway, token), 401, "INVALID_API_KEY", platform)


def test_a_paused_key_is_refused(
    gateway: str, keyfob_client: FlaskClient, platform: Platform, ada: Account
) -> None:
    client, auth = keyfob_client, (ada.email, ada.key)
    made = limited_key(client, auth)
    change_key(client, auth, made["id"], paused=True)
    refused(send(gateway, made["api_key"]), 401, "API_KEY_PAUSED", platform)


def test_a_key_from_a_network_it_does_not_allow_is_refused(
    gateway: str, keyfob_client: FlaskClient, platform: Platform, ada: Account
) -> None:
    made = limited_key(keyfob_client, (ada.email, ada.key), "127.0.0.2/32")
    refused(send(gateway, made["api_key"]), 403, "IP_NOT_ALLOWED", platform)


def test_a_forged_identity_never_reaches_the_platform(
    gateway: str, platform: Platform, ada: Account, a_key: str
) -> None:
    forged = {"X-Keyfob-User-Id": "999", "X-Keyfob-Email": "boss%40example.com"}
    refused(send(gateway, a_key, **forged), 401, "INVALID_API_KEY", platform)
    assert send(gateway, ada.key, **forged).status_code == 200
    assert platform.calls("POST", SEND)[0].identity["X-Keyfob-User-Id"] == str(ada.id)
    httpx.get(gateway + "/api/v1/server_settings", headers=forged, timeout=30)
    # A public route names nobody: no X-Keyfob-* value (Caddy sends each empty, nginx none).
    assert not any(platform.calls("GET", "/api/v1/server_settings")[0].identity.values())


def test_a_route_no_rule_names_is_refused(gateway: str, platform: Platform, ada: Account) -> None:
    answer = httpx.post(gateway + "/api/v1/secret_thing", auth=(ada.email, ada.key), timeout=30)
    refused(answer, 403, "ROUTE_NOT_ALLOWED", platform)


def test_a_raw_hash_in_the_path_cannot_borrow_a_weaker_routes_scope(
    gateway: str, keyfob_client: FlaskClient, platform: Platform, ada: Account
) -> None:
    reactor = scoped_key(keyfob_client, (ada.email, ada.key), "reactions:write")
    host, port = gateway.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:  # sent as typed: nginx passes a raw # on, and the next server cuts the path there
        connection.request(
            "DELETE",
            "/api/v1/messages/123#/reactions",
            headers={"Authorization": f"Bearer {reactor}"},
        )
        answer = connection.getresponse()
        status, body = answer.status, json.loads(answer.read())
    finally:
        connection.close()
    assert (status, body["code"]) in ((403, "ROUTE_NOT_ALLOWED"), (400, "BAD_REQUEST"))
    assert platform.calls("DELETE", "/api/v1/messages/123") == []


def test_too_many_wrong_keys_get_429_with_retry_after(
    gateway: str, platform: Platform, a_key: str
) -> None:
    for _ in range(GUESSES):
        send(gateway, a_key)
    answer = send(gateway, a_key)
    refused(answer, 429, "RATE_LIMIT_HIT", platform)
    assert int(answer.headers["Retry-After"]) > 0
