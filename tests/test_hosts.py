"""The Host header decides nothing that matters: untrusted hosts get 400, and the rc file,
realm_url, redirects and bot emails never name a host the configuration did not."""

import tomllib
from collections.abc import Callable

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_create_bot
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import csrf_token, key_in, log_in, post_form

ZULIPRC = "/settings/account/api-key/zuliprc"
EVIL = {"Host": "evil.example"}


@pytest.mark.parametrize("host", ["localhost:5000", "127.0.0.1:5000", "[::1]:5000", "localhost"])
def test_the_default_trusts_the_loopback_names(client: FlaskClient, host: str) -> None:
    response = client.get(f"{API}/server_settings", headers={"Host": host})
    assert response.get_json()["realm_url"] == f"http://{host}"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "127.0.0.2",
        "[::2]:5000",
        "localhost.evil.example",
        "0.0.0.0:5000",
        "[::1",
        "[::1]:99999",
        "localhost\x00",
        "bücher.example",
        "x" * 10_000,
    ],
    ids=lambda host: repr(host[:24]),
)
def test_any_other_host_gets_a_400_page(client: FlaskClient, host: str) -> None:
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert host not in response.get_data(as_text=True)


def test_the_api_answers_an_untrusted_host_with_a_json_400(client: FlaskClient) -> None:
    response = client.get(f"{API}/server_settings", headers=EVIL)
    assert response.status_code == 400
    assert response.get_json()["code"] == "BAD_REQUEST"
    assert "evil.example" not in response.get_data(as_text=True)


def send_session_to(client: FlaskClient, host: str) -> None:
    """Send the login session's cookie to ``host`` too, as a hand-made request would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value, domain=host)


def test_an_untrusted_host_cannot_get_into_a_downloaded_zuliprc(
    reauthed: FlaskClient, user: Account
) -> None:
    send_session_to(reauthed, "evil.example")
    response = reauthed.get(ZULIPRC, headers=EVIL)
    assert response.status_code == 400
    assert user.key not in response.get_data(as_text=True)
    assert "evil.example" not in response.get_data(as_text=True)


def test_a_slash_redirect_never_leads_to_an_untrusted_host(logged_in: FlaskClient) -> None:
    response = logged_in.get("/settings//account", headers=EVIL)
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/settings//account", "/settings/account"),
        (f"{API}//server_settings", f"{API}/server_settings"),
    ],
)
def test_with_a_site_url_absolute_redirects_lead_to_it(
    make_app: Callable[..., Flask], path: str, target: str
) -> None:
    client = make_app(SITE_URL="https://chat.example.com/").test_client()
    response = client.get(path)  # Host: localhost, which is trusted
    assert response.status_code == 308
    assert response.headers["Location"] == "https://chat.example.com" + target


def test_the_site_urls_host_is_trusted_without_listing_it(make_app: Callable[..., Flask]) -> None:
    client = make_app(SITE_URL="https://chat.example.com:8443").test_client()
    assert client.get("/login", headers={"Host": "chat.example.com:8443"}).status_code == 200
    assert client.get("/login", headers=EVIL).status_code == 400


def test_the_rc_file_names_the_site_url_whatever_trusted_host_was_used(
    make_app: Callable[..., Flask], user: Account
) -> None:
    client = make_app(SITE_URL="https://chat.example.com").test_client()
    log_in(client, user.email)
    post_form(client, "/settings/account/api-key", {"password": user.password})
    send_session_to(client, "127.0.0.1")
    response = client.get(ZULIPRC, headers={"Host": "127.0.0.1:5000"})
    assert response.status_code == 200
    assert tomllib.loads(response.get_data(as_text=True))["api"]["site"] == (
        "https://chat.example.com"
    )


def test_trusted_hosts_replace_the_defaults(make_app: Callable[..., Flask]) -> None:
    client = make_app(TRUSTED_HOSTS=["keys.example.org"]).test_client()
    assert client.get("/login", headers={"Host": "keys.example.org"}).status_code == 200
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 400


def test_trusted_hosts_come_from_the_environment_as_a_list(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYFOB_TRUSTED_HOSTS", "a.example, B.example")
    client = make_app().test_client()
    assert client.get("/login", headers={"Host": "b.example"}).status_code == 200
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 400


def test_a_forwarded_host_must_be_trusted_too(make_app: Callable[..., Flask]) -> None:
    client = make_app(PROXY_FIX=True).test_client()
    response = client.get(f"{API}/server_settings", headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 400


def test_a_list_that_trusts_nothing_stops_the_app_at_start(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ValueError, match="TRUSTED_HOSTS"):
        make_app(TRUSTED_HOSTS=[])


def test_a_site_url_that_is_not_an_http_url_stops_the_app_at_start(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ValueError, match="SITE_URL"):
        make_app(SITE_URL="chat.example.com")


# Bot emails: from BOT_EMAIL_DOMAIN, else SITE_URL's host, else localhost.


def test_a_bot_made_through_a_trusted_alias_gets_a_configured_domain(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(TRUSTED_HOSTS=["localhost", "victim-corp.example"])
    client = app.test_client()
    log_in(client, make_user().email)
    send_session_to(client, "victim-corp.example")
    alias = {"Host": "victim-corp.example"}
    token = csrf_token(client.get("/settings/bots", headers=alias))
    response = client.post(
        "/settings/bots",
        data={"full_name": "CEO", "username": "ceo", "csrf_token": token},
        headers=alias,
    )
    page = response.get_data(as_text=True)
    assert key_in(page).startswith("kfb_")
    assert "ceo-bot@localhost" in page
    assert "victim-corp.example" not in page


def test_an_api_bot_cannot_take_an_address_someone_else_will_register(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(TRUSTED_HOSTS=["localhost", "gmail.com"])
    client = app.test_client()
    owner = make_user()
    response = client.post(
        f"{API}/bots",
        data={"full_name": "Alice", "short_name": "alice"},
        auth=(owner.email, owner.key),
        headers={"Host": "gmail.com"},
    )
    assert response.get_json()["email"] == "alice-bot@localhost"
    fields = {"email": "alice-bot@gmail.com", "full_name": "Alice", "password": "p" * 12}
    registered = post_form(app.test_client(), "/register", {**fields, "confirm": "p" * 12})
    assert registered.status_code == 302


def test_a_bot_made_on_a_server_reached_by_ip_gets_a_localhost_email(
    live_server: str, user: Account
) -> None:
    response = httpx.post(
        f"{live_server}{API}/bots",
        data={"full_name": "Deploy", "short_name": "deploy"},
        auth=(user.email, user.key),
    )
    assert response.json()["email"] == "deploy-bot@localhost"


def test_a_site_url_with_an_ip_address_gives_localhost_bot_emails(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    client = make_app(SITE_URL="http://192.0.2.10:8000").test_client()
    owner = make_user()
    response = api_create_bot(client, owner, "Deploy", "deploy")
    assert response.get_json()["email"] == "deploy-bot@localhost"
