"""The Organization tab as a test uses it: its routes (read from the app itself, so a new
one cannot be left out of the access test), a browser logged in as someone of a given role,
and a bot made by its owner."""

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.people import roles
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import Bot, create_bot, log_in, post_form

ORG = "/settings/organization"


@dataclass(frozen=True)
class Route:
    """One route of the console, with its ids filled in, and the method to call it with."""

    method: str
    path: str


def organization_routes(app: Flask, some_id: int) -> list[Route]:
    """Every route under /settings/organization, each method it answers, ``some_id`` in
    every <int:...> part."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(ORG):
            continue
        path = re.sub(r"<int:\w+>", str(some_id), rule.rule)
        assert "<" not in path, f"a route this helper cannot fill: {rule.rule}"
        found += [Route(m, path) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return found


def browser_as(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, account.email).status_code == 302
    return client


@dataclass
class People:
    """An organization: an owner, an administrator and a member, each logged in."""

    owner: Account
    admin: Account
    member: Account
    owner_browser: FlaskClient
    admin_browser: FlaskClient
    member_browser: FlaskClient


def organization(app: Flask) -> People:
    make = MakeUser(app)
    owner = make("owner@example.com", "Olga Owner", role=roles.OWNER)
    admin = make("admin@example.com", "Adam Admin", role=roles.ADMINISTRATOR)
    member = make("member@example.com", "Mia Member")
    return People(
        owner,
        admin,
        member,
        browser_as(app, owner),
        browser_as(app, admin),
        browser_as(app, member),
    )


def bot_of(client: FlaskClient, name: str = "Weather Bot", username: str = "weather") -> Bot:
    return create_bot(client, name, username)


def confirm(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    """Open a console step and press its Confirm (or submit its form) with its CSRF token."""
    return post_form(client, path, data or {})


def flashed(client: FlaskClient, page: str) -> str:
    """The page a browser lands on, as text (its flash messages included)."""
    return client.get(page).get_data(as_text=True)
