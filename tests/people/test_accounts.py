"""Registering, logging in and out, the settings shell, and the headers every page carries."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import db
from app.core.models import User
from tests.helpers.admin import count_users
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import csrf_token, log_in, post_form, register_account

GOOD_REGISTRATION = {
    "email": "Grace@Example.com",
    "full_name": "Grace Hopper",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def register(client: FlaskClient, **changes: str) -> str:
    """Register Grace@Example.com unless ``changes`` say: the page shown, or where it leads."""
    response = register_account(client, **{**GOOD_REGISTRATION, **changes})
    return response.get_data(as_text=True) if response.status_code == 200 else response.location


def test_registering_creates_a_user_with_a_lower_cased_email_and_a_key(
    app: Flask, client: FlaskClient
) -> None:
    assert register(client) == "/login"
    with app.app_context():
        user = db.session().scalars(select(User)).one()
        assert user.email == "grace@example.com"
        assert user.password_hash is not None and PASSWORD not in user.password_hash
        from app.keys import primary

        assert primary.active_key(db.session(), user.id) is not None


def test_a_new_user_can_log_in_and_see_the_settings_page(client: FlaskClient) -> None:
    register(client)
    assert log_in(client, "grace@example.com").location == "/settings/account"
    page = client.get("/settings/account").get_data(as_text=True)
    assert "Account &amp; privacy" in page or "Account & privacy" in page
    assert "Your bots" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email."),
        ({"email": ""}, "This field is required."),
        ({"full_name": "   "}, "This field is required."),
        ({"full_name": "x" * 101}, "Use at most 100 characters."),
        ({"password": "short", "confirm": "short"}, "Use 10 to 256 characters."),
        ({"confirm": "something else"}, "Passwords do not match."),
    ],
)
def test_bad_registration_input_is_shown_on_the_form(
    app: Flask, client: FlaskClient, changes: dict[str, str], message: str
) -> None:
    page = register(client, **changes)
    assert message in page
    assert count_users(app) == 0


def test_a_taken_email_is_refused_whatever_its_case(client: FlaskClient, user: Account) -> None:
    page = register(client, email=user.email.upper())
    assert "An account with this email already exists." in page


def test_registration_without_a_csrf_token_is_rejected(app: Flask, client: FlaskClient) -> None:
    response = client.post("/register", data=GOOD_REGISTRATION)
    assert response.status_code == 400
    assert count_users(app) == 0


def test_registration_can_be_switched_off(database_url: str, tmp_path: object) -> None:
    from app import create_app

    closed = create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "REGISTRATION_OPEN": False}
    )
    client = closed.test_client()
    assert client.get("/register").status_code == 404
    assert "Create an account" not in client.get("/login").get_data(as_text=True)


def test_a_wrong_password_is_refused_on_the_form(client: FlaskClient, user: Account) -> None:
    response = log_in(client, user.email, "wrong password")
    assert response.status_code == 200
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/settings/account").status_code == 302


def test_an_unknown_email_gets_the_same_message(client: FlaskClient) -> None:
    response = log_in(client, "nobody@example.com", "whatever password")
    assert "Email or password is incorrect." in response.get_data(as_text=True)


def test_login_ignores_the_emails_case(client: FlaskClient, user: Account) -> None:
    assert log_in(client, user.email.upper()).location == "/settings/account"


def test_a_deactivated_user_cannot_log_in(app: Flask, client: FlaskClient, user: Account) -> None:
    with app.app_context():
        db.session().get_one(User, user.id).is_active = False
        db.session().commit()
    response = log_in(client, user.email)
    assert "This account is deactivated." in response.get_data(as_text=True)
    assert client.get("/settings/account").status_code == 302


def test_login_without_a_csrf_token_is_rejected(client: FlaskClient, user: Account) -> None:
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 400


def test_deactivation_ends_an_open_session(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    with app.app_context():
        db.session().get_one(User, user.id).is_active = False
        db.session().commit()
    assert logged_in.get("/settings/account").location.startswith("/login")


def test_logging_out_ends_the_session(logged_in: FlaskClient) -> None:
    token = csrf_token(logged_in.get("/settings/account"))
    assert logged_in.post("/logout", data={"csrf_token": token}).location == "/login"
    assert logged_in.get("/settings/account").status_code == 302


def test_logout_needs_a_csrf_token(logged_in: FlaskClient) -> None:
    assert logged_in.post("/logout").status_code == 400
    assert logged_in.get("/settings/account").status_code == 200


def test_logout_is_not_a_get(logged_in: FlaskClient) -> None:
    assert logged_in.get("/logout").status_code == 405


@pytest.mark.parametrize("page", ["/settings/", "/settings/account", "/settings/bots"])
def test_settings_need_a_login(client: FlaskClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_both_tabs_are_reachable(logged_in: FlaskClient) -> None:
    page = logged_in.get("/settings/bots").get_data(as_text=True)
    assert 'aria-current="page">Your bots' in page


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_http_only_and_same_site_lax(
    client: FlaskClient, user: Account
) -> None:
    log_in(client, user.email)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_login_starts_a_fresh_session(client: FlaskClient, user: Account) -> None:
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_an_expired_form_gets_a_friendly_page(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_an_unknown_page_is_an_html_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["email", "password"])
def test_control_characters_in_login_are_a_form_error(client: FlaskClient, field: str) -> None:
    data = {"email": "ada@example.com", "password": "whatever password", field: "a\x00b@x.com"}
    response = post_form(client, "/login", data)
    assert response.status_code == 200
    assert "Remove the control characters." in response.get_data(as_text=True)


def test_control_characters_in_registration_are_a_form_error(
    app: Flask, client: FlaskClient
) -> None:
    page = register(client, full_name="Grace\x00Hopper")
    assert "Remove the control characters." in page
    assert count_users(app) == 0


def test_an_oversized_form_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "a" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)


def test_registrations_are_limited_per_ip(make_app: Callable[..., Flask]) -> None:
    client = make_app(REGISTRATION_LIMIT_PER_IP="2 per hour").test_client()
    assert register(client, email="one@example.com") == "/login"
    assert register(client, email="two@example.com") == "/login"
    response = post_form(client, "/register", {**GOOD_REGISTRATION, "email": "three@example.com"})
    assert response.status_code == 429


def test_probing_for_taken_emails_uses_up_the_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    # Every POST counts, so "this email already exists" cannot be asked for in bulk.
    client = make_app(REGISTRATION_LIMIT_PER_IP="2 per hour").test_client()
    taken = [make_user(f"taken{number}@example.com").email for number in range(3)]
    assert "already exists" in register(client, email=taken[0])
    assert "already exists" in register(client, email=taken[1])
    response = post_form(client, "/register", {**GOOD_REGISTRATION, "email": taken[2]})
    assert response.status_code == 429
    assert "already exists" not in response.get_data(as_text=True)
