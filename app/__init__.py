"""Keyfob: API-key settings for a chat platform.

The package is the composition root: create_app alone imports every room (core, the domain
packages, the faces) and wires them together. It imports them inside the function, so that
importing any one module (``app.core.db`` in a migration, say) does not load the whole app.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers."""
    from flask import Flask
    from flask_babel import Babel
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import api
    from app.core import clock, config, db, headers, hosts, i18n, limits, metrics
    from app.keys import call_counts, last_use, route_policy, scopes, secret_scanning, store, tokens
    from app.notifications import mail
    from app.ops import cli, request_log
    from app.ops import views as ops
    from app.organization import policies
    from app.people import login_sessions, passwords
    from app.web import errors, forms
    from app.web.accounts import bp as accounts_bp
    from app.web.settings import bp as settings_bp

    app = Flask(
        __name__,
        instance_path=config.instance_folder(test_config),
        instance_relative_config=True,
        template_folder=str(config.PROJECT_ROOT / "templates"),
    )
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    app.config.from_mapping(config.load(app.instance_path, test_config))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(config.PROJECT_ROOT / "app" / "translations")
    hosts.init_app(app)  # settles TRUSTED_HOSTS, which the API app shares

    clock.init_app(app)
    db.init_app(app)
    mail.init_app(app)
    policies.init_app(app)
    store.init_app(app)
    last_use.init_app(app)
    call_counts.init_app(app)
    scopes.init_app(app)
    route_policy.init_app(app)  # after the scopes: its rules name them
    tokens.init_app(app)
    secret_scanning.init_app(app)
    passwords.init_app(app)
    forms.csrf.init_app(app)
    login_sessions.init_app(app)
    i18n.init_app(app, Babel())
    cli.init_app(app)

    app.register_blueprint(accounts_bp)
    app.register_blueprint(settings_bp)
    limits.init_app(app)  # after the blueprints: it limits the views they marked
    errors.register(app)

    # The API shares no cookies, sessions or CSRF with the browser side, so it is an app of
    # its own under /api: its requests skip every hook the pages need (see app/api).
    api_app = api.create_api_app(app)
    app.extensions["keyfob.api"] = api_app
    app.wsgi_app = api.mount(app.wsgi_app, api_app)  # type: ignore[method-assign]
    # Probes and metrics skip both apps' hooks (see app/ops/views.py).
    app.wsgi_app = ops.mount(app.wsgi_app, ops.create_ops_app(app))  # type: ignore[method-assign]
    app.wsgi_app = headers.with_security_headers(app.wsgi_app)  # type: ignore[method-assign]
    request_log.install()
    if app.config["METRICS_ENABLED"]:
        metrics.install_request_metrics(app, "pages")
        metrics.install_request_metrics(api_app, "api")
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
