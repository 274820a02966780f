"""A site without a scheme, read exactly as python-zulip-api 0.9's Client.__init__ reads it, so
one rc file names the same server to both clients."""

from pathlib import Path

import pytest
import zulip

from keyfob_client import Client, ConfigError, load_rc
from tests.helpers.rc import ini_rc, write_rc
from tests.helpers.script import run_keyfob
from tests.helpers.users import Account

# The client reads ZULIP_* and ~/.zuliprc: each test starts without either.
pytestmark = pytest.mark.usefixtures("no_zulip_settings")


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("localhost:5000", "http://localhost:5000"),
        ("localhost", "http://localhost"),
        # The zulip package tests a prefix, not a host: these get http:// too.
        ("localhost.example.com", "http://localhost.example.com"),
        # Only "localhost" gets http://; the loopback address gets https:// like any host.
        ("127.0.0.1:5000", "https://127.0.0.1:5000"),
        ("chat.example.com", "https://chat.example.com"),
        ("chat.example.com//", "https://chat.example.com"),
        ("http://chat.example.com/", "http://chat.example.com"),
        ("https://chat.example.com/api/", "https://chat.example.com/api"),
    ],
)
def test_a_site_is_read_as_the_zulip_package_reads_it(given: str, meant: str, a_key: str) -> None:
    assert load_rc(email="a@example.com", key=a_key, site=given).site == meant


def test_a_site_that_starts_with_http_but_is_no_url_is_refused(a_key: str) -> None:
    # The zulip package adds no scheme to "httpbin.example" and fails on its first call.
    with pytest.raises(ConfigError, match=r"the site must be a URL \(https://…\) or a host name"):
        load_rc(email="a@example.com", key=a_key, site="httpbin.example")


def test_localhost_without_a_scheme_reaches_the_server_for_both_clients(
    live_server: str, user: Account, tmp_path: Path
) -> None:
    port = live_server.rsplit(":", 1)[1]
    path = write_rc(tmp_path / "zuliprc", ini_rc(user.email, user.key, f"localhost:{port}"))
    result = run_keyfob("whoami", "--config", str(path))
    assert result.stdout == f"Ada Lovelace <{user.email}> (user {user.id})\n", result.stderr
    assert zulip.Client(config_file=str(path)).get_profile()["user_id"] == user.id


def test_a_site_ending_in_api_names_the_same_server_for_both_clients(
    live_server: str, user: Account
) -> None:
    site = live_server + "/api/"
    with Client(load_rc(email=user.email, key=user.key, site=site)) as api:
        assert api.get_profile()["user_id"] == user.id
    official = zulip.Client(email=user.email, api_key=user.key, site=site)
    assert official.get_profile()["user_id"] == user.id
