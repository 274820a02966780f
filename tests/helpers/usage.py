"""A key's usage as a script reads it (GET …/keys/<id>/usage)."""

from typing import Any

from flask.testing import FlaskClient

from tests.helpers.api_keys import OWN, keys_of, list_keys


def usage_of(
    client: FlaskClient, auth: tuple[str, str], key_id: int, holder: str = OWN, **query: Any
) -> dict[str, Any]:
    """The usage of key ``key_id`` of ``holder`` (asserting it was answered)."""
    response = client.get(f"{keys_of(holder)}/{key_id}/usage", query_string=query, auth=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    usage: dict[str, Any] = response.get_json()
    return usage


def primary_id(client: FlaskClient, auth: tuple[str, str], holder: str = OWN) -> int:
    return int(list_keys(client, auth, holder)[0]["id"])


def named_id(client: FlaskClient, auth: tuple[str, str], name: str, holder: str = OWN) -> int:
    return next(int(k["id"]) for k in list_keys(client, auth, holder) if k["name"] == name)


def today_of(usage: dict[str, Any]) -> dict[str, Any]:
    """The last day of a usage: today."""
    day: dict[str, Any] = usage["days"][-1]
    return day


def calls_by(usage: dict[str, Any], facet: str) -> dict[str, int]:
    """A usage's routes, networks or scopes as {name: calls}."""
    field = facet.rstrip("s") if facet != "networks" else "network"
    return {entry[field]: entry["calls"] for entry in usage[facet]}
