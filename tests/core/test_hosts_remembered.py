"""Each host a client names is checked once and the answer remembered (every request asks):
what is remembered never lets through a host the app's own list does not trust."""

from collections.abc import Callable

import pytest
from flask import Flask

from app.core import hosts

API = "/api/v1"


@pytest.fixture(autouse=True)
def nothing_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memory of this test's own, which earlier tests in the process have not filled."""
    monkeypatch.setattr(hosts, "_ALLOWED_HOSTS", {})


def test_a_host_one_app_trusts_is_refused_by_an_app_that_does_not(
    make_app: Callable[..., Flask],
) -> None:
    trusting = make_app(TRUSTED_HOSTS=["keys.example.org"]).test_client()
    other = make_app(TRUSTED_HOSTS=["keys.example.net"]).test_client()
    named = {"Host": "keys.example.org"}
    assert trusting.get(f"{API}/server_settings", headers=named).status_code == 200
    assert other.get(f"{API}/server_settings", headers=named).status_code == 400


def test_past_the_hosts_remembered_each_is_still_checked(make_app: Callable[..., Flask]) -> None:
    client = make_app(TRUSTED_HOSTS=["keys.example.org"]).test_client()
    for number in range(hosts.MAX_HOSTS_REMEMBERED + 10):  # strangers fill the memory
        stranger = {"Host": f"host{number}.example.com"}
        assert client.get(f"{API}/server_settings", headers=stranger).status_code == 400
    named = {"Host": "keys.example.org"}
    assert client.get(f"{API}/server_settings", headers=named).status_code == 200
    assert client.get(f"{API}/server_settings", headers={"Host": "evil.example"}).status_code == 400
