"""Who sees the Organization tab: administrators and owners; a member (or a visitor) gets
404 on every route of it, GET and POST alike, and no link to it."""

import pytest
from flask import Flask

from app.people import roles
from tests.helpers.organization import ORG, bot_of, browser_as, organization, organization_routes
from tests.helpers.users import MakeUser
from tests.helpers.web import csrf_token


def test_the_console_has_the_routes_this_test_walks(app: Flask) -> None:
    paths = {route.path for route in organization_routes(app, 1)}
    assert {f"{ORG}/users", f"{ORG}/bots", f"{ORG}/orphans", f"{ORG}/policies"} <= paths
    assert any(route.method == "POST" for route in organization_routes(app, 1))


def test_a_member_gets_404_on_every_route(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    token = csrf_token(people.member_browser.get("/settings/bots"))
    for some_id in (bot.id, people.owner.id, people.member.id):
        for route in organization_routes(app, some_id):
            answer = people.member_browser.open(
                route.path, method=route.method, data={"csrf_token": token}
            )
            assert answer.status_code == 404, f"{route.method} {route.path}"


def test_a_visitor_is_sent_to_log_in(app: Flask) -> None:
    answer = app.test_client().get(f"{ORG}/users")
    assert answer.status_code == 302 and "/login" in answer.location


def test_a_member_sees_no_organization_tab(app: Flask) -> None:
    people = organization(app)
    page = people.member_browser.get("/settings/account").get_data(as_text=True)
    assert f"{ORG}/users" not in page


@pytest.mark.parametrize("role", [roles.OWNER, roles.ADMINISTRATOR])
def test_administrators_and_owners_see_the_tab_and_every_page(app: Flask, role: int) -> None:
    account = MakeUser(app)("boss@example.com", role=role)
    client = browser_as(app, account)
    assert f"{ORG}/users" in client.get("/settings/account").get_data(as_text=True)
    for section in ("users", "bots", "orphans", "policies", "audit"):
        assert client.get(f"{ORG}/{section}").status_code == 200, section
