""" "This wasn't me": the link in a notice opens a confirm page that changes nothing; its
Confirm stops the key (a primary key is replaced, a named key revoked) and signs the person
out of every other session, once, within 24 hours."""

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.admin import audit_types
from tests.helpers.api import API, api_create_bot, api_me, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import not_me_link, the_notice
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token, kept_private, log_in, reauthed_client


def regenerated_link(app: Flask, smtp: SmtpServer, ada: Account) -> tuple[str, str]:
    """Regenerate Ada's key through the API; the link and the new key."""
    new_key = api_ok(
        app.test_client().post(f"{API}/users/me/api_key/regenerate", auth=(ada.email, ada.key))
    )["api_key"]
    return not_me_link(the_notice(app, smtp, "API key regenerated"))[1], str(new_key)


def confirm(client: FlaskClient, link: str) -> int:
    """Open the link and press Confirm, as its reader would; the answer's status."""
    page = client.get(link, follow_redirects=True)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = link.split("token=", 1)[1]
    sent = {"csrf_token": csrf_token(page), "token": token}
    return client.post("/not-me", data=sent).status_code


def test_opening_the_link_asks_and_changes_nothing(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    link, new_key = regenerated_link(mail_app, smtp, ada)
    page = mail_app.test_client().get(link, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.mimetype == "text/html"
    assert f"The API key of Ada Lovelace ending in {new_key[-4:]} stops working at once" in text
    assert new_key not in text
    assert api_me(mail_app.test_client(), ada.email, new_key).status_code == 200
    assert "reported_not_me" not in audit_types(mail_app)


def test_confirming_replaces_the_key_and_ends_other_sessions(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    other_browser = reauthed_client(mail_app, ada.email)
    link, new_key = regenerated_link(mail_app, smtp, ada)
    assert confirm(mail_app.test_client(), link) == 200
    assert api_me(mail_app.test_client(), ada.email, new_key).status_code == 401
    assert other_browser.get("/settings/account").status_code == 302  # to the login page
    assert "reported_not_me" in audit_types(mail_app)


def test_the_browser_that_confirms_stays_logged_in(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    browser = reauthed_client(mail_app, ada.email)
    link, _new_key = regenerated_link(mail_app, smtp, ada)
    assert confirm(browser, link) == 200
    assert browser.get("/settings/account").status_code == 200


def test_a_named_keys_link_revokes_that_key_alone(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    named = api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), "ci"))
    link = not_me_link(the_notice(mail_app, smtp, "New API key created"))[1]
    assert confirm(mail_app.test_client(), link) == 200
    assert api_me(mail_app.test_client(), ada.email, str(named["api_key"])).status_code == 401
    assert api_me(mail_app.test_client(), ada.email, ada.key).status_code == 200


def test_a_new_bots_link_replaces_the_bots_key(mail_app: Flask, smtp: SmtpServer) -> None:
    owner = MakeUser(mail_app)("owner@example.com")
    bot = api_ok(api_create_bot(mail_app.test_client(), owner, "Relay", "relay"))
    link = not_me_link(the_notice(mail_app, smtp, "New bot created"))[1]
    assert confirm(mail_app.test_client(), link) == 200
    client = mail_app.test_client()
    assert api_me(client, str(bot["email"]), str(bot["api_key"])).status_code == 401
    assert api_me(client, owner.email, owner.key).status_code == 200


def test_a_link_works_once(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, _new_key = regenerated_link(mail_app, smtp, ada)
    client = mail_app.test_client()
    page = client.get(link, follow_redirects=True)
    sent = {"csrf_token": csrf_token(page), "token": link.split("token=", 1)[1]}
    assert client.post("/not-me", data=sent).status_code == 200
    again = client.post("/not-me", data=sent)
    assert again.status_code == 400
    assert "This link was used already" in again.get_data(as_text=True)
    assert client.get(link).status_code == 400
    assert audit_types(mail_app).count("reported_not_me") == 1


def test_a_link_expires_after_24_hours(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, new_key = regenerated_link(mail_app, smtp, ada)
    mail_clock.advance(hours=24, seconds=1)
    page = mail_app.test_client().get(link)
    assert page.status_code == 400
    assert "more than 24 hours old" in page.get_data(as_text=True)
    assert api_me(mail_app.test_client(), ada.email, new_key).status_code == 200


def test_a_link_still_works_just_before_24_hours(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, _new_key = regenerated_link(mail_app, smtp, ada)
    mail_clock.advance(hours=23, minutes=59)
    assert confirm(mail_app.test_client(), link) == 200


def test_a_tampered_link_is_refused(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, new_key = regenerated_link(mail_app, smtp, ada)
    client = mail_app.test_client()
    for tampered in (
        link[:-3] + ("AAA" if link[-3:] != "AAA" else "BBB"),
        "/not-me?token=x",
        "/not-me",
    ):
        page = client.get(tampered)
        assert page.status_code == 404
        assert "This link cannot be used" in page.get_data(as_text=True)
    token = csrf_token(client.get(link, follow_redirects=True))
    forged = client.post("/not-me", data={"csrf_token": token, "token": "x" * 600})
    assert forged.status_code == 404
    assert api_me(client, ada.email, new_key).status_code == 200


def test_confirming_without_the_csrf_token_is_refused(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, new_key = regenerated_link(mail_app, smtp, ada)
    client = mail_app.test_client()
    refused = client.post("/not-me", data={"token": link.split("token=", 1)[1]})
    assert refused.status_code == 400
    assert api_me(client, ada.email, new_key).status_code == 200


def test_a_logged_out_reader_may_use_the_link(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    client = mail_app.test_client()
    assert log_in(client, ada.email).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get(KEY_PAGE))})
    link, _new_key = regenerated_link(mail_app, smtp, ada)
    assert confirm(client, link) == 200


def test_the_link_moves_its_token_into_the_session_at_once(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, new_key = regenerated_link(mail_app, smtp, ada)
    client = mail_app.test_client()
    landing = client.get(link)
    assert (landing.status_code, landing.location) == (303, "/not-me")
    page = client.get("/not-me")
    assert page.status_code == 200
    assert f"ending in {new_key[-4:]}" in page.get_data(as_text=True)
    assert mail_app.test_client().get("/not-me").status_code == 404  # another browser: nothing


def test_every_response_of_the_link_is_kept_private(mail_app: Flask, smtp: SmtpServer) -> None:
    ada = MakeUser(mail_app)("ada@example.com")
    link, _new_key = regenerated_link(mail_app, smtp, ada)
    client = mail_app.test_client()
    landing = client.get(link)
    page = client.get("/not-me")
    sent = {"csrf_token": csrf_token(page), "token": link.split("token=", 1)[1]}
    done = client.post("/not-me", data=sent)
    responses = {
        "landing": landing,
        "confirm page": page,
        "done page": done,
        "used link": client.get(link),
        "no link": mail_app.test_client().get("/not-me"),
        "tampered link": client.get(link + "x"),
        "used confirm": client.post("/not-me", data=sent),
        "no CSRF token": client.post("/not-me", data={"token": sent["token"]}),
    }
    statuses = {step: response.status_code for step, response in responses.items()}
    assert statuses == {
        "landing": 303,
        "confirm page": 200,
        "done page": 200,
        "used link": 400,
        "no link": 404,
        "tampered link": 404,
        "used confirm": 400,
        "no CSRF token": 400,
    }
    assert [step for step, response in responses.items() if not kept_private(response)] == []


def test_confirm_acts_on_the_link_whose_page_it_is(mail_app: Flask, smtp: SmtpServer) -> None:
    """Two links opened in one browser: the session holds the last, the page its own."""
    ada = MakeUser(mail_app)("ada@example.com")
    first, new_key = regenerated_link(mail_app, smtp, ada)
    named = api_ok(create_key(mail_app.test_client(), (ada.email, new_key), "ci"))
    second = not_me_link(the_notice(mail_app, smtp, "New API key created"))[1]
    client = mail_app.test_client()
    first_page = client.get(first, follow_redirects=True)
    client.get(second, follow_redirects=True)
    sent = {"csrf_token": csrf_token(first_page), "token": first.split("token=", 1)[1]}
    assert client.post("/not-me", data=sent).status_code == 200
    assert api_me(mail_app.test_client(), ada.email, new_key).status_code == 401
    assert api_me(mail_app.test_client(), ada.email, str(named["api_key"])).status_code == 200
