"""Organization > Keys: every working key and token of the people and bots an administrator
manages, with holder, kind, scopes, networks, age, expiry, last use and 30-day calls;
filtered and sorted by the query string; exported as CSV a spreadsheet cannot run."""

import csv
import io

from flask import Flask

from tests.helpers.api import api_me, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.decoys import make_decoy
from tests.helpers.organization import ORG, People, bot_of, organization
from tests.helpers.tokens import minted
from tests.helpers.web import field_error

KEYS = f"{ORG}/keys"


def exported(people: People, **query: str) -> list[dict[str, str]]:
    answer = people.admin_browser.get(f"{KEYS}.csv", query_string=query)
    assert answer.mimetype == "text/csv" and "no-store" in answer.headers["Cache-Control"]
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def test_every_key_and_token_an_administrator_manages_is_listed(app: Flask) -> None:
    people = organization(app)
    member = (people.member.email, people.member.key)
    client = app.test_client()
    named = api_ok(create_key(client, member, "CI", scopes="profile:read"))
    token = minted(client, member, scopes=["profile:read"])
    make_decoy(client, member)
    bot = bot_of(people.member_browser)
    rows = exported(people)
    listed = {(row["holder_email"], row["kind"], row["name"]) for row in rows}
    assert (people.member.email, "named", "CI") in listed
    assert (people.member.email, "token", "") in listed
    assert (bot.email, "primary", "") in listed
    assert (people.admin.email, "primary", "") in listed
    assert not any(row["holder_email"] == people.owner.email for row in rows)  # an owner's
    assert len([row for row in rows if row["holder_email"] == people.member.email]) == 3
    [ci] = [row for row in rows if row["name"] == "CI"]
    assert (ci["hint"], ci["scopes"]) == (str(named["key_hint"]), "profile:read")
    assert token["token"][-4:] in {row["hint"] for row in rows if row["kind"] == "token"}


def test_an_owner_sees_every_key(app: Flask) -> None:
    people = organization(app)
    answer = people.owner_browser.get(f"{KEYS}.csv")
    emails = {
        row["holder_email"] for row in csv.DictReader(io.StringIO(answer.get_data(as_text=True)))
    }
    assert {people.owner.email, people.admin.email, people.member.email} <= emails


def test_thirty_day_calls_are_counted_and_sortable(app: Flask) -> None:
    people = organization(app)
    client = app.test_client()
    for _ in range(3):
        api_ok(api_me(client, people.member.email, people.member.key))
    rows = exported(people, sort="calls", order="desc")
    assert rows[0]["holder_email"] == people.member.email and rows[0]["calls_last_30_days"] == "3"
    page = people.admin_browser.get(KEYS, query_string={"sort": "calls", "order": "desc"})
    text = page.get_data(as_text=True)
    assert text.index(people.member.email) < text.index(people.admin.email)
    assert f'href="{ORG}/users/{people.member.id}/keys/' in text  # each key's usage


def test_filters_by_holder_kind_and_staleness(app: Flask) -> None:
    people = organization(app)
    api_ok(create_key(app.test_client(), (people.member.email, people.member.key), "CI"))
    assert {row["holder_email"] for row in exported(people, holder="MEMBER@")} == {
        people.member.email
    }
    assert {row["kind"] for row in exported(people, kind="named")} == {"named"}
    assert exported(people, stale="y") == []


def test_a_wrong_filter_is_a_field_error(app: Flask) -> None:
    people = organization(app)
    for name, wrong in (("kind", "decoy"), ("sort", "hint"), ("order", "up")):
        answer = people.admin_browser.get(KEYS, query_string={name: wrong})
        assert field_error(answer, name) == "Choose one of the offered values."
    assert people.admin_browser.get(f"{KEYS}.csv", query_string={"page": "x"}).status_code == 200


def test_the_csv_cannot_carry_a_formula(app: Flask) -> None:
    people = organization(app)
    member = (people.member.email, people.member.key)
    api_ok(create_key(app.test_client(), member, "=HYPERLINK(1)"))
    cells = [cell for row in exported(people) for cell in row.values()]
    assert "'=HYPERLINK(1)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_members_get_the_consoles_404(app: Flask) -> None:
    people = organization(app)
    assert people.member_browser.get(KEYS).status_code == 404
    assert people.member_browser.get(f"{KEYS}.csv").status_code == 404
