"""Notices of a key's restrictions: its owner is told when a key is paused or resumed, when
its networks change, and when it is used from a network it does not allow (once per
address and day, with the "This wasn't me" link)."""

from flask import Flask

from tests.helpers.api import API
from tests.helpers.api_keys import change_key, limited_key
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, not_me_link, the_notice
from tests.helpers.users import MakeUser
from tests.helpers.web import from_ip


def test_a_use_from_elsewhere_is_told_once_per_address(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    made = limited_key(client, (ada.email, ada.key), "127.0.0.2/32")
    for address in ("127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.4"):
        from_ip(client, address).get(f"{API}/users/me", auth=(ada.email, made["api_key"]))
    told = delivered(mail_app, smtp, "API key used from a network it does not allow")
    assert len(told) == 2
    body = body_of(told[0])
    assert "“CI”" in body and made["key_hint"] in body
    assert "IP address: 127.0.0.3" in body
    assert "It called GET /api/v1/users/me." in body
    assert made["api_key"] not in body
    not_me_link(body)


def test_pausing_and_resuming_are_told(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    made = limited_key(client, (ada.email, ada.key))
    change_key(client, (ada.email, ada.key), made["id"], paused=True)
    change_key(client, (ada.email, ada.key), made["id"], paused=False)
    paused = the_notice(mail_app, smtp, "API key paused")
    assert "was paused: it is refused until it is resumed" in paused
    assert "was resumed: it works again" in the_notice(mail_app, smtp, "API key resumed")


def test_a_change_of_networks_is_told_with_the_new_list(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    made = limited_key(client, (ada.email, ada.key))
    change_key(client, (ada.email, ada.key), made["id"], allowed_networks=["192.0.2.0/24"])
    body = the_notice(mail_app, smtp, "API key's allowed networks changed")
    assert "It now works only from: 192.0.2.0/24" in body
    not_me_link(body)
