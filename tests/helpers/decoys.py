"""Decoy keys as a script and a stranger meet them: made through the API, then tried by
someone who found one. The server tells of a decoy's use once it has sent the answer (when
it closes the response), so ``try_key`` closes each response as a real server does."""

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API
from tests.helpers.api_keys import OWN

# What differs between any two answers, whatever they answer: when they were made.
PER_RESPONSE_HEADERS = {"Date"}


def decoys_of(holder: str = OWN) -> str:
    """The decoys path of ``holder``: OWN, or ``/bots/<id>``."""
    return f"{API}{holder}/decoys"


def make_decoy(
    client: FlaskClient, auth: tuple[str, str], name: str = "wiki", holder: str = OWN
) -> dict[str, Any]:
    """A new decoy of ``auth``'s holder (``holder``: or of a bot): its summary and
    ``api_key`` (asserting it was made)."""
    response = client.post(decoys_of(holder), json={"name": name}, auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    made: dict[str, Any] = response.get_json()
    return made


def list_decoys(client: FlaskClient, auth: tuple[str, str], holder: str = OWN) -> list[Any]:
    response = client.get(decoys_of(holder), auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    listed: list[Any] = response.get_json()["decoys"]
    return listed


def try_key(
    client: FlaskClient, key: str, email: str | None = None, path: str = "/users/me"
) -> TestResponse:
    """GET ``path`` with ``key`` (with ``email`` as HTTP Basic, else as Bearer), the
    response read and closed, as a server closes it after sending."""
    if email is None:
        response = client.get(f"{API}{path}", headers={"Authorization": f"Bearer {key}"})
    else:
        response = client.get(f"{API}{path}", auth=(email, key))
    response.get_data()
    response.close()
    return response


def as_sent(response: TestResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
    """What a caller receives, less what differs between any two answers."""
    headers = sorted((k, v) for k, v in response.headers.items() if k not in PER_RESPONSE_HEADERS)
    return response.status_code, response.get_data(), headers
