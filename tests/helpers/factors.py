"""A person's authenticator app, as a test holds it: the secret read off the enrolment page
and codes computed from it (pyotp) at the app's clock, and the recovery codes shown once."""

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.users import PASSWORD
from tests.helpers.web import KEY_PAGE, csrf_token, post_form

ADD_APP = "/settings/account/two-factor/app"
REMOVE_APP = "/settings/account/two-factor/remove"
NEW_CODES = "/settings/account/two-factor/recovery-codes"
SECOND_STEP = "/login/second-step"
STEP = timedelta(seconds=30)

SECRET_ON_PAGE = re.compile(r'id="totp-secret"[^>]*>([^<]+)<')
CODES_ON_PAGE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


@dataclass
class App:
    """The authenticator app a person added, and the recovery codes they were shown."""

    secret: str
    recovery_codes: list[str]

    def code(self, at: datetime, steps: int = 0) -> str:
        """The code the app shows at ``at``, or ``steps`` steps (30 s each) later."""
        return pyotp.TOTP(self.secret).at(at + steps * STEP)


def secret_on(response: TestResponse) -> str:
    match = SECRET_ON_PAGE.search(response.get_data(as_text=True))
    assert match, "no secret on the page"
    return "".join(html.unescape(match.group(1)).split())


def codes_on(response: TestResponse) -> list[str]:
    return CODES_ON_PAGE.findall(response.get_data(as_text=True))


def add_app(client: FlaskClient, now: datetime) -> App:
    """Add an authenticator app as a person does, in an open re-authentication window: scan
    (read) the secret, confirm with the code of ``now``, keep the recovery codes."""
    page = client.get(ADD_APP)
    assert page.status_code == 200, page.status
    secret = secret_on(page)
    shown = client.post(
        ADD_APP, data={"code": pyotp.TOTP(secret).at(now), "csrf_token": csrf_token(page)}
    )
    assert shown.status_code == 200, shown.status
    codes = codes_on(shown)
    assert len(codes) == 10
    return App(secret, codes)


def second_step(client: FlaskClient, code: str, remember: bool = False) -> TestResponse:
    data = {"code": code, **({"remember": "y"} if remember else {})}
    return post_form(client, SECOND_STEP, data)


def reauthenticate_with(client: FlaskClient, code: str, password: str = PASSWORD) -> TestResponse:
    """The password step, with a second factor's code."""
    return post_form(client, KEY_PAGE, {"password": password, "code": code})


def log_out(client: FlaskClient) -> None:
    token = csrf_token(client.get("/settings/account"))
    assert client.post("/logout", data={"csrf_token": token}).location == "/login"
