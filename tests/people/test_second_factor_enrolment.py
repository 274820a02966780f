"""Adding an authenticator app in Account & privacy: a QR code and the secret in text, on a
page no cache keeps, confirmed by a first code before it counts; then ten recovery codes,
shown once. Only inside the re-authentication window."""

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core import db
from app.core.models import AuditEvent, RecoveryCode, TotpFactor
from tests.conftest import Clock
from tests.helpers.factors import ADD_APP, add_app, secret_on
from tests.helpers.users import Account
from tests.helpers.web import KEY_PAGE, csrf_token, field_error


def test_the_page_shows_a_qr_code_and_the_secret_and_is_not_cached(reauthed: FlaskClient) -> None:
    page = reauthed.get(ADD_APP)
    assert "<svg" in page.get_data(as_text=True)
    assert len(secret_on(page)) == 32
    assert page.headers["Cache-Control"] == "no-store"


def test_a_reload_shows_the_same_secret(reauthed: FlaskClient) -> None:
    assert secret_on(reauthed.get(ADD_APP)) == secret_on(reauthed.get(ADD_APP))


def test_a_first_right_code_turns_it_on_with_ten_recovery_codes(
    app: Flask, reauthed: FlaskClient, user: Account, clock: Clock
) -> None:
    added = add_app(reauthed, clock.current)
    assert len(set(added.recovery_codes)) == 10
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "10 unused recovery codes." in page
    with app.app_context():
        events = db.session().scalars(select(AuditEvent.event_type)).all()
    assert "second_factor_added" in events


def test_a_wrong_first_code_turns_nothing_on(
    app: Flask, reauthed: FlaskClient, clock: Clock
) -> None:
    page = reauthed.get(ADD_APP)
    refused = reauthed.post(ADD_APP, data={"code": "000000", "csrf_token": csrf_token(page)})
    assert "not right" in field_error(refused, "code")
    with app.app_context():
        factor = db.session().scalars(select(TotpFactor)).one()
    assert factor.confirmed_at is None


def test_adding_needs_the_reauthentication_window(logged_in: FlaskClient) -> None:
    response = logged_in.get(ADD_APP)
    assert response.status_code == 302
    assert response.location.startswith(KEY_PAGE)


def test_the_secret_and_the_codes_are_kept_only_encrypted_and_hashed(
    app: Flask, reauthed: FlaskClient, clock: Clock
) -> None:
    added = add_app(reauthed, clock.current)
    with app.app_context():
        factor = db.session().scalars(select(TotpFactor)).one()
        hashes = db.session().scalars(select(RecoveryCode.code_hash)).all()
    assert added.secret not in factor.secret_ciphertext
    stored = " ".join(hashes)
    assert all(code.replace("-", "") not in stored for code in added.recovery_codes)
    assert all(code_hash.startswith("$argon2") for code_hash in hashes)


def test_a_second_app_cannot_be_added_over_the_first(reauthed: FlaskClient, clock: Clock) -> None:
    add_app(reauthed, clock.current)
    response = reauthed.get(ADD_APP)
    assert response.status_code == 302
    assert response.location.endswith("/settings/account")
