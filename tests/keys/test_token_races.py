"""Tokens minted and revoked together, over real HTTP on SQLite and PostgreSQL: a key's cap
on live tokens holds however many ask at once, and a token revoked by several requests at
once is revoked and audited once."""

from collections.abc import Callable

import httpx
from flask import Flask
from sqlalchemy import func, select

from app.core import db
from app.core.models import ApiToken, AuditEvent
from tests.helpers.live import at_once, serve
from tests.helpers.tokens import minted
from tests.helpers.users import MakeUser

PARALLEL = 8


def count(app: Flask, *conditions: object) -> int:
    with app.app_context():
        query = select(func.count()).select_from(ApiToken).where(*conditions)  # type: ignore[arg-type]
        return db.session().scalar(query) or 0


def test_parallel_mints_stop_at_the_keys_cap(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_TOKENS_PER_KEY=3)
    ada = MakeUser(app)()
    with serve(app) as url:
        statuses = at_once(
            PARALLEL,
            lambda _: (
                httpx.post(
                    f"{url}/api/v1/tokens", auth=(ada.email, ada.key), timeout=30
                ).status_code
            ),
        )
    assert sorted(statuses) == [200] * 3 + [409] * (PARALLEL - 3)
    assert count(app) == 3


def test_parallel_revocations_of_one_token_revoke_it_once(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    ada = MakeUser(app)()
    made = minted(app.test_client(), (ada.email, ada.key))
    with serve(app) as url:
        path = f"{url}/api/v1/users/me/tokens/{made['id']}"
        statuses = at_once(
            PARALLEL,
            lambda _: httpx.delete(path, auth=(ada.email, ada.key), timeout=30).status_code,
        )
    assert sorted(statuses) == [200] + [404] * (PARALLEL - 1)
    with app.app_context():
        revoked = AuditEvent.event_type == "api_token_revoked"
        events = db.session().scalar(select(func.count()).select_from(AuditEvent).where(revoked))
    assert events == 1
