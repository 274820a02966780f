"""Security notices as their recipient reads them: delivered through the test SMTP server,
picked by subject, and the "This wasn't me" link taken out of a body."""

import re
from email.message import EmailMessage

from flask import Flask

from app.core import db
from app.core.models import User
from tests.helpers.mail import SmtpServer, body_of, deliver

NOT_ME_LINK = re.compile(r"(https?://[^/\s]+)(/not-me\?token=\S+)")


def delivered(app: Flask, smtp: SmtpServer, subject: str | None = None) -> list[EmailMessage]:
    """Every message sent so far (``subject``: only those with it), after a delivery run."""
    deliver(app)
    return [m for m in smtp.received if subject is None or m["Subject"] == subject]


def the_notice(app: Flask, smtp: SmtpServer, subject: str) -> str:
    """The body of the one notice with ``subject``: there must be exactly one."""
    [message] = delivered(app, smtp, subject)
    return body_of(message)


def not_me_link(body: str) -> tuple[str, str]:
    """The (site, path-and-query) of the "This wasn't me" link in a notice's body."""
    match = NOT_ME_LINK.search(body)
    assert match, "the notice has no link"
    return match.group(1), match.group(2)


def update_user(app: Flask, user_id: int, **values: object) -> None:
    """Change a user's saved settings (language, routine_notices) straight in the database."""
    with app.app_context():
        user = db.session().get_one(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session().commit()
