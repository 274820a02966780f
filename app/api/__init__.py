"""The REST API under /api, authenticated by HTTP Basic email:key only (Zulip's shapes).

It is a Flask app of its own, mounted beside the pages: it reads no cookies, so it has no
session, no login manager, no CSRF check and no flask-limiter hooks, and the hot path
(authenticate a key, answer JSON) runs with little more than Flask itself. It shares the
pages' configuration and extension objects (database, key secrets, limiter storage).
"""

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask
from flask.sessions import NullSession, SessionInterface
from flask_babel import Babel

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import bots, views  # noqa: E402, F401  (routes register on bp)

SHARED_EXTENSIONS = "keyfob."


class NoSession(SessionInterface):
    """The API never reads or writes the session cookie."""

    def open_session(self, app: Flask, request: Any) -> NullSession:
        return NullSession()

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def create_api_app(web: Flask) -> Flask:
    """The API app, sharing the web app's settings and extension objects."""
    from app import db, errors, hosts, i18n, security

    api = Flask(__name__, instance_path=web.instance_path)
    api.config.update(web.config)
    api.extensions.update(
        {
            name: value
            for name, value in web.extensions.items()
            if name.startswith(SHARED_EXTENSIONS)
        }
    )
    api.session_interface = NoSession()
    hosts.guard(api)
    db.register_teardown(api)
    i18n.init_app(api, Babel(), user_preference=False)
    security.init_app(api)
    api.register_blueprint(bp)
    errors.register_api(api)
    return api


def mount(web_wsgi: Any, api: Flask) -> Any:
    """Send /api and everything under it to the API app, the rest to the pages."""

    def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        target = api.wsgi_app if path.startswith("/api/") or path == "/api" else web_wsgi
        body: Iterable[bytes] = target(environ, start_response)
        return body

    return dispatch
