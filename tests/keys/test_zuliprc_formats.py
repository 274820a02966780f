"""The two zuliprc downloads: TOML (Keyfob's) and classic INI (the zulip Python package's),
behind the same gate, audited with their format."""

import tomllib

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from tests.helpers.admin import audit_events, audit_types
from tests.helpers.rc import ini_values
from tests.helpers.users import Account
from tests.helpers.web import (
    BOTS,
    KEY_PAGE,
    KEY_ZULIPRC,
    KEY_ZULIPRC_INI,
    create_bot,
    password_step_for,
    reauthed_client,
    submit_bot_form,
)

RC_DOWNLOADED = AuditEvent.event_type == "rc_downloaded"


def test_the_ini_download_reads_back_through_configparser(
    reauthed: FlaskClient, user: Account
) -> None:
    response = reauthed.get(KEY_ZULIPRC_INI)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="zuliprc"'
    assert response.headers["Cache-Control"] == "no-store"
    assert ini_values(response.get_data(as_text=True)) == {
        "email": user.email,
        "key": user.key,
        "site": "http://localhost",
    }


def test_each_download_is_audited_with_its_format(app: Flask, reauthed: FlaskClient) -> None:
    reauthed.get(KEY_ZULIPRC)
    reauthed.get(KEY_ZULIPRC_INI)
    assert [event.detail for event in audit_events(app, RC_DOWNLOADED)] == [
        {"format": "toml"},
        {"format": "ini"},
    ]


def test_the_ini_download_is_behind_the_same_window(app: Flask, logged_in: FlaskClient) -> None:
    response = logged_in.get(KEY_ZULIPRC_INI)
    step = password_step_for(app, KEY_ZULIPRC_INI)
    assert (response.status_code, response.location) == (302, step)
    assert audit_types(app, RC_DOWNLOADED) == []


def test_an_unknown_format_is_a_404_that_reveals_and_records_nothing(
    app: Flask, reauthed: FlaskClient, user: Account
) -> None:
    for query in ("?format=yaml", "?format=", "?format=INI"):
        response = reauthed.get(KEY_ZULIPRC + query)
        assert response.status_code == 404, query
        assert user.key not in response.get_data(as_text=True)
    assert audit_types(app, RC_DOWNLOADED) == []


def test_the_page_offers_both_downloads_and_says_which_to_pick(reauthed: FlaskClient) -> None:
    page = reauthed.get(KEY_PAGE).get_data(as_text=True)
    assert f'href="{KEY_ZULIPRC}">Download zuliprc<' in page
    assert f'href="{KEY_ZULIPRC_INI}">Download zuliprc for the zulip Python package<' in page
    assert "for python-zulip-api, zulip_bots and zulip-terminal" in page


def test_a_bots_ini_download_reads_back_and_is_audited(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = logged_in.get(f"{BOTS}/{bot.id}/zuliprc?format=ini")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="zuliprc"'
    assert ini_values(response.get_data(as_text=True)) == {
        "email": bot.email,
        "key": bot.key,
        "site": "http://localhost",
    }
    last = audit_events(app, RC_DOWNLOADED)[-1]
    assert (last.subject_user_id, last.detail) == (bot.id, {"format": "ini"})


def test_the_bot_pages_offer_both_downloads(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    for page in (logged_in.get(BOTS), logged_in.get(f"{BOTS}/{bot.id}/key")):
        text = page.get_data(as_text=True)
        assert f'href="{BOTS}/{bot.id}/zuliprc">Download zuliprc<' in text
        ini = f'href="{BOTS}/{bot.id}/zuliprc?format=ini">Download zuliprc for the zulip Python'
        assert ini in text


def test_the_bot_creation_result_offers_both_downloads(logged_in: FlaskClient) -> None:
    page = submit_bot_form(logged_in).get_data(as_text=True)
    assert page.count("Download zuliprc for the zulip Python package") == 2  # result and card


def test_a_percent_in_a_value_reads_back_through_configparser(
    make_app: object, user: Account
) -> None:
    assert callable(make_app)
    site = "https://chat.example.com/%7Eteam"  # a percent-encoded path: a real site URL
    client = reauthed_client(make_app(SITE_URL=site), user.email)
    assert ini_values(client.get(KEY_ZULIPRC_INI).get_data(as_text=True))["site"] == site
    assert tomllib.loads(client.get(KEY_ZULIPRC).get_data(as_text=True))["api"]["site"] == site


def test_a_line_break_in_a_value_is_refused_with_a_clear_page(
    make_app: object, user: Account
) -> None:
    assert callable(make_app)
    app = make_app(SITE_URL="https://chat.example.com/a\nb")  # an operator's slip
    client = reauthed_client(app, user.email)
    response = client.get(KEY_ZULIPRC_INI)
    assert response.status_code == 409
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "This zuliprc cannot be written" in page and "Its site holds a line break" in page
    assert user.key not in page
    assert audit_types(app, RC_DOWNLOADED) == []
