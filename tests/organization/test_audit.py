"""Organization > Audit: the whole organization's log, filtered by person, bot, event and
days; bad filters are form errors, never a 500; the same filters export CSV that no
spreadsheet runs as a formula."""

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.organization import audit_search
from tests.helpers.organization import ORG, bot_of, organization
from tests.helpers.web import field_error, log_in

AUDIT = f"{ORG}/audit"


def events_in(client: FlaskClient, **filters: str) -> list[str]:
    page = client.get(AUDIT, query_string=filters).get_data(as_text=True)
    return [part.split('"', 1)[0] for part in page.split('data-event="')[1:]]


def test_the_log_covers_everyone(app: Flask) -> None:
    people = organization(app)
    bot_of(people.member_browser)
    assert "bot_created" in events_in(people.admin_browser)
    assert "login_succeeded" in events_in(people.admin_browser)


def test_filter_by_event_type(app: Flask) -> None:
    people = organization(app)
    bot_of(people.member_browser)
    assert set(events_in(people.admin_browser, event="bot_created")) == {"bot_created"}


def test_filter_by_person(app: Flask) -> None:
    people = organization(app)
    bot_of(people.member_browser)
    shown = events_in(people.admin_browser, user=str(people.owner.id))
    assert shown and "bot_created" not in shown


def test_filter_by_bot(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    bot_of(people.admin_browser, "Other Bot", "other")
    assert events_in(people.admin_browser, bot=str(bot.id)) == ["bot_created"]


def test_filter_by_days(app: Flask) -> None:
    people = organization(app)
    assert events_in(people.admin_browser, since="2000-01-01", until="2000-01-02") == []
    assert events_in(people.admin_browser, since="2000-01-01") != []


def test_bad_filters_are_form_errors(app: Flask) -> None:
    people = organization(app)
    client = people.admin_browser
    cases = {
        "since": ("2024-13-40", "Enter the date, as YYYY-MM-DD."),
        "until": ("yesterday", "Enter the date, as YYYY-MM-DD."),
        "user": ("99999999999999999999", "Choose one of the offered values."),
        "bot": ("x", "Choose one of the offered values."),
        "event": ("nothing", "Choose one of the offered values."),
    }
    for field, (value, message) in cases.items():
        answer = client.get(AUDIT, query_string={field: value})
        assert field_error(answer, field) == message, field
    reversed_days = client.get(AUDIT, query_string={"since": "2024-02-02", "until": "2024-02-01"})
    assert field_error(reversed_days, "until") == "Choose a day on or after the first one."
    assert client.get(AUDIT, query_string={"page": "0"}).status_code == 200
    assert client.get(f"{AUDIT}.csv", query_string={"since": "no"}).status_code == 200


def test_the_csv_export_has_the_same_filters(app: Flask) -> None:
    people = organization(app)
    bot_of(people.member_browser)
    answer = people.admin_browser.get(f"{AUDIT}.csv", query_string={"event": "bot_created"})
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in answer.headers["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["event"] for row in rows] == ["bot_created"]
    assert rows[0]["subject"].startswith("weather-bot@")


def test_the_csv_cannot_carry_a_formula(app: Flask) -> None:
    people = organization(app)
    for agent in ("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)"):
        stranger = app.test_client()
        stranger.environ_base["HTTP_USER_AGENT"] = agent
        log_in(stranger, "member@example.com", "wrong")
    exported = people.admin_browser.get(f"{AUDIT}.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert {"'=HYPERLINK(1)", "'+1", "'-1", "'@SUM(A1)"} <= set(cells)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_a_long_log_is_paged(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_search, "PAGE_LENGTH", 2)  # three logins, and more, make pages
    people = organization(app)
    first = people.admin_browser.get(AUDIT).get_data(as_text=True)
    assert first.count('data-event="') == 2 and 'id="older-events"' in first
    older = people.admin_browser.get(AUDIT, query_string={"page": "2"}).get_data(as_text=True)
    assert older.count('data-event="') >= 1 and "?page=1" in older  # a link back to newer


def test_page_links_carry_only_the_filters(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_search, "PAGE_LENGTH", 1)
    people = organization(app)
    odd = {"_scheme": "ftp", "endpoint": "x", "event": "login_succeeded", "page": "2"}
    page = people.admin_browser.get(AUDIT, query_string=odd).get_data(as_text=True)
    assert "page=3" in page and "event=login_succeeded" in page and "_scheme" not in page
