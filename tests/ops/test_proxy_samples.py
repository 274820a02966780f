"""The sample proxy configurations (docs/nginx.conf, docs/Caddyfile) keep every credential out of
their logs. Each runs for real in front of the app (tests/helpers/proxies.py) and is sent a key
in every header a client may put one in, a session cookie, a password, and a link's token in
the query string and in the Referer; then every file it logged to is read. With the app up
(the access log), and down (the error lines, which carry the request). A static reading of
each sample comes first, for a machine without nginx or Caddy."""

import base64
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from flask import Flask

from tests.helpers.api import API
from tests.helpers.gunicorn import free_port
from tests.helpers.live import serve
from tests.helpers.proxies import (
    CADDY_SAMPLE,
    NGINX_SAMPLE,
    SITE,
    Proxy,
    caddy,
    caddy_log_blocks,
    nginx,
)
from tests.helpers.users import Account
from tests.helpers.web import csrf_token_in

PROXIES: dict[str, Callable[[int], AbstractContextManager[Proxy]]] = {
    "nginx": nginx,
    "caddy": caddy,
}


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app as the samples say to configure it behind them (docs/admin/deploying.md)."""
    return make_app(SITE_URL=f"https://{SITE}", TRUSTED_HOSTS=[SITE], PROXY_FIX=True)


@dataclass
class Secrets:
    """Everything a client sent that no log may hold."""

    key: str
    email: str
    password: str
    in_query: str = ""
    link_token: str = ""
    referer_token: str = ""
    session_cookie: str = ""

    def __post_init__(self) -> None:
        self.in_query = "kfu_" + secrets.token_urlsafe(27)
        self.link_token = secrets.token_urlsafe(32)
        self.referer_token = secrets.token_urlsafe(32)

    def all(self) -> dict[str, str]:
        basic = base64.b64encode(f"{self.email}:{self.key}".encode()).decode()
        values = {name: value for name, value in vars(self).items() if value}
        # The query string's own names too: a log that kept any query string fails here.
        return {**values, "Basic credentials": basic, "token=": "token=", "api_key=": "api_key="}


def send_credentials(url: str, host: str, sent: Secrets, *, log_in: bool) -> list[int]:
    """Requests carrying a credential in every place a client may put one; their statuses.
    ``log_in``: start with the login form (the app must be up), for a real session cookie."""
    statuses: list[int] = []
    with httpx.Client(base_url=url, headers={"Host": host}, timeout=30) as browser:
        if log_in:
            form = browser.get("/login")
            fields = {"email": sent.email, "password": sent.password}
            answer = browser.post("/login", data={**fields, "csrf_token": csrf_token_in(form.text)})
            sent.session_cookie = answer.cookies["session"]
            statuses += [form.status_code, answer.status_code]
        else:
            sent.session_cookie = secrets.token_urlsafe(40)
            browser.cookies.set("session", sent.session_cookie)
        me = f"{API}/users/me"
        basic = base64.b64encode(f"{sent.email}:{sent.key}".encode()).decode()
        referer = f"https://{SITE}/password/reset?token={sent.referer_token}"
        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", me, {"headers": {"Authorization": f"Basic {basic}"}}),
            ("GET", me, {"headers": {"Authorization": f"Bearer {sent.key}"}}),
            ("GET", me, {"headers": {"X-API-Key": sent.key}}),
            (
                "GET",
                me,
                {
                    "params": {"api_key": sent.in_query},
                    "headers": {"Proxy-Authorization": f"Basic {basic}"},
                },
            ),
            (
                "POST",
                f"{API}/fetch_api_key",
                {"data": {"username": sent.email, "password": sent.password}},
            ),
            (
                "GET",
                "/not-me",
                {"params": {"token": sent.link_token}, "headers": {"Referer": referer}},
            ),
            ("GET", "/password/reset", {"params": {"token": sent.link_token}}),
        ]
        for method, path, options in requests:
            statuses.append(browser.request(method, path, **options).status_code)
    return statuses


def logged_secrets(proxy: Proxy, sent: Secrets) -> list[str]:
    """The names of the secrets found in any of the proxy's logs; its access log must show
    the requests, or this proves nothing."""
    paths = (f"{API}/users/me", f"{API}/fetch_api_key", "/not-me", "/password/reset")
    access = proxy.access_logged(paths)
    assert [path for path in paths if path not in access] == [], "the access log missed them"
    written = proxy.written()
    return [name for name, value in sent.all().items() if value in written]


@pytest.fixture
def credentials(user: Account) -> Secrets:
    return Secrets(key=user.key, email=user.email, password=user.password)


@pytest.mark.parametrize("name", PROXIES)
def test_the_samples_log_no_credential_while_the_app_answers(
    app: Flask, credentials: Secrets, name: str
) -> None:
    with serve(app) as upstream, PROXIES[name](int(upstream.rsplit(":", 1)[1])) as proxy:
        statuses = send_credentials(proxy.url, proxy.host, credentials, log_in=True)
        if proxy.redirect_url:  # the port-80 server's redirect logs too
            send_credentials(proxy.redirect_url, SITE, credentials, log_in=False)
        found = logged_secrets(proxy, credentials)
    # Each credential reached the app (200; Proxy-Authorization and api_key=… are no way in,
    # 401), and the links' made-up tokens were refused.
    assert statuses == [200, 302, 200, 200, 200, 401, 200, 404, 400]
    assert found == []


@pytest.mark.parametrize("name", PROXIES)
def test_the_samples_log_no_credential_while_the_app_is_down(
    credentials: Secrets, name: str
) -> None:
    with PROXIES[name](free_port()) as proxy:  # nothing listens upstream
        statuses = send_credentials(proxy.url, proxy.host, credentials, log_in=False)
        found = logged_secrets(proxy, credentials)
    assert set(statuses) == {502}
    assert found == []


# A reading of each sample: what a machine without nginx or Caddy can still check.

NGINX_UNSAFE = re.compile(
    r"\$(request\b|request_uri|args|query_string|arg_|request_body|remote_user|cookie_|"
    r"http_(?!user_agent\b)\w+|sent_http_\w+)"
)


def nginx_servers(config: str) -> Iterator[str]:
    """The text of each `server { … }` block (they hold no nested braces but locations')."""
    for start in re.finditer(r"^server \{", config, re.M):
        end = config.index("\n}\n", start.start())
        yield config[start.start() : end]


def test_the_nginx_sample_logs_no_header_and_no_query_string_in_any_server() -> None:
    sample = NGINX_SAMPLE.read_text()
    formats = re.findall(r"^log_format (\w+) ((?:'[^']*'\s*)+);", sample, re.M)
    assert [name for name, _text in formats] == ["keyfob"]
    assert NGINX_UNSAFE.findall(formats[0][1]) == []
    servers = list(nginx_servers(sample))
    assert len(servers) == 2
    for server in servers:
        assert re.search(r"^\s*access_log \S+ keyfob;", server, re.M), server
        assert re.search(r"^\s*error_log \S+ crit;", server, re.M), server


def test_the_caddy_sample_drops_every_header_and_the_query_string_from_each_log() -> None:
    blocks = caddy_log_blocks(CADDY_SAMPLE.read_text())
    assert len(blocks) == 2  # Caddy's own log (the error lines) and the site's access log
    for block in blocks:
        for rule in (
            r'request>uri regexp \?.*$ ""',
            "request>headers delete",
            "resp_headers delete",
        ):
            assert rule in block, block
