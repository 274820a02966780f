"""Counting under parallel calls, against a live server on the suite's database (SQLite, or
PostgreSQL in its run): every call adds up, whether the counts wait in the process or each
call writes its own (USAGE_WRITE_SECONDS = 0: many upserts of the same rows at once)."""

from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from tests.helpers.live import at_once, serve
from tests.helpers.usage import calls_by, primary_id, usage_of
from tests.helpers.users import MakeUser

CLIENTS, CALLS = 8, 15


@pytest.mark.parametrize("seconds", [0, 10])
def test_parallel_calls_all_add_up(make_app: Callable[..., Flask], seconds: int) -> None:
    app = make_app(USAGE_WRITE_SECONDS=seconds)
    ada = MakeUser(app)("ada@example.com")
    auth = (ada.email, ada.key)
    with serve(app) as url:

        def calls(_client: int) -> list[int]:
            with httpx.Client(base_url=url, auth=auth, timeout=30) as client:
                return [client.get("/api/v1/users/me").status_code for _ in range(CALLS)]

        statuses = at_once(CLIENTS, calls)
    assert {status for answered in statuses for status in answered} == {200}
    client = app.test_client()
    usage = usage_of(client, auth, primary_id(client, auth))
    assert calls_by(usage, "routes")["GET /api/v1/users/me"] == CLIENTS * CALLS
