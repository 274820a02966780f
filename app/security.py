"""Security headers on every response, and login-session wiring."""

from flask import Flask, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user, logout_user
from flask_wtf import CSRFProtect
from werkzeug.wrappers import Response

from app import db
from app.models import User

_CONTENT_SECURITY_POLICY = "; ".join(
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
SECURITY_HEADERS = [
    ("Content-Security-Policy", _CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
]

GENERATION = "generation"

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Only active humans hold a login session; deactivation or logout ends it at once."""
    if not user_id.isdigit():
        return None
    user = db.session().get(User, int(user_id))
    if user is None or user.is_bot or not user.is_active:
        return None
    if session.get(GENERATION) != user.session_generation:
        return None  # a cookie from a session that has been logged out
    return user


def start_login_session(user: User) -> None:
    """Log the user in on a fresh session (no fixation) tied to their current generation."""
    session.clear()
    login_user(user)
    session[GENERATION] = user.session_generation


def end_login_session(user: User | None) -> None:
    """Log out, and make every copy of this session's cookie worthless."""
    if user is not None:
        user.session_generation += 1
        db.session().commit()
    logout_user()
    session.clear()


def no_store(response: Response) -> Response:
    """Forbid every cache, browser or proxy, from keeping a response that holds a key."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def add_security_headers(response: Response) -> Response:
    """The same four headers on every response (no view sets any of them itself)."""
    response.headers.extend(SECURITY_HEADERS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
