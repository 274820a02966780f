"""The forward-auth check as a proxy calls it: the original request in the headers each
proxy sends, the client's credentials as the client sent them."""

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API

CHECK = f"{API}/forward_auth"


def check(
    client: FlaskClient,
    method: str,
    uri: str,
    key: str | None = None,
    *,
    email: str | None = None,
    proxy: str = "nginx",
) -> TestResponse:
    """Ask the check about ``method uri`` as ``proxy`` would (nginx's X-Original-*, or
    Caddy's X-Forwarded-*), with ``key`` as Bearer, or as HTTP Basic with ``email``."""
    if proxy == "nginx":
        headers = {"X-Original-Method": method, "X-Original-URI": uri}
    else:
        headers = {"X-Forwarded-Method": method, "X-Forwarded-Uri": uri}
    if key is not None and email is None:
        headers["Authorization"] = f"Bearer {key}"
    response = client.get(CHECK, headers=headers, auth=(email, key) if email and key else None)
    response.close()  # as a server does once it has sent it
    return response
