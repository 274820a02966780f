"""A short-lived token reported leaked (by anyone, or by GitHub's secret scanning) is revoked
at once and its person told; the key that minted it keeps working."""

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.api import api_error, api_ok
from tests.helpers.leaks import GitHubSigner, match, report_leak
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.tokens import me, minted
from tests.helpers.users import MakeUser

LEAKED_AT = "https://pastebin.example/raw/abc123"
SUBJECT = "Short-lived token revoked: reported leaked"


def test_a_reported_token_stops_working_and_its_key_does_not(app: Flask) -> None:
    ada, client = MakeUser(app)(), app.test_client()
    token = minted(client, (ada.email, ada.key))["token"]
    assert report_leak(client, token, source=LEAKED_AT).status_code == 202
    api_error(me(client, ada.email, token), 401, "INVALID_API_KEY")
    api_ok(me(client, ada.email, ada.key))


def test_a_reported_token_is_audited_with_where_it_was_found(app: Flask) -> None:
    ada, client = MakeUser(app)(), app.test_client()
    token = minted(client, (ada.email, ada.key))["token"]
    report_leak(client, token, source=LEAKED_AT)
    [event] = audit_events(app, AuditEvent.event_type == "api_token_reported_leaked")
    assert event.detail == {"token_hint": token[-4:], "reporter": "public", "source": LEAKED_AT}


def test_the_person_is_told_which_token_leaked_never_the_token(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada, client = MakeUser(mail_app)("ada@example.com", "Ada Lovelace"), mail_app.test_client()
    token = minted(client, (ada.email, ada.key))["token"]
    report_leak(client, token, source=LEAKED_AT)
    body = the_notice(mail_app, smtp, SUBJECT)
    assert f"A short-lived token of “Ada Lovelace” (ending in {token[-4:]})" in body
    assert "The key that minted it keeps working." in body
    assert token not in body


def test_a_token_reported_twice_is_told_of_once(mail_app: Flask, smtp: SmtpServer) -> None:
    ada, client = MakeUser(mail_app)(), mail_app.test_client()
    token = minted(client, (ada.email, ada.key))["token"]
    report_leak(client, token, token)
    report_leak(client, token)
    assert the_notice(mail_app, smtp, SUBJECT)


def test_github_hears_a_token_is_a_true_positive(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    github = GitHubSigner(tmp_path / "github")
    app = make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(github.keys_file))
    ada, client = MakeUser(app)(), app.test_client()
    token = minted(client, (ada.email, ada.key))["token"]
    answer = github.post(client, [match(token)]).get_json()
    assert answer[0]["label"] == "true_positive"
    api_error(me(client, ada.email, token), 401, "INVALID_API_KEY")
