"""Reports of one key arriving together, over real HTTP on SQLite and PostgreSQL: the key is
revoked once, replaced once, audited once and notified once."""

from collections.abc import Callable

import httpx
from flask import Flask
from sqlalchemy import func, select

from app.core import db
from app.core.models import ApiKey, AuditEvent, OutboundMail
from tests.helpers.leaks import REVOKE
from tests.helpers.live import at_once, serve
from tests.helpers.users import MakeUser

REPORTS = 8


def count(app: Flask, model: type[object], *conditions: object) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).where(*conditions)  # type: ignore[arg-type]
        return db.session().scalar(query) or 0


def test_parallel_reports_of_one_key_revoke_and_notify_once(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(LEAK_REPORT_LIMIT_PER_IP=f"{REPORTS} per minute")
    ada = MakeUser(app)("ada@example.com")
    with serve(app) as url:
        body = {"keys": [ada.key], "source": "https://paste.example/1"}
        statuses = at_once(
            REPORTS, lambda _: httpx.post(url + REVOKE, json=body, timeout=30).status_code
        )
    assert statuses == [202] * REPORTS
    assert count(app, AuditEvent, AuditEvent.event_type == "api_key_reported_leaked") == 1
    assert count(app, OutboundMail, OutboundMail.recipient == ada.email) == 1
    working = (ApiKey.user_id == ada.id) & ApiKey.revoked_at.is_(None)
    assert count(app, ApiKey, working) == 1  # one new primary key, not one per report
    assert count(app, ApiKey, ApiKey.user_id == ada.id) == 2


def test_parallel_reports_of_a_bots_and_its_owners_keys_all_land(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(LEAK_REPORT_LIMIT_PER_IP=f"{REPORTS} per minute")
    make_user = MakeUser(app)
    people = [make_user() for _ in range(4)]
    with serve(app) as url:
        # Each report names two keys, in opposite orders: their holders are locked in one
        # order whatever the report's, so none deadlocks.
        def report(index: int) -> int:
            pair = [people[index % 4].key, people[(index + 1) % 4].key]
            body = {"keys": pair if index % 2 else pair[::-1]}
            return httpx.post(url + REVOKE, json=body, timeout=30).status_code

        statuses = at_once(REPORTS, report)
    assert statuses == [202] * REPORTS
    assert count(app, AuditEvent, AuditEvent.event_type == "api_key_reported_leaked") == 4
    assert count(app, OutboundMail) == 4
