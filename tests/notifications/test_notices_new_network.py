"""A key used from a new place: the first successful use of a key from a network (an IPv4
/24, an IPv6 /48) none of its person's keys was used or shown from sends one notice, with
the "This wasn't me" link; the person's very first network, and the networks their keys
were shown in, are where they are, and are not told."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import API, api_ok
from tests.helpers.api_keys import limited_key, list_keys
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, not_me_link
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import from_ip, reauthed_client

NEW_NETWORK = "API key used from a new network"


def call(client: FlaskClient, who: Account, address: str, key: str | None = None) -> None:
    auth = (who.email, key or who.key)
    api_ok(from_ip(client, address).get(f"{API}/users/me", auth=auth))


def told(app: Flask, smtp: SmtpServer) -> list[str]:
    return [body_of(message) for message in delivered(app, smtp, NEW_NETWORK)]


def test_a_use_from_a_new_network_is_told_once(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    call(client, ada, "192.0.2.10")  # where Ada is: her first network
    call(client, ada, "198.51.100.7")  # within the same minute: still noticed
    call(client, ada, "198.51.100.9")  # the same /24
    [body] = told(mail_app, smtp)
    assert "198.51.100.0/24" in body and "IP address: 198.51.100.7" in body
    assert ada.key not in body
    not_me_link(body)


def test_the_first_network_ever_is_not_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    call(mail_app.test_client(), ada, "192.0.2.10")
    assert told(mail_app, smtp) == []


def test_another_key_of_the_person_from_a_known_network_is_not_told(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    call(client, ada, "192.0.2.10")
    call(client, ada, "2001:db8:5::1")
    made = limited_key(from_ip(client, "192.0.2.10"), (ada.email, ada.key))
    call(client, ada, "2001:db8:5:9::2", str(made["api_key"]))  # the same /48
    assert len(told(mail_app, smtp)) == 1


def test_a_network_a_key_was_shown_in_is_known(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    call(client, ada, "192.0.2.10")
    browser = from_ip(reauthed_client(mail_app, ada.email), "203.0.113.5")
    browser.get("/settings/account/api-key")  # the key shown from 203.0.113.5
    call(client, ada, "203.0.113.77")
    assert told(mail_app, smtp) == []


def test_a_bots_key_counts_with_its_owners_networks(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    call(client, ada, "192.0.2.10")
    made = api_ok(
        from_ip(client, "192.0.2.10").post(
            f"{API}/bots",
            data={"full_name": "Relay", "short_name": "relay"},
            auth=(ada.email, ada.key),
        )
    )
    bot = Account(int(str(made["user_id"])), str(made["email"]), "", str(made["api_key"]))
    call(client, bot, "192.0.2.99")  # Ada's network: nothing to tell
    call(client, bot, "198.51.100.7")
    [body] = told(mail_app, smtp)
    assert "Relay" in body


def test_twenty_new_networks_a_day_are_noted(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(**smtp.settings(), NOTICES_FROM_OTHERS_PER_HOUR=100)
    ada = MakeUser(app)("ada@example.com")
    client = app.test_client()
    call(client, ada, "192.0.2.10")
    for network in range(25):
        call(client, ada, f"2001:db8:{network + 1:x}::1")
    assert len(told(app, smtp)) == 19  # the first of the twenty, Ada's own, told nobody


def test_a_key_cycling_through_networks_does_not_write_on_every_call(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    last = ""
    for network in range(40):  # within one minute: only new places make a write
        last = f"2001:db8:{network + 1:x}::1"
        call(client, ada, last)
    [primary] = list_keys(client, (ada.email, ada.key))
    assert primary["last_used_ip"] != last
