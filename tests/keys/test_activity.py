"""Account & privacy: when the key was last used, and the security log of what happened."""

from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.keys import last_use
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.api import api_me
from tests.helpers.users import PASSWORD, Account
from tests.helpers.web import KEY_PAGE, csrf_token, post_form, reauthenticate

# Last used


def test_last_used_is_written_at_most_once_a_minute(
    app: Flask, clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    from app.keys import primary

    def last_used() -> object:
        with app.app_context():
            last_use.write_pending()  # what LAST_USE_WRITE_SECONDS later brings
            record = primary.active_key(db.session(), user.id)
            assert record is not None
            return record.last_used_at

    assert last_used() is None
    api_me(logged_in, user.email, user.key)
    first = last_used()
    assert first == clock.current
    clock.advance(seconds=30)
    api_me(logged_in, user.email, user.key)
    assert last_used() == first
    clock.advance(seconds=31)
    api_me(logged_in, user.email, user.key)
    assert last_used() == clock.current


def test_last_used_is_not_rewritten_within_the_minute(
    app: Flask, clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    from app.keys import primary

    api_me(logged_in, user.email, user.key)
    with app.app_context():
        record = primary.active_key(db.session(), user.id)
        assert record is not None
        first = record.last_used_at
    clock.advance(seconds=59)
    api_me(logged_in, user.email, user.key)
    with app.app_context():
        record = primary.active_key(db.session(), user.id)
        assert record is not None and record.last_used_at == first


def test_the_account_page_says_when_the_key_was_last_used(
    clock: Clock, logged_in: FlaskClient, user: Account
) -> None:
    api_me(logged_in, user.email, user.key)
    clock.advance(minutes=3)
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert "never used" not in page
    assert "3 minutes ago" in page


# The security log and the audit rows behind it


def test_the_security_log_lists_what_happened(reauthed: FlaskClient, user: Account) -> None:
    reauthed.get(KEY_PAGE)
    page = reauthed.get("/settings/account", headers={"User-Agent": "TestBrowser/1.0"}).get_data(
        as_text=True
    )
    assert "Security log" in page
    assert "Password confirmed" in page
    assert "API key shown" in page
    assert "127.0.0.1" in page


def test_the_security_log_shows_the_last_fifty_events(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    from app.core import audit

    with app.app_context():
        session = db.session()
        for _ in range(60):
            audit.record(session, "api_key_revealed", actor_id=user.id, subject_user_id=user.id)
        session.commit()
        assert len(audit.security_log(session, user.id)) == 50
    page = logged_in.get("/settings/account").get_data(as_text=True)
    assert page.count("API key shown") == 50


def test_the_security_log_leaves_out_other_users(
    app: Flask, client: FlaskClient, make_user: object, user: Account
) -> None:
    assert callable(make_user)
    other: Account = make_user("other@example.com")
    post_form(client, "/login", {"email": other.email, "password": PASSWORD})
    reauthenticate(client, "wrong password!")
    client.get("/settings/account")
    second = app.test_client()
    post_form(second, "/login", {"email": user.email, "password": PASSWORD})
    page = second.get("/settings/account").get_data(as_text=True)
    assert "Wrong password entered" not in page


def test_audit_rows_name_actor_subject_and_browser(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    browser = {"User-Agent": "KeyfobTest/2.0"}
    token = csrf_token(logged_in.get(KEY_PAGE))
    logged_in.post(KEY_PAGE, data={"password": "wrong", "csrf_token": token}, headers=browser)
    logged_in.post(KEY_PAGE, data={"password": PASSWORD, "csrf_token": token}, headers=browser)
    logged_in.get(KEY_PAGE, headers=browser)
    rows = [(e.event_type, e.actor_id, e.subject_user_id, e.user_agent) for e in audit_events(app)]
    assert rows[-3:] == [
        ("reauth_failed", user.id, user.id, "KeyfobTest/2.0"),
        ("reauth_succeeded", user.id, user.id, "KeyfobTest/2.0"),
        ("api_key_revealed", user.id, user.id, "KeyfobTest/2.0"),
    ]


def test_a_failed_login_is_audited_for_the_account(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    post_form(client, "/login", {"email": user.email, "password": "wrong password"})
    last = audit_events(app)[-1]
    assert (last.event_type, last.actor_id, last.subject_user_id) == ("login_failed", None, user.id)
