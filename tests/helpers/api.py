"""What a script does: the REST API under /api/v1, with HTTP Basic email:key credentials."""

import base64

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.users import Account

API = "/api/v1"


def api_me(client: FlaskClient, email: str, key: str) -> TestResponse:
    """GET /users/me with ``email`` and ``key``: the call every script makes first."""
    return client.get(f"{API}/users/me", auth=(email, key))


def api_ok(response: TestResponse) -> dict[str, object]:
    """The body of a successful API response (200, result "success", empty msg)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == "success" and body["msg"] == ""
    return dict(body)


def api_error(response: TestResponse, status: int, code: str) -> dict[str, object]:
    """The body of an API error with this status and code, a msg, and on 401 the challenge."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == "error" and body["code"] == code and body["msg"]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Basic realm="keyfob"'
    return dict(body)


def basic_auth(email: str, key: str) -> dict[str, str]:
    """The Authorization header a script sends, spelled out (UTF-8, base64)."""
    token = base64.b64encode(f"{email}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def fetch_key(client: FlaskClient, email: str, password: str) -> int:
    """The status of POST /fetch_api_key with this email and password."""
    data = {"username": email, "password": password}
    return client.post(f"{API}/fetch_api_key", data=data).status_code


def api_create_bot(
    client: FlaskClient,
    owner: Account,
    full_name: str,
    short_name: str,
    bot_type: int | str | None = None,
) -> TestResponse:
    """POST /bots with the owner's key, as a script adding a bot would."""
    data = {"full_name": full_name, "short_name": short_name}
    if bot_type is not None:
        data["bot_type"] = str(bot_type)
    return client.post(f"{API}/bots", data=data, auth=(owner.email, owner.key))
