"""A new named key's zuliprc downloads: in the creating session, for a short window only."""

import tomllib

from flask import Flask
from flask.testing import FlaskClient

from app.web.settings.show_once import FRESH_SECONDS
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.keys import create_named_key
from tests.helpers.rc import ini_values
from tests.helpers.users import Account
from tests.helpers.web import post_form, reauthed_client


def test_both_downloads_hold_the_new_key(reauthed: FlaskClient, user: Account) -> None:
    made = create_named_key(reauthed)
    toml = reauthed.get(made.page + "/zuliprc")
    assert toml.headers["Cache-Control"] == "no-store"
    assert tomllib.loads(toml.get_data(as_text=True))["api"]["key"] == made.key
    ini = reauthed.get(made.page + "/zuliprc?format=ini").get_data(as_text=True)
    assert ini_values(ini)["key"] == made.key


def test_the_download_is_audited_by_name_and_hint(app: Flask, reauthed: FlaskClient) -> None:
    made = create_named_key(reauthed, name="CI")
    reauthed.get(made.page + "/zuliprc")
    event = audit_events(app)[-1]
    assert event.event_type == "rc_downloaded"
    assert event.detail == {"format": "toml", "key_name": "CI", "key_hint": made.key[-4:]}


def test_the_downloads_end_with_the_window(reauthed: FlaskClient, clock: Clock) -> None:
    made = create_named_key(reauthed)
    clock.advance(seconds=FRESH_SECONDS)
    response = reauthed.get(made.page + "/zuliprc")
    assert response.status_code == 410
    assert made.key not in response.get_data(as_text=True)
    assert "This download has ended" in response.get_data(as_text=True)


def test_another_session_cannot_download_it(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    made = create_named_key(reauthed)
    other = reauthed_client(app, user.email)
    assert other.get(made.page + "/zuliprc").status_code == 410


def test_a_revoked_key_is_not_downloaded(reauthed: FlaskClient) -> None:
    made = create_named_key(reauthed)
    post_form(reauthed, made.page + "/revoke", {})
    assert reauthed.get(made.page + "/zuliprc").status_code == 404


def test_the_primary_keys_download_is_unchanged(reauthed: FlaskClient, user: Account) -> None:
    create_named_key(reauthed)
    document = reauthed.get("/settings/account/api-key/zuliprc").get_data(as_text=True)
    assert tomllib.loads(document)["api"]["key"] == user.key


def test_only_the_newest_key_is_downloadable(reauthed: FlaskClient) -> None:
    first = create_named_key(reauthed, name="first")
    create_named_key(reauthed, name="second")
    assert reauthed.get(first.page + "/zuliprc").status_code == 410
