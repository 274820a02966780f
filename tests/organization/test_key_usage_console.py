"""Organization > a person's keys > Usage: an administrator sees the usage of the keys of
anyone they manage (never a decoy's: that is its person's), and nobody else's."""

from flask import Flask

from tests.helpers.api import api_me, api_ok
from tests.helpers.decoys import make_decoy
from tests.helpers.organization import ORG, organization
from tests.helpers.usage import primary_id


def test_an_administrator_sees_a_members_key_usage_from_the_keys_page(app: Flask) -> None:
    people = organization(app)
    member = (people.member.email, people.member.key)
    client = app.test_client()
    api_ok(api_me(client, *member))
    key_id = primary_id(client, member)
    keys_page = f"{ORG}/users/{people.member.id}/keys"
    usage = f"{keys_page}/{key_id}/usage"
    assert f'href="{usage}"' in people.admin_browser.get(keys_page).get_data(as_text=True)
    page = people.admin_browser.get(usage).get_data(as_text=True)
    assert "<code>GET /api/v1/users/me</code>" in page and f'href="{keys_page}"' in page


def test_a_decoys_usage_is_not_shown_to_administrators(app: Flask) -> None:
    people = organization(app)
    decoy = make_decoy(app.test_client(), (people.member.email, people.member.key))
    path = f"{ORG}/users/{people.member.id}/keys/{decoy['id']}/usage"
    assert people.admin_browser.get(path).status_code == 404


def test_an_owners_key_usage_is_out_of_an_administrators_reach(app: Flask) -> None:
    people = organization(app)
    owner_key = primary_id(app.test_client(), (people.owner.email, people.owner.key))
    path = f"{ORG}/users/{people.owner.id}/keys/{owner_key}/usage"
    assert people.admin_browser.get(path).status_code == 404
    assert people.member_browser.get(path).status_code == 404
    assert people.owner_browser.get(path).status_code == 200
