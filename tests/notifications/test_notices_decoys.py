"""A decoy's use is told at once, by email, to its person (a bot's owner) and to every
administrator: the address, the browser or program, the time and the route called, never
the key; routine-notice settings do not silence it."""

from collections.abc import Callable

from flask import Flask

from tests.helpers.api import api_create_bot, api_ok
from tests.helpers.decoys import make_decoy, try_key
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, update_user
from tests.helpers.roles import set_role
from tests.helpers.users import MakeUser
from tests.helpers.web import from_ip

SUBJECT = "Decoy API key used"


def test_the_owner_and_the_administrators_are_told(mail_app: Flask, smtp: SmtpServer) -> None:
    make = MakeUser(mail_app)
    ada, grace = make("ada@example.com", "Ada Lovelace"), make("grace@example.com", "Grace")
    set_role(mail_app, grace.email, "admin")
    client = mail_app.test_client()
    made = make_decoy(client, (ada.email, ada.key), "wiki: deploy page")
    stranger = from_ip(client, "198.51.100.7")
    stranger.get(
        "/api/v1/users/me",
        headers={"Authorization": f"Bearer {made['api_key']}", "User-Agent": "curl/8.5"},
    ).close()
    told = delivered(mail_app, smtp, SUBJECT)
    assert sorted(message["To"] for message in told) == [ada.email, grace.email]
    body = body_of(told[0])
    assert "“wiki: deploy page”" in body and made["key_hint"] in body
    assert "IP address: 198.51.100.7" in body and "curl/8.5" in body
    assert "It called GET /api/v1/users/me." in body and "When: " in body
    assert made["api_key"] not in body


def test_a_bots_decoy_is_told_to_its_owner(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    bot = api_ok(api_create_bot(client, ada, "Deployer", "deployer"))
    made = make_decoy(client, (ada.email, ada.key), "ci", holder=f"/bots/{bot['user_id']}")
    try_key(client, made["api_key"])
    [message] = delivered(mail_app, smtp, SUBJECT)
    assert message["To"] == ada.email and "Deployer" in body_of(message)


def test_routine_notices_off_does_not_silence_it(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    update_user(mail_app, ada.id, routine_notices=False)
    client = mail_app.test_client()
    try_key(client, make_decoy(client, (ada.email, ada.key))["api_key"])
    assert len(delivered(mail_app, smtp, SUBJECT)) == 1


def test_a_report_of_a_decoy_says_where_it_was_found(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    decoy = make_decoy(client, (ada.email, ada.key))["api_key"]
    client.post(
        "/api/v1/keys/revoke", json={"keys": [decoy], "source": "https://paste.example/x"}
    ).close()
    body = body_of(delivered(mail_app, smtp, SUBJECT)[0])
    assert "reported found in public" in body and "“https[://]paste[.]example/x”" in body


def test_decoy_alerts_leave_the_allowance_of_other_notices_alone(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(**smtp.settings(), NOTICES_FROM_OTHERS_PER_HOUR=1)
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    for name in ("wiki", "repo", "ci"):
        try_key(client, make_decoy(client, (ada.email, ada.key), name)["api_key"])
    assert len(delivered(app, smtp, SUBJECT)) == 3
    assert delivered(app, smtp, "Security notices held back") == []


def test_a_persons_decoys_tell_of_ten_uses_an_hour(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(**smtp.settings(), MAX_DECOY_KEYS=12)
    ada = MakeUser(app)("ada@example.com", "Ada Lovelace")
    client = app.test_client()
    for number in range(12):
        try_key(client, make_decoy(client, (ada.email, ada.key), f"place {number}")["api_key"])
    assert len(delivered(app, smtp, SUBJECT)) == 10
