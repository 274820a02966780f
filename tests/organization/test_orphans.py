"""Orphaned bots: when an administrator deactivates a person, their bots stop and are listed
under Orphaned bots, from which they are transferred to an active person and reactivated."""

from flask import Flask

from tests.helpers.api import API
from tests.helpers.bot_offers import shown_bot_key
from tests.helpers.organization import ORG, bot_of, confirm, organization
from tests.helpers.web import post_form


def test_a_deactivated_persons_bot_is_an_orphan(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    confirm(people.admin_browser, f"{ORG}/users/{people.member.id}/deactivate")
    page = people.admin_browser.get(f"{ORG}/orphans").get_data(as_text=True)
    assert f'id="orphan-{bot.id}"' in page and "Mia Member" in page


def test_no_orphans_says_so(app: Flask) -> None:
    people = organization(app)
    page = people.admin_browser.get(f"{ORG}/orphans").get_data(as_text=True)
    assert "No bot is orphaned." in page


def test_an_orphan_cannot_be_reactivated_before_its_transfer(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    confirm(people.admin_browser, f"{ORG}/users/{people.member.id}/deactivate")
    action = f"{ORG}/bots/{bot.id}/reactivate"
    answer = post_form(people.admin_browser, f"{ORG}/bots", {}, action=action)
    assert answer.status_code == 302
    call = app.test_client().get(f"{API}/users/me", auth=(bot.email, bot.key))
    assert call.status_code == 401


def test_transfer_then_reactivate_brings_the_bot_back(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    confirm(people.admin_browser, f"{ORG}/users/{people.member.id}/deactivate")
    transfer = f"{ORG}/bots/{bot.id}/owner?back=orphans"
    answer = confirm(people.admin_browser, transfer, {"new_owner": str(people.admin.id)})
    assert answer.location == f"{ORG}/orphans"
    orphans = people.admin_browser.get(f"{ORG}/orphans").get_data(as_text=True)
    assert f'id="orphan-{bot.id}"' not in orphans
    assert "It is still inactive: reactivate it when ready." in orphans
    action = f"{ORG}/bots/{bot.id}/reactivate"
    post_form(people.admin_browser, f"{ORG}/bots", {}, action=action)
    new_key = shown_bot_key(people.admin_browser, bot.id)
    assert app.test_client().get(f"{API}/users/me", auth=(bot.email, new_key)).status_code == 200
    assert app.test_client().get(f"{API}/users/me", auth=(bot.email, bot.key)).status_code == 401
