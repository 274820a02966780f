"""Adding and removing passkeys in Account & privacy: named, made by the person's own
authenticator for this site only, each one once; the first brings recovery codes."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.factors import codes_on
from tests.helpers.passkeys import (
    ADD_PASSKEY,
    Authenticator,
    add_passkey,
    b64url,
    options_on,
    remove_link,
)
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import csrf_token, field_error, log_in, post_form, reauthed_client

ACCOUNT = "/settings/account"


def test_a_first_passkey_is_listed_by_name_and_brings_recovery_codes(
    app: Flask, user: Account
) -> None:
    browser = reauthed_client(app, user.email)
    shown = add_passkey(browser, "Work laptop", Authenticator())
    assert len(codes_on(shown)) == 10
    assert shown.headers["Cache-Control"] == "no-store"
    page = browser.get(ACCOUNT).get_data(as_text=True)
    assert "Work laptop" in page and "1 unused recovery code" not in page


def test_a_second_passkey_keeps_the_recovery_codes(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    first = codes_on(add_passkey(browser, "Laptop", Authenticator()))
    second = add_passkey(browser, "Phone", Authenticator())
    assert second.location == ACCOUNT
    page = browser.get(ACCOUNT).get_data(as_text=True)
    assert "Laptop" in page and "Phone" in page
    assert "10 unused recovery codes" in page and len(first) == 10


def test_the_page_offers_only_this_site_and_excludes_the_passkeys_added(
    app: Flask, user: Account
) -> None:
    browser = reauthed_client(app, user.email)
    device = Authenticator()
    add_passkey(browser, "Laptop", device)
    options = options_on(browser.get(ADD_PASSKEY), "new-passkey")
    assert options["rp"]["id"] == "localhost"
    excluded = [entry["id"] for entry in options["excludeCredentials"]]
    assert excluded == [b64url(device.credential_id)]
    assert options["authenticatorSelection"]["userVerification"] == "preferred"


def test_a_passkey_made_for_another_site_is_refused(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    page = browser.get(ADD_PASSKEY)
    answer = Authenticator().create(options_on(page, "new-passkey"), origin="https://evil.test")
    sent = browser.post(
        ADD_PASSKEY, data={"name": "Laptop", "answer": answer, "csrf_token": csrf_token(page)}
    )
    assert sent.status_code == 200 and "could not be added" in sent.get_data(as_text=True)
    assert "Laptop" not in browser.get(ACCOUNT).get_data(as_text=True)


def test_an_answer_is_taken_once(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    page = browser.get(ADD_PASSKEY)
    answer = Authenticator().create(options_on(page, "new-passkey"))
    data = {"name": "Laptop", "answer": answer, "csrf_token": csrf_token(page)}
    assert browser.post(ADD_PASSKEY, data=data).status_code == 200  # the recovery codes
    again = browser.post(ADD_PASSKEY, data={**data, "name": "Again"})
    assert "could not be added" in again.get_data(as_text=True)


def test_a_name_on_two_lines_is_refused_with_the_rule(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    refused = add_passkey(browser, "Laptop\nSecurity: all clear", Authenticator())
    assert field_error(refused, "name")
    assert "all clear" not in browser.get(ACCOUNT).get_data(as_text=True)


def test_an_answer_that_is_not_json_is_a_form_error(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    refused = post_form(browser, ADD_PASSKEY, {"name": "Laptop", "answer": "{not json"})
    assert refused.status_code == 200
    assert "could not be added" in refused.get_data(as_text=True)


def test_adding_a_passkey_needs_the_window(client: FlaskClient, user: Account) -> None:
    log_in(client, user.email)
    assert client.get(ADD_PASSKEY).location.startswith("/settings/account/api-key")


def test_removing_the_last_passkey_removes_the_recovery_codes(app: Flask, user: Account) -> None:
    browser = reauthed_client(app, user.email)
    add_passkey(browser, "Laptop", Authenticator())
    page = browser.get(ACCOUNT).get_data(as_text=True)
    remove = remove_link(page)
    assert post_form(browser, remove, {}).location == ACCOUNT
    page = browser.get(ACCOUNT).get_data(as_text=True)
    assert 'id="passkeys"' not in page and "unused recovery codes" not in page


def test_nobody_removes_another_persons_passkey(
    app: Flask, user: Account, make_user: MakeUser
) -> None:
    browser = reauthed_client(app, user.email)
    add_passkey(browser, "Laptop", Authenticator())
    remove = remove_link(browser.get(ACCOUNT).get_data(as_text=True))
    other = make_user("eve@example.com", "Eve")
    thief = reauthed_client(app, other.email)
    assert post_form(thief, ACCOUNT, {}, action=remove).location == ACCOUNT
    assert 'id="passkeys"' in browser.get(ACCOUNT).get_data(as_text=True)
