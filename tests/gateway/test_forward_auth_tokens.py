"""Short-lived tokens through the forward-auth check: a token passes as its key's delegate
(the key's id, its own scopes), is refused what its scopes do not open, and fails with its
key."""

from flask.testing import FlaskClient

from tests.helpers.api import api_error, api_ok
from tests.helpers.api_keys import list_keys, regenerate
from tests.helpers.gateway import check
from tests.helpers.tokens import minted
from tests.helpers.users import Account

SEND = ("POST", "/api/v1/messages")


def test_a_token_passes_naming_its_key_and_its_own_scopes(
    client: FlaskClient, user: Account
) -> None:
    token = minted(client, (user.email, user.key), scopes=["messages:write"])["token"]
    answer = check(client, *SEND, token)
    assert (answer.status_code, answer.headers["X-Keyfob-User-Id"]) == (200, str(user.id))
    key_id = list_keys(client, (user.email, user.key))[0]["id"]
    assert answer.headers["X-Keyfob-Key-Id"] == str(key_id)
    assert answer.headers["X-Keyfob-Scopes"] == "messages:write"


def test_a_token_is_refused_a_route_beyond_its_scopes(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key), scopes=["messages:read"])["token"]
    answer = check(client, *SEND, token)
    assert api_error(answer, 403, "MISSING_SCOPE")["accepted_scopes"] == ["messages:write"]


def test_a_token_cannot_mint_through_the_gateway(client: FlaskClient, user: Account) -> None:
    token = minted(client, (user.email, user.key))["token"]
    api_error(check(client, "POST", "/api/v1/tokens", token), 403, "MISSING_SCOPE")


def test_a_token_fails_at_the_gateway_once_its_key_is_replaced(
    client: FlaskClient, user: Account
) -> None:
    token = minted(client, (user.email, user.key))["token"]
    assert check(client, *SEND, token).status_code == 200
    api_ok(regenerate(client, (user.email, user.key)))
    api_error(check(client, *SEND, token), 401, "INVALID_API_KEY")
