"""The REST API under /api, authenticated by an API key only (Zulip's shapes): HTTP Basic
email:key, or the key alone as Bearer or X-API-Key (see app/api/auth.py).

It is a Flask app of its own, mounted beside the pages: it reads no cookies, so it has no
session, no login manager, no CSRF check and no flask-limiter hooks, and the hot path
(authenticate a key, answer JSON) runs with little more than Flask itself. It shares the
pages' configuration object and the extension objects listed in SHARED_EXTENSIONS.
"""

from collections.abc import Iterable
from typing import Any

import click
from flask import Blueprint, Flask
from flask.sessions import NullSession, SessionInterface
from flask_babel import Babel

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import bots, decoys, forward_auth, keys, leaks, tokens, usage, users, views  # noqa: E402, F401  (routes register on bp)

# What the API uses of the pages' app. Each must exist when the API is built: one that
# is missing (registered later, or renamed) stops the app at start, not at the first call.
SHARED_EXTENSIONS = (
    "keyfob.engine",
    "keyfob.sessions",
    "keyfob.keystore",
    "keyfob.pending_uses",
    "keyfob.call_counts",
    "keyfob.hasher",
    "keyfob.clock",
    "keyfob.limiter",
    "keyfob.password_limits",
    "keyfob.key_guesses",
    "keyfob.key_budgets",
    "keyfob.leak_reports",
    "keyfob.network_refusals",
    "keyfob.new_networks",
    "keyfob.decoy_sightings",
    "keyfob.route_policy",
    "keyfob.github_scanning_keys",
)


class NoSession(SessionInterface):
    """The API never reads or writes the session cookie."""

    def open_session(self, app: Flask, request: Any) -> NullSession:
        return NullSession()

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def create_api_app(web: Flask) -> Flask:
    """The API app, sharing the web app's configuration and extension objects."""
    from app.api import responses
    from app.core import db, hosts, i18n

    missing = [name for name in SHARED_EXTENSIONS if name not in web.extensions]
    if missing:
        raise RuntimeError(f"the API needs these extensions first: {', '.join(missing)}")
    api = Flask(__name__, instance_path=web.instance_path)
    api.config = web.config  # one configuration: a change made to one is seen by both
    api.extensions.update({name: web.extensions[name] for name in SHARED_EXTENSIONS})
    api.session_interface = NoSession()
    hosts.guard(api)
    db.register_teardown(api)
    i18n.init_app(api, Babel(), user_preference=False)
    api.register_blueprint(bp)
    responses.register_error_handlers(api)
    web.cli.add_command(_routes_command(api))
    return api


def _routes_command(api: Flask) -> click.Command:
    """`flask api-routes`: `flask routes` lists the pages' app only."""

    @click.command("api-routes")
    def routes() -> None:
        """Show the routes of the API app mounted under /api."""
        for rule in sorted(api.url_map.iter_rules(), key=lambda rule: rule.rule):
            methods = ", ".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
            click.echo(f"{rule.endpoint:32} {methods:18} {rule.rule}")

    return routes


def mount(web_wsgi: Any, api: Flask) -> Any:
    """Send /api and everything under it to the API app, the rest to the pages."""

    def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        target = api.wsgi_app if path.startswith("/api/") or path == "/api" else web_wsgi
        body: Iterable[bytes] = target(environ, start_response)
        return body

    return dispatch
