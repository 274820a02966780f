"""What an administrator's script does: the admin API and the routes it marks."""

from collections.abc import Iterator

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.api.auth import is_admin_only
from tests.helpers.api import API, api_create_bot, api_ok
from tests.helpers.users import Account

ROUTE_METHODS = {"GET", "POST", "PATCH", "DELETE", "PUT"}


def api_routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """Every route of the API app as (endpoint, method, path with each <int:…> set to 1)."""
    api: Flask = app.extensions["keyfob.api"]
    for rule in api.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)
        assert path is not None
        for method in sorted((rule.methods or set()) & ROUTE_METHODS):
            yield rule.endpoint, method, path[1]


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every route marked by require_admin."""
    api: Flask = app.extensions["keyfob.api"]
    return [
        (method, path)
        for endpoint, method, path in api_routes(app)
        if is_admin_only(api.view_functions[endpoint])
    ]


def call(client: FlaskClient, method: str, path: str, who: tuple[str, str]) -> TestResponse:
    return client.open(path, method=method, auth=who)


def users_list(client: FlaskClient, who: Account) -> list[dict[str, object]]:
    """GET /users as ``who`` sees it."""
    members = api_ok(client.get(f"{API}/users", auth=(who.email, who.key)))["members"]
    assert isinstance(members, list)
    return members


def deactivate(client: FlaskClient, who: Account, user_id: int) -> TestResponse:
    return client.delete(f"{API}/users/{user_id}", auth=(who.email, who.key))


def reactivate(client: FlaskClient, who: Account, user_id: int) -> TestResponse:
    return client.post(f"{API}/users/{user_id}/reactivate", auth=(who.email, who.key))


def reset_second_factor(client: FlaskClient, who: Account, user_id: int) -> TestResponse:
    return client.delete(f"{API}/users/{user_id}/second_factor", auth=(who.email, who.key))


def update_bot(client: FlaskClient, who: Account, bot_id: int, **data: object) -> TestResponse:
    return client.patch(f"{API}/bots/{bot_id}", json=data, auth=(who.email, who.key))


def new_bot(client: FlaskClient, owner: Account, name: str, bot_type: int = 1) -> Account:
    """A bot made through the API by ``owner``, as an Account (its password unused)."""
    made = api_ok(api_create_bot(client, owner, name.title(), name, bot_type))
    return Account(int(str(made["user_id"])), str(made["email"]), "", str(made["api_key"]))
