"""Password guessing is limited per account and client IP, per account, and per IP, on the
login and re-auth forms and the API's fetch_api_key alike.

Run against a shared store with KEYFOB_TEST_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379.
"""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from keyfob_client import keyformat
from tests.helpers.api import api_me, fetch_key
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token, from_ip, log_in, post_form, reauthenticate


def assert_limited(response: TestResponse) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)


def test_the_sixth_wrong_password_is_refused_with_429(
    logged_in: FlaskClient, user: Account
) -> None:
    for _ in range(5):
        assert reauthenticate(logged_in, "wrong password").status_code == 200
    assert_limited(reauthenticate(logged_in, "wrong password"))


def test_the_right_password_is_refused_too_once_limited(
    logged_in: FlaskClient, user: Account
) -> None:
    for _ in range(5):
        reauthenticate(logged_in, "wrong password")
    response = reauthenticate(logged_in, PASSWORD)
    assert_limited(response)
    assert user.key not in logged_in.get(KEY_PAGE).get_data(as_text=True)


def test_right_passwords_do_not_use_up_the_limit(logged_in: FlaskClient, user: Account) -> None:
    for _ in range(8):
        assert reauthenticate(logged_in, PASSWORD).status_code == 302


def test_failed_logins_from_an_ip_lock_that_ip_out_of_the_account(
    app: Flask, user: Account
) -> None:
    guesser = app.test_client()
    for _ in range(5):
        assert log_in(guesser, user.email.upper(), "wrong password").status_code == 200
    assert_limited(log_in(guesser, user.email, "wrong password"))
    assert_limited(log_in(app.test_client(), user.email, PASSWORD))  # same IP, new browser


def test_failed_logins_from_an_ip_lock_its_fetch_api_key(app: Flask, user: Account) -> None:
    for _ in range(5):
        log_in(app.test_client(), user.email, "wrong password")
    response = app.test_client().post(
        "/api/v1/fetch_api_key", data={"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.get_json()["code"] == "RATE_LIMIT_HIT"


def test_fetch_api_key_failures_lock_the_login_form_from_that_ip(app: Flask, user: Account) -> None:
    for _ in range(5):
        assert fetch_key(app.test_client(), user.email, "wrong password") == 401
    assert_limited(log_in(app.test_client(), user.email, PASSWORD))


def test_one_accounts_limit_leaves_another_account_alone(app: Flask, make_user: MakeUser) -> None:
    ada, bob = make_user(), make_user()
    for _ in range(5):
        log_in(app.test_client(), ada.email, "wrong password")
    assert log_in(app.test_client(), bob.email, PASSWORD).status_code == 302


def test_one_ip_cannot_guess_across_many_accounts(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_IP="3 per 30 minutes")
    client = app.test_client()
    for number in range(3):
        log_in(client, f"victim{number}@example.com", "guess")
    assert_limited(log_in(client, "victim9@example.com", "guess"))


def test_another_ip_is_not_limited_by_the_first(make_app: Callable[..., Flask]) -> None:
    app = make_app(PASSWORD_LIMIT_PER_IP="3 per 30 minutes")
    client = app.test_client()
    for number in range(3):
        log_in(client, f"victim{number}@example.com", "guess")
    elsewhere = from_ip(app.test_client(), "192.0.2.7")
    assert log_in(elsewhere, "someone@example.com", "guess").status_code == 200


def test_an_unrelated_page_is_not_limited(logged_in: FlaskClient) -> None:
    for _ in range(6):
        reauthenticate(logged_in, "wrong password")
    assert logged_in.get("/settings/account").status_code == 200
    assert logged_in.get(KEY_PAGE).status_code == 200


def test_the_api_is_not_affected_by_password_limits(logged_in: FlaskClient, user: Account) -> None:
    for _ in range(6):
        reauthenticate(logged_in, "wrong password")
    assert api_me(logged_in, user.email, user.key).status_code == 200
    unknown = keyformat.generate(keyformat.USER_PREFIX)
    assert api_me(logged_in, user.email, unknown).status_code == 401


def test_registration_is_not_counted_as_a_password_attempt(client: FlaskClient) -> None:
    for number in range(7):
        data = {
            "email": f"n{number}@example.com",
            "full_name": "N",
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        assert post_form(client, "/register", data).status_code == 302


def test_right_passwords_do_not_count_against_the_ip(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_IP="3 per 30 minutes")
    owner = make_user()
    client = app.test_client()
    for _ in range(5):
        assert log_in(client, owner.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/settings/account"))})


def test_a_json_login_cannot_dodge_the_account_limit(app: Flask, user: Account) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login"))
    for _ in range(5):
        response = client.post(
            "/login",
            json={"email": user.email, "password": "guess"},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 200
    assert log_in(app.test_client(), user.email).status_code == 302
