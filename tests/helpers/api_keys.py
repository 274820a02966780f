"""What a script does with keys through the API: list, create, revoke, regenerate."""

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API

OWN = "/users/me"


def keys_of(holder: str = OWN) -> str:
    """The keys path of ``holder``: OWN, or ``/bots/<id>``."""
    return f"{API}{holder}/keys"


def create_key(
    client: FlaskClient, auth: tuple[str, str], name: str, holder: str = OWN, **fields: Any
) -> TestResponse:
    """POST a new named key (``fields``: e.g. expires_in_days) with HTTP Basic ``auth``."""
    return client.post(keys_of(holder), data={"name": name, **fields}, auth=auth)


def list_keys(client: FlaskClient, auth: tuple[str, str], holder: str = OWN) -> list[Any]:
    """The holder's key list (asserting it succeeded)."""
    response = client.get(keys_of(holder), auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    keys: list[Any] = response.get_json()["keys"]
    return keys


def revoke_key(
    client: FlaskClient, auth: tuple[str, str], key_id: int, holder: str = OWN
) -> TestResponse:
    return client.delete(f"{keys_of(holder)}/{key_id}", auth=auth)


def regenerate(
    client: FlaskClient,
    auth: tuple[str, str],
    holder: str = OWN,
    idempotency_key: str | None = None,
    **fields: Any,
) -> TestResponse:
    """POST …/api_key/regenerate (``fields``: e.g. grace_seconds)."""
    headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
    return client.post(f"{API}{holder}/api_key/regenerate", data=fields, auth=auth, headers=headers)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def scoped_key(client: FlaskClient, auth: tuple[str, str], *scopes: str, name: str = "CI") -> str:
    """A new named key of ``auth``'s holder holding only ``scopes`` (asserting it was made)."""
    response = client.post(keys_of(), json={"name": name, "scopes": list(scopes)}, auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["api_key"])


def change_key(
    client: FlaskClient, auth: tuple[str, str], key_id: int, holder: str = OWN, **fields: Any
) -> TestResponse:
    """PATCH one key (``fields``: allowed_networks, paused) with ``auth``."""
    return client.patch(f"{keys_of(holder)}/{key_id}", json=fields, auth=auth)


def limited_key(client: FlaskClient, auth: tuple[str, str], *networks: str) -> dict[str, Any]:
    """A new named key of ``auth``'s holder usable only from ``networks`` (its summary and
    ``api_key``)."""
    body = {"name": "CI", "allowed_networks": list(networks)}
    response = client.post(keys_of(), json=body, auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    made: dict[str, Any] = response.get_json()
    return made
