"""The client address Keyfob records and limits by: an IP address, never raw header text."""

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.core.client_ip import client_ip, limit_identity
from tests.helpers.users import MakeUser
from tests.helpers.web import log_in

LOG_ROW = re.compile(
    r"<tr>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*"
    r'<td class="agent" title="([^"]*)">',
)


def security_log(client: FlaskClient) -> list[tuple[str, str, str]]:
    """(event, IP address, browser) of each row the Security log shows, newest first."""
    page = client.get("/settings/account").get_data(as_text=True)
    return LOG_ROW.findall(page)


def login_behind_proxy(
    make_app: Callable[..., Flask], make_user: MakeUser, **headers: str
) -> FlaskClient:
    """A correct login through a trusted proxy that passed on ``headers``."""
    client = make_app(PROXY_FIX=True).test_client()
    for name, value in headers.items():
        client.environ_base["HTTP_" + name.upper()] = value
    response = log_in(client, make_user().email)
    assert response.status_code == 302
    return client


def test_a_forwarded_ip_is_recorded_behind_a_trusted_proxy(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = login_behind_proxy(make_app, make_user, x_forwarded_for="203.0.113.9")
    assert security_log(client)[0][:2] == ("Logged in", "203.0.113.9")


def test_a_forwarded_value_longer_than_an_ip_still_logs_in_and_records_the_peer(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = login_behind_proxy(make_app, make_user, x_forwarded_for="1" * 46)
    assert security_log(client)[0][:2] == ("Logged in", "127.0.0.1")


def test_forwarded_text_that_is_not_an_ip_is_never_recorded(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = login_behind_proxy(make_app, make_user, x_forwarded_for="<script>, 1.2.3.4:80")
    assert security_log(client)[0][:2] == ("Logged in", "127.0.0.1")


def test_an_ipv4_mapped_address_is_recorded_as_ipv4(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = login_behind_proxy(make_app, make_user, x_forwarded_for="::ffff:203.0.113.9")
    assert security_log(client)[0][1] == "203.0.113.9"


def test_a_user_agent_with_control_characters_still_logs_in(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    agent = "Evil\x00Agent\x1b[31m " + "x" * 300
    client = login_behind_proxy(make_app, make_user, user_agent=agent)
    recorded = security_log(client)[0][2]
    assert recorded.startswith("EvilAgent[31m xxx")
    assert len(recorded) == 255


def test_ipv6_clients_of_one_64_network_share_a_limit_identity(app: Flask) -> None:
    def identity(address: str) -> str:
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            return limit_identity()

    assert identity("2001:db8:1:2::1") == identity("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert identity("2001:db8:1:3::1") != identity("2001:db8:1:2::1")
    assert identity("192.0.2.1") == "192.0.2.1"
    assert identity("::ffff:192.0.2.1") == "192.0.2.1"


def test_without_any_address_the_client_is_unknown(app: Flask) -> None:
    with app.test_request_context(environ_base={"REMOTE_ADDR": ""}):
        assert client_ip() == "unknown"
        assert limit_identity() == "unknown"
