"""What a script does with short-lived tokens through the API: mint one from its key, use
it, and (its person) revoke it."""

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API, api_ok
from tests.helpers.api_keys import OWN, list_keys


def mint(client: FlaskClient, auth: tuple[str, str], **fields: Any) -> TestResponse:
    """POST /tokens with HTTP Basic ``auth`` (``fields``: ttl_seconds, scopes)."""
    return client.post(f"{API}/tokens", json=fields, auth=auth)


def minted(client: FlaskClient, auth: tuple[str, str], **fields: Any) -> dict[str, Any]:
    """A new token's answer (asserting it was made): ``token``, ``id``, ``expires_at``…"""
    return dict(api_ok(mint(client, auth, **fields)))


def me(client: FlaskClient, email: str, token: str) -> TestResponse:
    """GET /users/me with a token, as a script holding it would."""
    return client.get(f"{API}/users/me", auth=(email, token))


def tokens_listed(
    client: FlaskClient, auth: tuple[str, str], key_id: int, holder: str = OWN
) -> list[Any]:
    """The tokens listed under key ``key_id`` in the holder's key list."""
    (key,) = [key for key in list_keys(client, auth, holder) if key["id"] == key_id]
    listed: list[Any] = key["tokens"]
    return listed


def revoke_token(
    client: FlaskClient, auth: tuple[str, str], token_id: int, holder: str = OWN
) -> TestResponse:
    return client.delete(f"{API}{holder}/tokens/{token_id}", auth=auth)
