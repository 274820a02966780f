"""docs/gateway/traefik.yml, checked against the check itself (Traefik is not packaged for
Debian, so it cannot run here as nginx and Caddy do): it routes the API through the
forward-auth middleware, trusts no client X-Forwarded-* header, passes the check only the
credentials, and replaces every identity header the check sends."""

from typing import Any

import yaml

from app.api.forward_auth import IDENTITY_HEADERS
from app.core.config import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "docs" / "gateway" / "traefik.yml"


def sample() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    http: dict[str, Any] = loaded["http"]
    return http


def test_the_api_goes_through_the_check() -> None:
    http = sample()
    router = http["routers"]["platform-api"]
    assert "PathPrefix(`/api/`)" in router["rule"] and router["middlewares"] == ["keyfob-check"]
    check = http["middlewares"]["keyfob-check"]["forwardAuth"]
    assert check["address"].endswith("/api/v1/forward_auth")


def test_every_identity_header_comes_from_the_check_alone() -> None:
    check = sample()["middlewares"]["keyfob-check"]["forwardAuth"]
    assert tuple(check["authResponseHeaders"]) == IDENTITY_HEADERS


def test_the_check_hears_traefiks_word_and_the_credentials_only() -> None:
    check = sample()["middlewares"]["keyfob-check"]["forwardAuth"]
    assert check["trustForwardHeader"] is False
    assert set(check["authRequestHeaders"]) == {"Authorization", "X-API-Key"}
