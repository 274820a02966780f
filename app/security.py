"""Security headers on every response, and login-session wiring."""

from flask import Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from werkzeug.wrappers import Response

from app import db
from app.models import User

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Only active humans hold a login session; deactivation ends it on the next request."""
    if not user_id.isdigit():
        return None
    user = db.session().get(User, int(user_id))
    if user is None or user.is_bot or not user.is_active:
        return None
    return user


def no_store(response: Response) -> Response:
    """Forbid every cache, browser or proxy, from keeping a response that holds a key."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
