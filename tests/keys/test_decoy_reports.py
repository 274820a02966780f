"""A decoy reported leaked (POST /keys/revoke, GitHub's secret scanning): told of as a use
is, left in place to go on watching, and answered as any report is; and a decoy is never
kept among the verified keys, so each use asks the database as an unknown key's does."""

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events
from tests.helpers.decoys import as_sent, list_decoys, make_decoy, try_key
from tests.helpers.leaks import GitHubSigner, match, report_leak
from tests.helpers.users import Account, MakeUser
from tests.helpers.verified_keys import METRICS_TOKEN, hits

FOUND_AT = "https://pastebin.example/raw/abc123"
REPORTED = AuditEvent.event_type == "decoy_key_reported"


def test_a_reported_decoy_is_told_of_and_left_in_place(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    made = make_decoy(client, (user.email, user.key))
    answer = report_leak(client, made["api_key"], source=FOUND_AT)
    assert answer.status_code == 202
    assert audit_events(app, REPORTED) == []  # told once the answer has gone
    answer.close()
    [event] = audit_events(app, REPORTED)
    assert (event.detail["source"], event.detail["reporter"]) == (FOUND_AT, "public")
    assert [d["id"] for d in list_decoys(client, (user.email, user.key))] == [made["id"]]


def test_a_decoys_report_is_answered_as_an_unknown_keys(
    client: FlaskClient, user: Account, a_key: str
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    assert as_sent(report_leak(client, decoy)) == as_sent(report_leak(client, a_key))


def test_a_decoy_reported_again_within_the_hour_is_told_once(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    decoy = make_decoy(client, (user.email, user.key))["api_key"]
    for _ in range(3):
        report_leak(client, decoy, source=FOUND_AT).close()
    assert len(audit_events(app, REPORTED)) == 1


def test_github_hears_a_decoy_is_a_true_positive(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    github = GitHubSigner(tmp_path / "github")
    app = make_app(GITHUB_SECRET_SCANNING_KEYS_FILE=str(github.keys_file))
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    decoy = make_decoy(client, (ada.email, ada.key))["api_key"]
    response = github.post(client, [match(decoy)])
    [answer] = response.get_json()
    response.close()
    assert answer["label"] == "true_positive"
    assert audit_events(app, REPORTED)[0].detail["reporter"] == "github"


def test_a_decoy_is_never_served_from_the_verified_keys(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(METRICS_ENABLED=True, METRICS_TOKEN=METRICS_TOKEN)
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    decoy = make_decoy(client, (ada.email, ada.key))["api_key"]
    before = served_from_memory(client)
    for _ in range(3):
        try_key(client, decoy, ada.email)
    assert served_from_memory(client) == before
    try_key(client, ada.key, ada.email)  # the control: a real key's call is one
    assert served_from_memory(client) == before + 1


def served_from_memory(client: FlaskClient) -> float:
    page = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    return hits(page.get_data(as_text=True))
