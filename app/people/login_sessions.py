"""Login sessions: Flask-Login's manager, and starting and ending a session.

A session names the user's ``session_generation`` it began in; logging out (or being
deactivated) bumps the generation, so every copy of the client-side cookie dies with it.
"""

from flask import Flask, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user, logout_user

from app.core import db
from app.core.models import User
from app.people import accounts

GENERATION = "generation"

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


def start(user: User) -> None:
    """Log the user in on a fresh session (no fixation) tied to their current generation."""
    session.clear()
    login_user(user)
    session[GENERATION] = user.session_generation


def end(user: User | None) -> None:
    """Log out, and make every copy of this session's cookie worthless."""
    if user is not None:
        accounts.end_login_sessions(db.session(), user)
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def renew(user: User) -> None:
    """Keep this session alive across a generation bump that ended every other one."""
    session[GENERATION] = user.session_generation
