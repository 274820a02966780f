"""The Host header decides nothing that matters: untrusted hosts get 400, and the rc file,
realm_url, redirects and bot emails never name a host the configuration did not."""

import tomllib
from collections.abc import Callable

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_create_bot
from tests.helpers.mail import SmtpServer, body_of, deliver
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


# Ports: a trusted name is served on the ports the configuration names (else the scheme's
# default), so a link built from the request never names a port someone else listens on.

HOSTILE_HOSTS = [
    "localhost:1",
    "127.0.0.1:5402",
    "[::1]:5402",
    "[0:0::1]:1",
    "localhost:05000",
    "evil.example",
    "evil.example:5000",
    "a@b",
    "localhost@evil.example",
    "127.0.0.1:5000@evil.example",
    "[::1",
]


def forgot_password_from(client: FlaskClient, host: str) -> int:
    """Ask for Ada's reset link as a script naming ``host`` in every request would: the
    status of the first refusal, else of the form's answer."""
    page = client.get("/password/forgot", headers={"Host": host})
    if page.status_code != 200:
        return page.status_code
    data = {"email": "ada@example.com", "csrf_token": csrf_token(page)}
    return client.post("/password/forgot", data=data, headers={"Host": host}).status_code


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_reset_link_never_names_a_host_or_port_the_configuration_did_not(
    mail_app: Flask, smtp: SmtpServer, host: str
) -> None:
    MakeUser(mail_app)("ada@example.com")
    assert forgot_password_from(mail_app.test_client(), host) == 400
    assert deliver(mail_app).sent == 0


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_not_me_link_never_names_a_host_or_port_the_configuration_did_not(
    mail_app: Flask, smtp: SmtpServer, host: str
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    response = mail_app.test_client().post(
        f"{API}/users/me/keys",
        data={"name": "ci"},
        auth=(ada.email, ada.key),
        headers={"Host": host},
    )
    assert response.status_code == 400
    assert deliver(mail_app).sent == 0


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("localhost:5000", "http://localhost:5000"),
        ("[::1]:5000", "http://[::1]:5000"),
        ("localhost", "http://localhost"),
    ],
)
def test_by_default_links_work_on_make_runs_address(
    mail_app: Flask, smtp: SmtpServer, host: str, site: str
) -> None:
    MakeUser(mail_app)("ada@example.com")
    assert forgot_password_from(mail_app.test_client(), host) == 200
    deliver(mail_app)
    assert f"{site}/password/reset?token=" in body_of(smtp.received[0])


def test_a_port_named_in_trusted_hosts_is_served_and_linked(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(TRUSTED_HOSTS=["localhost", "Keys.Example.org:8443"], **smtp.settings())
    MakeUser(app)("ada@example.com")
    client = app.test_client()
    assert forgot_password_from(client, "keys.example.org:8443") == 200
    deliver(app)
    assert "http://keys.example.org:8443/password/reset?token=" in body_of(smtp.received[0])
    for other in ("keys.example.org", "keys.example.org:8444"):
        assert client.get("/login", headers={"Host": other}).status_code == 400


@pytest.mark.parametrize(
    ("entry", "served", "refused"),
    [
        ("::1", "[::1]", "[::1]:5000"),
        ("[0:0::1]:8000", "[::1]:8000", "[::1]:8001"),
        ("[::ffff:127.0.0.1]:8000", "[::ffff:7f00:1]:8000", "[::ffff:127.0.0.1]"),
        (".example.org", "a.example.org", "a.example.org:8000"),
        (".example.org:8443", "example.org:8443", "a.example.org"),
        ("bücher.example:8000", "xn--bcher-kva.example:8000", "xn--bcher-kva.example"),
    ],
)
def test_each_form_of_entry_trusts_exactly_its_host_and_port(
    make_app: Callable[..., Flask], entry: str, served: str, refused: str
) -> None:
    client = make_app(TRUSTED_HOSTS=[entry]).test_client()
    assert client.get("/login", headers={"Host": served}).status_code == 200
    assert client.get("/login", headers={"Host": refused}).status_code == 400


def test_the_site_urls_port_is_trusted_and_no_other(make_app: Callable[..., Flask]) -> None:
    client = make_app(TRUSTED_HOSTS=["localhost"], SITE_URL="https://chat.example.com:8443")
    assert (
        client.test_client().get("/login", headers={"Host": "chat.example.com:8443"}).status_code
        == 200
    )
    for other in ("chat.example.com", "chat.example.com:8444"):
        assert client.test_client().get("/login", headers={"Host": other}).status_code == 400


def test_a_forwarded_host_must_name_a_trusted_port_too(make_app: Callable[..., Flask]) -> None:
    client = make_app(PROXY_FIX=True, TRUSTED_HOSTS=["keys.example.org"]).test_client()
    forwarded = {"Host": "keys.example.org", "X-Forwarded-Host": "keys.example.org:1"}
    assert client.get("/login", headers=forwarded).status_code == 400


@pytest.mark.parametrize(
    "entry", ["localhost:0", "localhost:65536", "localhost:x", "[::1", "[::1]x", "a@b", ":80"]
)
def test_an_entry_that_is_no_host_or_port_stops_the_app_at_start(
    make_app: Callable[..., Flask], entry: str
) -> None:
    with pytest.raises(ValueError, match="TRUSTED_HOSTS"):
        make_app(TRUSTED_HOSTS=["localhost", entry])


def test_a_site_url_with_a_bad_port_stops_the_app_at_start(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ValueError, match="SITE_URL"):
        make_app(SITE_URL="https://chat.example.com:99999")
