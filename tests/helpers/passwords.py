"""Changing and resetting a password as a person does: the forms, and the emailed link."""

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.mail import body_of
from tests.helpers.users import PASSWORD
from tests.helpers.web import post_form

CHANGE_PAGE = "/settings/account/password"
FORGOT_PAGE = "/password/forgot"
RESET_PAGE = "/password/reset"
NEW_PASSWORD = "a brand new passphrase"
_LINK = re.compile(r"https?://\S+/password/reset\?token=\S+")


def change_password(
    client: FlaskClient,
    *,
    current: str = PASSWORD,
    new: str = NEW_PASSWORD,
    confirm: str | None = None,
    end_other_sessions: bool = True,
    replace_keys: bool = False,
) -> TestResponse:
    """Submit the change-password form; a box left unticked is not sent, as in a browser."""
    data = {"current_password": current, "password": new, "confirm": confirm or new}
    if end_other_sessions:
        data["end_other_sessions"] = "y"
    if replace_keys:
        data["replace_keys"] = "y"
    return post_form(client, CHANGE_PAGE, data)


def ask_for_reset(client: FlaskClient, email: str) -> TestResponse:
    return post_form(client, FORGOT_PAGE, {"email": email})


def reset_link_in(message: EmailMessage) -> str:
    """The reset link of an emailed message, as a path with its query string."""
    match = _LINK.search(body_of(message))
    assert match, "the message holds no reset link"
    parts = urlsplit(match.group(0))
    return f"{parts.path}?{parts.query}"


def reset_with(client: FlaskClient, link: str, new: str = NEW_PASSWORD) -> TestResponse:
    """Follow an emailed link, then submit the new password twice on the page it leads to."""
    landing = client.get(link)
    assert landing.status_code == 302, landing.status
    return post_form(client, RESET_PAGE, {"password": new, "confirm": new})
