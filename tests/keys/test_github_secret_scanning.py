"""GitHub's secret-scanning partner program: a signed report of keys found on GitHub is
checked against GitHub's published keys (a file the operator keeps; here a key pair made
for the test), each match answered true_positive or false_positive, and live keys revoked
and notified with the URL where GitHub found them."""

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.api import api_error, api_me
from tests.helpers.leaks import GITHUB, GitHubSigner, match
from tests.helpers.mail import SmtpServer, body_of, deliver
from tests.helpers.openapi import assert_matches
from tests.helpers.users import Account, MakeUser

FOUND_AT = "https://github.com/octo/repo/blob/abc/settings.py"


@pytest.fixture
def github(tmp_path: Path) -> GitHubSigner:
    return GitHubSigner(tmp_path / "github")


@pytest.fixture
def scanning_app(make_app: Callable[..., Flask], github: GitHubSigner) -> Flask:
    return make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(github.keys_file))


@pytest.fixture
def scanning_client(scanning_app: Flask) -> FlaskClient:
    return scanning_app.test_client()


@pytest.fixture
def ada(scanning_app: Flask) -> Account:
    return MakeUser(scanning_app)("ada@example.com", "Ada Lovelace")


def test_a_signed_report_revokes_the_key(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    response = github.post(scanning_client, [match(ada.key)])
    assert response.status_code == 200
    assert api_me(scanning_client, ada.email, ada.key).status_code == 401


def test_each_match_is_labelled(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account, a_key: str
) -> None:
    matches = [match(ada.key), match(a_key), match("kfu_nothing"), match(ada.key)]
    answer = github.post(scanning_client, matches).get_json()
    assert answer == [
        {"token_raw": ada.key, "token_type": "keyfob_api_key", "label": "true_positive"},
        {"token_raw": a_key, "token_type": "keyfob_api_key", "label": "false_positive"},
        {"token_raw": "kfu_nothing", "token_type": "keyfob_api_key", "label": "false_positive"},
        {"token_raw": ada.key, "token_type": "keyfob_api_key", "label": "true_positive"},
    ]


def test_a_key_already_revoked_is_still_a_true_positive(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    github.post(scanning_client, [match(ada.key)])
    answer = github.post(scanning_client, [match(ada.key)]).get_json()
    assert answer[0]["label"] == "true_positive"


def test_the_owner_is_told_where_github_found_the_key(
    make_app: Callable[..., Flask], github: GitHubSigner, smtp: SmtpServer
) -> None:
    app = make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(github.keys_file), **smtp.settings())
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    github.post(app.test_client(), [match(ada.key, FOUND_AT)])
    deliver(app)
    [message] = smtp.received
    assert message["Subject"] == "API key revoked: reported leaked"
    assert "“https[://]github[.]com/octo/repo/blob/abc/settings[.]py”" in body_of(message)


def test_the_audit_names_github_and_the_url(
    scanning_app: Flask, scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    github.post(scanning_client, [match(ada.key, FOUND_AT)])
    [event] = audit_events(scanning_app, AuditEvent.event_type == "api_key_reported_leaked")
    assert event.detail["reporter"] == "github" and event.detail["source"] == FOUND_AT


def test_a_wrong_signature_is_refused_and_revokes_nothing(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account, tmp_path: Path
) -> None:
    impostor = GitHubSigner(tmp_path / "impostor")
    body = b'[{"token": "%s", "type": "t", "url": ""}]' % ada.key.encode()
    headers = {
        "Github-Public-Key-Identifier": github.key_id,
        "Github-Public-Key-Signature": impostor.sign(body),
    }
    response = scanning_client.post(
        GITHUB, data=body, headers=headers, content_type="application/json"
    )
    api_error(response, 403, "INVALID_SIGNATURE")
    assert api_me(scanning_client, ada.email, ada.key).status_code == 200


def test_a_signature_of_another_body_is_refused(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    signature = github.sign(b"[]")
    response = github.post(scanning_client, [match(ada.key)], Github_Public_Key_Signature=signature)
    api_error(response, 403, "INVALID_SIGNATURE")
    assert api_me(scanning_client, ada.email, ada.key).status_code == 200


@pytest.mark.parametrize("signature", ["not base64!", "AAAA", "A" * 5000, "MEQCIA=="])
def test_a_malformed_signature_is_refused(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account, signature: str
) -> None:
    response = github.post(scanning_client, [match(ada.key)], Github_Public_Key_Signature=signature)
    api_error(response, 403, "INVALID_SIGNATURE")


def test_an_unknown_key_identifier_is_refused(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    response = github.post(scanning_client, [match(ada.key)], Github_Public_Key_Identifier="other")
    api_error(response, 403, "INVALID_SIGNATURE")
    assert api_me(scanning_client, ada.email, ada.key).status_code == 200


def test_a_report_without_signature_headers_is_a_401(
    scanning_client: FlaskClient, ada: Account
) -> None:
    response = scanning_client.post(GITHUB, json=[match(ada.key)])
    api_error(response, 401, "UNAUTHORIZED")
    assert api_me(scanning_client, ada.email, ada.key).status_code == 200


@pytest.mark.parametrize(
    "body", [b"[", b"{}", b'[{"token": 1, "type": "t"}]', b'["kfu_x"]', b'[{"type": "t"}]']
)
def test_a_signed_body_that_is_not_githubs_format_is_a_400(
    scanning_client: FlaskClient, github: GitHubSigner, body: bytes
) -> None:
    headers = {
        "Github-Public-Key-Identifier": github.key_id,
        "Github-Public-Key-Signature": github.sign(body),
    }
    response = scanning_client.post(
        GITHUB, data=body, headers=headers, content_type="application/json"
    )
    api_error(response, 400, "BAD_REQUEST")


def test_without_githubs_keys_the_endpoint_does_not_exist(client: FlaskClient) -> None:
    api_error(client.post(GITHUB, json=[]), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "content",
    ["not json", '{"public_keys": []}', '{"public_keys": [{"key_identifier": "a", "key": "x"}]}'],
)
def test_a_bad_keys_file_stops_the_app_at_start(
    make_app: Callable[..., Flask], tmp_path: Path, content: str
) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(content)
    with pytest.raises(RuntimeError, match="GITHUB_SECRET_SCANNING_KEYS_FILE"):
        make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(keys_file))


def test_a_missing_keys_file_stops_the_app_at_start(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="GITHUB_SECRET_SCANNING_KEYS_FILE"):
        make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(tmp_path / "absent.json"))


def test_a_relative_keys_file_is_found_in_the_instance_folder(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    signer = GitHubSigner(tmp_path / "instance")
    app = make_app(GITHUB_SECRET_SCANNING_KEYS_FILE="github-keys.json")
    ada = MakeUser(app)("ada@example.com")
    assert signer.post(app.test_client(), [match(ada.key)]).status_code == 200


def test_the_answers_match_the_openapi_document(
    scanning_client: FlaskClient, github: GitHubSigner, ada: Account
) -> None:
    path = "/secret_scanning/github"
    assert_matches(path, "post", github.post(scanning_client, [match(ada.key)]))
    assert_matches(path, "post", scanning_client.post(GITHUB, json=[]))
    refused = github.post(scanning_client, [], Github_Public_Key_Identifier="other")
    assert_matches(path, "post", refused)
