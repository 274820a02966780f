"""GET /metrics: off by default, for the token's bearer only, counting by name, never a secret."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from app.core import audit, db
from app.keys import call_counts
from tests.helpers.api import API, api_me
from tests.helpers.api_keys import regenerate
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import KEY_PAGE, KEY_ZULIPRC_INI, reauthed_client

TOKEN = "metrics-token-for-the-tests-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def wrong(key: str) -> str:
    """The key with its last character changed (so it fails its checksum)."""
    return key[:-1] + ("y" if key.endswith("x") else "x")


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metered(make_app: Callable[..., Flask]) -> Flask:
    return make_app(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN)


@pytest.fixture
def account(metered: Flask) -> Account:
    return MakeUser(metered)("grace@example.com", "Grace Hopper")


def test_metrics_are_off_by_default(client: FlaskClient) -> None:
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_enabling_metrics_without_a_token_stops_the_app(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="KEYFOB_METRICS_TOKEN is not set"):
        make_app(METRICS_ENABLED=True)


def test_a_short_token_stops_the_app(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="shorter than 16"):
        make_app(METRICS_ENABLED=True, METRICS_TOKEN="short")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-of-a-decent-length"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
    ],
    ids=["none", "wrong", "longer", "basic-scheme", "empty-bearer"],
)
def test_metrics_need_the_token(metered: Flask, headers: dict[str, str]) -> None:
    response = metered.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "keyfob_" not in response.get_data(as_text=True)


def test_the_token_opens_the_metrics(metered: Flask) -> None:
    text = scrape(metered.test_client())
    for name in (
        "keyfob_http_requests_total",
        "keyfob_http_request_duration_seconds",
        "keyfob_api_authentications_total",
        "keyfob_key_regenerations_total",
        "keyfob_key_reveals_total",
        "keyfob_rc_downloads_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


def test_api_authentications_are_counted_by_outcome(metered: Flask, account: Account) -> None:
    client = metered.test_client()
    before = samples(scrape(client))
    assert api_me(client, account.email, account.key).status_code == 200
    assert api_me(client, account.email, wrong(account.key)).status_code == 401
    assert client.get(f"{API}/users/me").status_code == 401
    after = samples(scrape(client))
    for outcome in ("ok", "invalid", "malformed"):
        name = "keyfob_api_authentications_total"
        assert value(after, name, outcome=outcome) - value(before, name, outcome=outcome) == 1


def test_rate_limited_authentications_are_counted(
    make_app: Callable[..., Flask], a_key: str
) -> None:
    app = make_app(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN, KEY_GUESS_LIMIT_PER_IP="1 per hour")
    client = app.test_client()
    name, before = "keyfob_api_authentications_total", samples(scrape(client))
    assert api_me(client, "nobody@example.com", a_key).status_code == 401
    assert api_me(client, "nobody@example.com", a_key).status_code == 429
    after = samples(scrape(client))
    assert (
        value(after, name, outcome="rate_limited") - value(before, name, outcome="rate_limited")
        == 1
    )


def test_requests_are_counted_and_timed_by_endpoint_not_path(
    metered: Flask, account: Account
) -> None:
    client = metered.test_client()
    before = samples(scrape(client))
    assert api_me(client, account.email, account.key).status_code == 200
    assert client.get("/settings/bots/987654/key").status_code in (302, 404)
    after = samples(scrape(client))
    labels = {"app": "api", "endpoint": "api.users_me"}
    requests = "keyfob_http_requests_total"
    assert (
        value(after, requests, **labels, method="GET", status="200")
        - value(before, requests, **labels, method="GET", status="200")
        == 1
    )
    timed = "keyfob_http_request_duration_seconds_count"
    assert value(after, timed, **labels) - value(before, timed, **labels) == 1
    assert "987654" not in scrape(client)


def test_regenerations_reveals_and_rc_downloads_are_counted(
    metered: Flask, account: Account
) -> None:
    client = metered.test_client()
    before = samples(scrape(client))
    assert regenerate(client, (account.email, account.key)).status_code == 200
    browser = reauthed_client(metered, account.email)
    assert browser.get(KEY_PAGE).status_code == 200
    assert browser.get(KEY_ZULIPRC_INI).status_code == 200
    after = samples(scrape(client))
    for name, labels in (
        ("keyfob_key_regenerations_total", {}),
        ("keyfob_key_reveals_total", {}),
        ("keyfob_rc_downloads_total", {"format": "ini"}),
    ):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, name


def test_a_refused_rc_download_is_not_counted(metered: Flask, account: Account) -> None:
    """Counted where audited, so only what happened: no re-authentication, no download."""
    from tests.helpers.web import log_in

    client = metered.test_client()
    before = samples(scrape(client))
    assert log_in(client, account.email).status_code == 302
    assert client.get(KEY_ZULIPRC_INI).status_code == 302  # to the password step
    after = samples(scrape(client))
    name = "keyfob_rc_downloads_total"
    assert value(after, name, format="ini") == value(before, name, format="ini")


def test_the_metrics_hold_no_key_email_address_or_token(metered: Flask, account: Account) -> None:
    client = metered.test_client()
    assert api_me(client, account.email, account.key).status_code == 200
    assert api_me(client, account.email, wrong(account.key)).status_code == 401
    browser = reauthed_client(metered, account.email)
    assert browser.get(KEY_ZULIPRC_INI).status_code == 200
    text = scrape(client)
    for secret in (account.key, account.key[:-1], account.email, "127.0.0.1", TOKEN):
        assert secret not in text


def test_an_audited_event_counts_only_once_committed(metered: Flask, account: Account) -> None:
    client, name = metered.test_client(), "keyfob_key_reveals_total"
    before = value(samples(scrape(client)), name)
    with metered.test_request_context():
        session = db.session()
        audit.record(session, "api_key_revealed", actor_id=account.id, subject_user_id=account.id)
        session.rollback()
        assert value(samples(scrape(client)), name) == before
        audit.record(session, "api_key_revealed", actor_id=account.id, subject_user_id=account.id)
        session.commit()
    assert value(samples(scrape(client)), name) == before + 1


def test_key_calls_are_totals_by_outcome_with_no_label_per_key(
    metered: Flask, account: Account
) -> None:
    client = metered.test_client()
    before = samples(scrape(client))
    assert api_me(client, account.email, account.key).status_code == 200
    narrow = client.post(
        f"{API}/users/me/keys",
        data={"name": "ci", "scopes": "profile:read"},
        auth=(account.email, account.key),
    ).get_json()["api_key"]
    assert client.get(f"{API}/users", auth=(account.email, narrow)).status_code == 403
    with metered.app_context():
        call_counts.write_waiting()  # what the next write of the counts brings
    after = samples(scrape(client))
    name = "keyfob_key_calls_total"
    assert value(after, name, outcome="accepted") - value(before, name, outcome="accepted") == 2
    assert value(after, name, outcome="scope") - value(before, name, outcome="scope") == 1
    labels = {label for (metric, found) in after if metric == name for label, _v in found}
    assert labels == {"outcome"}
