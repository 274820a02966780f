"""Organization > Users: every person with their role and state; an administrator
deactivates a person (their bots stop and they are signed out) and reactivates them, within
the role rules, which are said on the page, never a 500."""

from flask import Flask

from tests.helpers.api import API
from tests.helpers.organization import ORG, bot_of, confirm, organization
from tests.helpers.web import BOTS, post_form


def test_the_list_shows_every_person_with_role_state_and_hint(app: Flask) -> None:
    people = organization(app)
    page = people.admin_browser.get(f"{ORG}/users").get_data(as_text=True)
    owner_row = page.split(f'id="user-{people.owner.id}"', 1)[1].split("</tr>")[0]
    assert "Olga Owner" in owner_row and "Owner" in owner_row and "Active" in owner_row
    assert f"••••{people.member.key[-4:]}" in page


def test_nobody_is_offered_to_deactivate_themselves(app: Flask) -> None:
    people = organization(app)
    page = people.admin_browser.get(f"{ORG}/users").get_data(as_text=True)
    assert f'id="deactivate-user-{people.member.id}"' in page
    assert f'id="deactivate-user-{people.admin.id}"' not in page


def test_deactivating_a_person_stops_their_bots_and_signs_them_out(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    answer = confirm(people.admin_browser, f"{ORG}/users/{people.member.id}/deactivate")
    assert answer.status_code == 302 and answer.location == f"{ORG}/users"
    assert people.member_browser.get(BOTS).status_code == 302  # signed out
    bot_call = app.test_client().get(f"{API}/users/me", auth=(bot.email, bot.key))
    assert bot_call.status_code == 401
    page = people.admin_browser.get(f"{ORG}/users").get_data(as_text=True)
    assert "Mia Member is deactivated and signed out, with 1 of their bots." in page


def test_the_confirm_step_asks_first(app: Flask) -> None:
    people = organization(app)
    page = people.admin_browser.get(f"{ORG}/users/{people.member.id}/deactivate")
    assert "Deactivate Mia Member?" in page.get_data(as_text=True)
    assert people.member_browser.get(BOTS).status_code == 200  # nothing happened yet


def test_an_administrator_cannot_deactivate_an_owner(app: Flask) -> None:
    people = organization(app)
    answer = confirm(people.admin_browser, f"{ORG}/users/{people.owner.id}/deactivate")
    assert answer.status_code == 200
    assert "Only an owner may act on an owner or their bots." in answer.get_data(as_text=True)
    assert people.owner_browser.get(BOTS).status_code == 200


def test_nobody_deactivates_themselves_here(app: Flask) -> None:
    people = organization(app)
    answer = confirm(people.admin_browser, f"{ORG}/users/{people.admin.id}/deactivate")
    assert "You cannot deactivate your own account here." in answer.get_data(as_text=True)


def test_an_owner_cannot_deactivate_themselves_either(app: Flask) -> None:
    people = organization(app)
    answer = confirm(people.owner_browser, f"{ORG}/users/{people.owner.id}/deactivate")
    assert "You cannot deactivate your own account here." in answer.get_data(as_text=True)
    assert people.owner_browser.get(BOTS).status_code == 200


def test_an_owner_deactivates_an_administrator(app: Flask) -> None:
    people = organization(app)
    confirm(people.owner_browser, f"{ORG}/users/{people.admin.id}/deactivate")
    assert people.admin_browser.get(BOTS).status_code == 302


def test_a_reactivated_person_logs_in_again(app: Flask) -> None:
    people = organization(app)
    confirm(people.admin_browser, f"{ORG}/users/{people.member.id}/deactivate")
    action = f"{ORG}/users/{people.member.id}/reactivate"
    answer = post_form(people.admin_browser, f"{ORG}/users", {}, action=action)
    assert answer.status_code == 302
    call = app.test_client().get(f"{API}/users/me", auth=(people.member.email, people.member.key))
    assert call.status_code == 200


def test_an_unknown_person_is_404(app: Flask) -> None:
    people = organization(app)
    assert people.admin_browser.get(f"{ORG}/users/99999/deactivate").status_code == 404
