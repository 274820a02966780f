"""Organization > Bots: every bot with its owner, type and state; an administrator stops and
restarts it, gives it a new key, revokes its named keys and changes its owner, but never
touches an owner's bot unless they are an owner too."""

from flask import Flask

from tests.helpers.api import API
from tests.helpers.api_keys import create_key
from tests.helpers.organization import ORG, bot_of, confirm, organization
from tests.helpers.web import BOTS, post_form


def works(app: Flask, email: str, key: str) -> bool:
    return app.test_client().get(f"{API}/users/me", auth=(email, key)).status_code == 200


def test_the_list_shows_each_bot_with_owner_type_state_and_hint(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    page = people.admin_browser.get(f"{ORG}/bots").get_data(as_text=True)
    row = page.split(f'id="bot-{bot.id}"', 1)[1].split("</tr>")[0]
    assert "Weather Bot" in row and "Mia Member" in row and "Generic" in row
    assert "Active" in row and f"••••{bot.key[-4:]}" in row and "never used" in row


def test_an_administrator_deactivates_and_reactivates_a_bot(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    confirm(people.admin_browser, f"{ORG}/bots/{bot.id}/deactivate")
    assert not works(app, bot.email, bot.key)
    action = f"{ORG}/bots/{bot.id}/reactivate"
    post_form(people.admin_browser, f"{ORG}/bots", {}, action=action)
    assert works(app, bot.email, bot.key)


def test_a_new_key_replaces_the_old_one_at_once(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    answer = confirm(people.admin_browser, f"{ORG}/bots/{bot.id}/regenerate")
    assert answer.status_code == 302
    assert not works(app, bot.email, bot.key)


def test_revoking_named_keys_leaves_the_primary_key(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    member = (people.member.email, people.member.key)
    named = create_key(app.test_client(), member, "ci", holder=f"/bots/{bot.id}")
    named_key = named.get_json()["api_key"]
    assert works(app, bot.email, named_key)
    confirm(people.admin_browser, f"{ORG}/bots/{bot.id}/revoke-keys")
    assert not works(app, bot.email, named_key)
    assert works(app, bot.email, bot.key)


def test_changing_the_owner_moves_the_bot(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/owner"
    answer = confirm(people.admin_browser, path, {"new_owner": str(people.admin.id)})
    assert answer.status_code == 302
    assert "Weather Bot" in people.admin_browser.get(BOTS).get_data(as_text=True)
    assert "Weather Bot" not in people.member_browser.get(BOTS).get_data(as_text=True)


def test_a_transfer_stops_the_previous_owners_key(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/owner"
    confirm(people.admin_browser, path, {"new_owner": str(people.admin.id)})
    assert not works(app, bot.email, bot.key)


def test_the_owner_select_offers_active_people_only(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    confirm(people.owner_browser, f"{ORG}/users/{people.admin.id}/deactivate")
    page = people.owner_browser.get(f"{ORG}/bots/{bot.id}/owner").get_data(as_text=True)
    assert "admin@example.com" not in page and "owner@example.com" in page


def test_a_bad_new_owner_is_a_field_error(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    path = f"{ORG}/bots/{bot.id}/owner"
    for wrong in ("", "abc", "99999999999999", str(bot.id)):
        answer = confirm(people.admin_browser, path, {"new_owner": wrong})
        assert answer.status_code == 200, wrong
        assert "Choose an active person as the new owner." in answer.get_data(as_text=True)


def test_an_administrator_cannot_act_on_an_owners_bot(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.owner_browser)
    page = people.admin_browser.get(f"{ORG}/bots").get_data(as_text=True)
    assert f"{ORG}/bots/{bot.id}/deactivate" not in page
    for step in ("deactivate", "regenerate", "revoke-keys"):
        answer = confirm(people.admin_browser, f"{ORG}/bots/{bot.id}/{step}")
        assert "Only an owner may act on an owner or their bots." in answer.get_data(as_text=True)
    owner_change = confirm(
        people.admin_browser, f"{ORG}/bots/{bot.id}/owner", {"new_owner": str(people.admin.id)}
    )
    assert "Only an owner may act on an owner" in owner_change.get_data(as_text=True)
    assert works(app, bot.email, bot.key)


def test_an_owner_acts_on_an_administrators_bot(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.admin_browser)
    confirm(people.owner_browser, f"{ORG}/bots/{bot.id}/deactivate")
    assert not works(app, bot.email, bot.key)


def test_an_unknown_bot_is_404(app: Flask) -> None:
    people = organization(app)
    assert people.admin_browser.get(f"{ORG}/bots/{people.member.id}/owner").status_code == 404
    assert people.admin_browser.get(f"{ORG}/bots/99999/deactivate").status_code == 404
