"""Every API route names the scope it needs, and a key without it is refused there: a key
that holds only profile:read calls users/me and nothing else. A route added without a scope
fails here."""

import re

from flask import Flask
from flask.testing import FlaskClient

from app.api.auth import is_admin_only, scope_of
from app.keys import scopes
from app.people import roles
from tests.helpers.admin_api import ROUTE_METHODS, admin_routes, api_routes, call
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.api_keys import scoped_key
from tests.helpers.openapi import DOCUMENT, assert_matches
from tests.helpers.users import Account, MakeUser

# No key guards these, by design: what a client asks before it has a key, a leak report
# anyone may send, GitHub's signed alerts, and the API's own description; and the
# forward-auth check, whose scope is the route policy's for each route it is asked about
# (tests/gateway/).
OPEN = {
    "api.forward_auth",
    "api.server_settings",
    "api.fetch_api_key",
    "api.revoke_reported_keys",
    "api.github_report",
    "api.openapi",
}


def scoped_routes(app: Flask) -> list[tuple[str, str, str, str]]:
    """(endpoint, scope, method, path) of every route a key guards."""
    api: Flask = app.extensions["keyfob.api"]
    found = []
    for endpoint, method, path in api_routes(app):
        scope = scope_of(api.view_functions[endpoint])
        if scope is not None:
            found.append((endpoint, scope, method, path))
    return found


def test_every_route_is_open_by_design_or_names_a_known_scope(app: Flask) -> None:
    api: Flask = app.extensions["keyfob.api"]
    known = scopes.vocabulary(app.config)
    for endpoint, _method, _path in api_routes(app):
        scope = scope_of(api.view_functions[endpoint])
        assert scope in known if scope is not None else endpoint in OPEN, endpoint


def test_a_profile_key_calls_users_me_and_is_refused_everywhere_else(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    who = (user.email, scoped_key(client, (user.email, user.key), scopes.PROFILE_READ))
    api: Flask = app.extensions["keyfob.api"]
    routes = scoped_routes(app)
    assert len(routes) > 15  # the walk reached the API's routes
    for endpoint, scope, method, path in routes:
        response = call(client, method, path, who)
        if scope == scopes.PROFILE_READ:
            api_ok(response)
            continue
        if is_admin_only(api.view_functions[endpoint]):  # a member learns nothing there
            api_error(response, 404, "NOT_FOUND")
            continue
        # The primary key's own powers keep their answer (PRIMARY_KEY_REQUIRED); the header
        # names the scope either way.
        code = "PRIMARY_KEY_REQUIRED" if scope in scopes.PRIMARY_ONLY else "MISSING_SCOPE"
        api_error(response, 403, code)
        assert response.headers["X-Accepted-Scopes"] == scope, (method, path)


def test_an_administrators_profile_key_is_refused_on_the_admin_routes(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    who = (admin.email, scoped_key(client, (admin.email, admin.key), scopes.PROFILE_READ))
    marked = [(m, p) for m, p in admin_routes(app)]
    assert marked
    for method, path in marked:
        response = call(client, method, path, who)
        api_error(response, 403, "PRIMARY_KEY_REQUIRED")
        assert response.headers["X-Accepted-Scopes"] == scopes.ORGANIZATION_ADMIN


def test_the_primary_key_passes_every_scope_check(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    for _endpoint, _scope, method, path in scoped_routes(app):
        response = call(client, method, path, (user.email, user.key))
        assert response.get_json().get("code") not in ("MISSING_SCOPE", "PRIMARY_KEY_REQUIRED")


def test_the_document_names_each_operations_scope(app: Flask) -> None:
    api: Flask = app.extensions["keyfob.api"]
    for rule in api.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule.removeprefix(API))
        for method in (rule.methods or set()) & ROUTE_METHODS:
            documented = DOCUMENT["paths"][path][method.lower()].get("x-keyfob-scope")
            assert documented == scope_of(api.view_functions[rule.endpoint]), (method, path)


def test_a_missing_scope_matches_the_document(client: FlaskClient, user: Account) -> None:
    who = (user.email, scoped_key(client, (user.email, user.key), scopes.PROFILE_READ))
    assert_matches("/users", "get", client.get(f"{API}/users", auth=who))
