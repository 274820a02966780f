"""A stand-in for the chat platform's API behind the gateway: it serves what the official
clients call first (send a message, register an event queue and poll it, list channels, the
profile) and records every request it receives with the identity headers the proxy passed."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.api.forward_auth import IDENTITY_HEADERS as IDENTITY

POLL_SECONDS = 0.2  # how long GET /events waits before its heartbeat


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    identity: dict[str, str]  # the X-Keyfob-* headers, decoded

    @property
    def email(self) -> str | None:
        return self.identity.get("X-Keyfob-Email")


@dataclass
class Platform:
    url: str
    received: list[Received] = field(default_factory=list)

    def calls(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if (r.method, r.path) == (method, path)]


def _answer(request: Request, platform: Platform) -> Response:
    identity = {
        name: unquote(request.headers[name]) for name in IDENTITY if name in request.headers
    }
    platform.received.append(Received(request.method, request.path, identity))
    route = (request.method, request.path)
    body: dict[str, Any] | None = None
    if route == ("POST", "/api/v1/messages"):
        body = {"id": len(platform.calls("POST", "/api/v1/messages"))}
    elif route == ("POST", "/api/v1/register"):
        body = {"queue_id": "stand-in", "last_event_id": -1, "zulip_feature_level": 277}
    elif route == ("GET", "/api/v1/events"):
        threading.Event().wait(POLL_SECONDS)
        body = {"events": [{"type": "heartbeat", "id": 0}], "queue_id": "stand-in"}
    elif route in (("GET", "/api/v1/server_settings"), ("POST", "/api/v1/server_settings")):
        body = {"zulip_version": "stand-in", "zulip_feature_level": 277, "realm_name": "Stand-in"}
    elif route == ("GET", "/api/v1/streams"):
        body = {"streams": [{"stream_id": 1, "name": "general"}]}
    elif route == ("GET", "/api/v1/users/me"):
        body = {
            "user_id": int(identity.get("X-Keyfob-User-Id", "0")),
            "email": identity.get("X-Keyfob-Email", ""),
            "full_name": identity.get("X-Keyfob-Full-Name", ""),
            "is_bot": identity.get("X-Keyfob-Is-Bot") == "true",
        }
    if body is None:
        missing = {"result": "error", "msg": "Endpoint does not exist", "code": "BAD_REQUEST"}
        return Response(json.dumps(missing), 404, content_type="application/json")
    text = json.dumps({"result": "success", "msg": "", **body})
    return Response(text, 200, content_type="application/json")


@contextmanager
def stand_in_platform() -> Iterator[Platform]:
    """The stand-in served on a free loopback port, one thread per request."""
    platform = Platform("")

    @Request.application
    def application(request: Request) -> Response:
        return _answer(request, platform)

    server = make_server("127.0.0.1", 0, application, threaded=True)
    platform.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        thread.join(timeout=10)
