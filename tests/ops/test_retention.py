"""Retention: `flask audit prune` and `flask keys prune` delete what is past keeping, in
batches, and nothing that still counts; the security log says how long it keeps events."""

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.core import db
from app.core.models import ApiKey, ApiToken, AuditEvent, KeyRotation
from app.ops import retention
from tests.conftest import Clock
from tests.helpers.api import api_me, api_ok
from tests.helpers.api_keys import create_key, regenerate, revoke_key
from tests.helpers.tokens import me, minted
from tests.helpers.users import Account
from tests.helpers.web import log_in


def count(
    app: Flask, model: type[ApiKey] | type[ApiToken] | type[AuditEvent] | type[KeyRotation]
) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(model)) or 0)


def prune(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_audit_prune_deletes_only_events_older_than_asked(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    old = count(app, AuditEvent)
    clock.advance(days=40)
    api_ok(regenerate(client, (user.email, user.key)))  # one event, 40 days younger
    output = prune(app, "audit", "prune", "--older-than", "30")
    assert output == f"Deleted {old} audit events older than 30 days.\n"
    assert count(app, AuditEvent) == 1


def test_audit_prune_keeps_the_configured_days_by_default(
    make_app: Callable[..., Flask], user: Account
) -> None:
    app = make_app(AUDIT_RETENTION_DAYS=7)
    assert prune(app, "audit", "prune") == "Deleted 0 audit events older than 7 days.\n"


def test_pruning_goes_in_batches_until_done(app: Flask, user: Account, clock: Clock) -> None:
    old = count(app, AuditEvent)
    clock.advance(days=400)
    with app.app_context():
        removed = retention.prune_audit(db.session(), timedelta(days=1), batch=1)
    assert (removed, count(app, AuditEvent)) == (old, 0)


def test_keys_prune_deletes_dead_keys_and_keeps_working_ones(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    revoked = api_ok(create_key(client, auth, "gone"))
    api_ok(revoke_key(client, auth, int(str(revoked["id"]))))
    expired = api_ok(create_key(client, auth, "expires", expires_in_days=1))
    new = str(api_ok(regenerate(client, auth, idempotency_key="r", grace_seconds=3600))["api_key"])
    clock.advance(days=31)
    output = prune(app, "keys", "prune", "--older-than", "30")
    assert output == "Deleted 2 keys that stopped working more than 30 days ago.\n"
    api_ok(api_me(client, user.email, new))
    with app.app_context():
        names = set(db.session().scalars(select(ApiKey.name)))
    assert names == {None, expired["name"]}  # the primary, and the expired named key
    assert count(app, KeyRotation) == 0


def test_a_key_in_its_overlap_is_not_pruned(app: Flask, client: FlaskClient, user: Account) -> None:
    api_ok(regenerate(client, (user.email, user.key), grace_seconds=3600))
    prune(app, "keys", "prune", "--older-than", "0")
    api_ok(api_me(client, user.email, user.key))


def test_the_security_log_says_how_long_it_keeps_events(
    make_app: Callable[..., Flask], user: Account
) -> None:
    client = make_app(AUDIT_RETENTION_DAYS=90).test_client()
    log_in(client, user.email)
    page = client.get("/settings/account").get_data(as_text=True)
    assert "The log keeps the last 90 days of events." in page


def test_keys_prune_deletes_tokens_dead_as_long_and_keeps_live_ones(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    minted(client, (user.email, user.key), ttl_seconds=60)
    key = api_ok(create_key(client, (user.email, user.key), "gone"))
    minted(client, (user.email, str(key["api_key"])))  # its key is revoked below
    api_ok(revoke_key(client, (user.email, user.key), int(str(key["id"]))))
    clock.advance(days=31)
    live = minted(client, (user.email, user.key))
    prune(app, "keys", "prune", "--older-than", "30")
    assert count(app, ApiToken) == 1
    api_ok(me(client, user.email, live["token"]))
