"""What the gateway tests share: Keyfob as a deployment behind a proxy configures it (its
trusted host, ProxyFix) on a live server, the stand-in platform, and each sample proxy
between them, with Keyfob's site set to the proxy's, so a downloaded zuliprc names it."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.gateway_proxies import caddy_gateway, nginx_gateway
from tests.helpers.live import serve
from tests.helpers.platform import Platform, stand_in_platform

GATEWAYS: dict[str, Callable[[int, int], AbstractContextManager[str]]] = {
    "nginx": nginx_gateway,
    "caddy": caddy_gateway,
}
KEYFOB_SITE = "keys.example.com"  # the Host the samples send Keyfob's check
GUESSES = 5  # wrong keys a client may send a minute here, so that a test can use them up


@pytest.fixture
def keyfob(make_app: Callable[..., Flask]) -> Flask:
    return make_app(
        TRUSTED_HOSTS=[KEYFOB_SITE, "localhost"],
        PROXY_FIX=True,
        KEY_GUESS_LIMIT_PER_IP=f"{GUESSES} per minute",
    )


@pytest.fixture
def keyfob_client(keyfob: Flask) -> FlaskClient:
    """A script calling Keyfob's own API directly (the test client's host: localhost)."""
    return keyfob.test_client()


@pytest.fixture
def keyfob_url(keyfob: Flask) -> Iterator[str]:
    with serve(keyfob) as url:
        yield url


@pytest.fixture
def platform() -> Iterator[Platform]:
    with stand_in_platform() as stand_in:
        yield stand_in


@pytest.fixture(params=sorted(GATEWAYS))
def gateway(
    request: pytest.FixtureRequest, keyfob: Flask, keyfob_url: str, platform: Platform
) -> Iterator[str]:
    """The URL a client calls: one sample proxy in front of the stand-in platform."""
    keyfob_port = int(keyfob_url.rsplit(":", 1)[1])
    platform_port = int(platform.url.rsplit(":", 1)[1])
    with GATEWAYS[request.param](keyfob_port, platform_port) as url:
        keyfob.config["SITE_URL"] = url  # where the platform is, as a zuliprc names it
        yield url
