"""Account & privacy: the user's named keys, created behind the password step, shown once,
listed by hint, and revoked one at a time."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.admin import audit_events, audit_types
from tests.helpers.api import api_me
from tests.helpers.keys import (
    OWN_KEYS,
    create_named_key,
    form_message,
    primary_key_id,
    submit_named_key,
)
from tests.helpers.users import Account
from tests.helpers.web import KEY_PAGE, csrf_token, from_ip, post_form, reauthed_client

# Creating one


def test_creating_a_key_needs_the_password_step(logged_in: FlaskClient, user: Account) -> None:
    # The step leads back to the form it interrupted (tests/keys/test_scope_pages.py).
    assert logged_in.get(f"{OWN_KEYS}/new").location == f"{KEY_PAGE}?next={OWN_KEYS}/new"
    token = csrf_token(logged_in.get("/settings/account"))
    sent = {"name": "CI", "expires": "never", "csrf_token": token}
    assert logged_in.post(f"{OWN_KEYS}/new", data=sent).location == KEY_PAGE
    assert "named_key_created" not in audit_types(logged_in.application)


def test_a_new_key_is_shown_once_uncached_and_works(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    assert api_me(reauthed, user.email, made.key).status_code == 200
    again = reauthed.get(made.page)
    assert again.headers["Cache-Control"] == "no-store"
    page = again.get_data(as_text=True)
    assert made.key not in page
    assert "…" + made.key[-4:] in page


def test_the_key_page_is_no_store_the_first_time_too(reauthed: FlaskClient) -> None:
    response = submit_named_key(reauthed)
    assert reauthed.get(response.location).headers["Cache-Control"] == "no-store"


def test_another_session_never_sees_the_new_key(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    response = submit_named_key(reauthed)
    other = reauthed_client(app, user.email)
    page = other.get(response.location).get_data(as_text=True)
    assert 'id="api-key-value"' not in page
    assert 'id="api-key-value"' in reauthed.get(response.location).get_data(as_text=True)


def test_the_primary_key_keeps_working_beside_a_named_key(
    reauthed: FlaskClient, user: Account
) -> None:
    create_named_key(reauthed)
    assert api_me(reauthed, user.email, user.key).status_code == 200


def test_the_creation_is_audited_by_name_and_hint_never_the_key(
    app: Flask, reauthed: FlaskClient
) -> None:
    made = create_named_key(reauthed, name="Deploy")
    event = audit_events(app)[-1]
    assert event.event_type == "named_key_created"
    assert made.key not in str(event.detail)
    log = reauthed.get("/settings/account").get_data(as_text=True)
    assert f"Named API key created (Deploy …{made.key[-4:]})" in log


# The list


def test_the_list_shows_name_hint_and_never_used(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed, name="Nightly backup")
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "Primary key" in page and "Nightly backup" in page
    assert "…" + made.key[-4:] in page and "…" + user.key[-4:] in page
    assert made.key not in page and user.key not in page
    assert page.index("Primary key") < page.index("Nightly backup")
    assert "never used" in page


def test_the_list_shows_where_a_key_was_last_used(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    from_ip(reauthed, "203.0.113.9")
    reauthed.get(
        "/api/v1/users/me", auth=(user.email, made.key), headers={"User-Agent": "cron-job/2"}
    )
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert "203.0.113.9" in page and "cron-job/2" in page


def test_an_expired_key_is_listed_as_expired(reauthed: FlaskClient, clock: Clock) -> None:
    create_named_key(reauthed, expires="30")
    clock.advance(days=31)
    assert ">expired<" in reauthed.get("/settings/account").get_data(as_text=True).replace("\n", "")


# Expiry


def test_a_key_with_a_lifetime_expires_then(
    reauthed: FlaskClient, user: Account, clock: Clock
) -> None:
    made = create_named_key(reauthed, expires="30")
    clock.advance(days=30, seconds=1)
    assert api_me(reauthed, user.email, made.key).status_code == 401


def test_a_key_may_expire_on_a_date(reauthed: FlaskClient, user: Account, clock: Clock) -> None:
    day = (clock.current.date()).replace(year=clock.current.year + 1)
    made = create_named_key(reauthed, expires="date", expires_on=day.isoformat())
    assert api_me(reauthed, user.email, made.key).status_code == 200


def test_a_date_in_the_past_is_refused(reauthed: FlaskClient) -> None:
    response = submit_named_key(reauthed, expires="date", expires_on="2001-01-01")
    assert "Choose an expiry in the future." in form_message(response)


def test_a_malformed_date_is_refused(reauthed: FlaskClient) -> None:
    response = submit_named_key(reauthed, expires="date", expires_on="31/12/2099")
    assert "Enter the date, as YYYY-MM-DD." in form_message(response)


def test_an_unknown_expiry_choice_is_refused(reauthed: FlaskClient) -> None:
    assert "Choose when the key expires." in form_message(submit_named_key(reauthed, expires="x"))


def test_a_lifetime_cap_hides_never_and_refuses_longer_lifetimes(
    make_app: Callable[..., Flask], user: Account
) -> None:
    capped = reauthed_client(make_app(MAX_KEY_LIFETIME_DAYS=90), user.email)
    form = capped.get(f"{OWN_KEYS}/new").get_data(as_text=True)
    assert 'value="never"' not in form and 'value="365"' not in form and 'value="90"' in form
    assert "Keys must expire within 90 days." in form_message(submit_named_key(capped))
    refused = submit_named_key(capped, expires="365")
    assert "Keys must expire within 90 days." in form_message(refused)


# Form errors


def test_a_blank_name_is_a_form_message(reauthed: FlaskClient) -> None:
    assert form_message(submit_named_key(reauthed, name="   ")) == "Enter a name for the key."


def test_a_duplicate_name_is_a_form_message(reauthed: FlaskClient) -> None:
    create_named_key(reauthed, name="CI")
    response = submit_named_key(reauthed, name="CI")
    assert "A key with this name already exists." in form_message(response)


def test_the_limit_is_a_form_message(make_app: Callable[..., Flask], user: Account) -> None:
    client = reauthed_client(make_app(MAX_NAMED_KEYS=1), user.email)
    create_named_key(client, name="one")
    assert "the most allowed" in form_message(submit_named_key(client, name="two"))


def test_a_post_without_the_csrf_token_is_refused(reauthed: FlaskClient, app: Flask) -> None:
    sent = {"name": "CI", "expires": "never"}
    assert reauthed.post(f"{OWN_KEYS}/new", data=sent).status_code == 400
    assert "named_key_created" not in audit_types(app)


# Revoking one


def test_revoking_asks_to_confirm(reauthed: FlaskClient) -> None:
    made = create_named_key(reauthed, name="CI")
    page = reauthed.get(f"{OWN_KEYS}/{made.id}/revoke").get_data(as_text=True)
    assert "Revoke the key “CI”?" in page and "Cancel" in page


def test_a_revoked_key_stops_working_and_the_others_do_not(
    reauthed: FlaskClient, user: Account
) -> None:
    kept, revoked = create_named_key(reauthed, name="kept"), create_named_key(reauthed, name="gone")
    revoke_page = f"{OWN_KEYS}/{revoked.id}/revoke"
    assert post_form(reauthed, revoke_page, {}).location == "/settings/account"
    assert api_me(reauthed, user.email, revoked.key).status_code == 401
    assert api_me(reauthed, user.email, kept.key).status_code == 200
    assert api_me(reauthed, user.email, user.key).status_code == 200
    assert (
        "gone"
        not in reauthed.get("/settings/account").get_data(as_text=True).split("Security log")[0]
    )


def test_the_primary_key_cannot_be_revoked_alone(
    reauthed: FlaskClient, app: Flask, user: Account
) -> None:
    page = reauthed.get("/settings/account").get_data(as_text=True)
    assert 'id="revoke-key-' not in page
    primary = primary_key_id(app, user.id)
    assert reauthed.get(f"{OWN_KEYS}/{primary}/revoke").status_code == 404
    assert post_form(reauthed, KEY_PAGE, {}, f"{OWN_KEYS}/{primary}/revoke").status_code == 404
    assert api_me(reauthed, user.email, user.key).status_code == 200
