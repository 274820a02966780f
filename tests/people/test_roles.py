"""Roles, Zulip's numbers: the first person of an empty organization owns it, everyone after
is a member, the operator sets roles, and the last active owner can be neither demoted nor
deactivated."""

from flask import Flask
from flask.testing import FlaskClient

from app.people import roles
from tests.helpers.live import at_once
from tests.helpers.roles import role_of, set_role
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import log_in, register_account


def registered(app: Flask, client: FlaskClient, email: str) -> Account:
    assert register_account(client, email=email).status_code == 302
    answer = app.test_client().post(
        "/api/v1/fetch_api_key", data={"username": email, "password": PASSWORD}
    )
    return Account(0, email, PASSWORD, str(answer.get_json()["api_key"]))


def test_the_first_registration_owns_the_organization(app: Flask, client: FlaskClient) -> None:
    first = registered(app, client, "first@example.com")
    assert role_of(app, first) == (100, True, True)


def test_later_registrations_are_members(app: Flask, client: FlaskClient) -> None:
    registered(app, client, "first@example.com")
    second = registered(app, app.test_client(), "second@example.com")
    assert role_of(app, second) == (400, False, False)


def test_the_operator_creates_an_administrator(app: Flask, make_user: MakeUser) -> None:
    make_user("owner@example.com", role=roles.OWNER)
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "ada@example.com",
            "--full-name",
            "Ada",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    key = (
        app.test_client()
        .post("/api/v1/fetch_api_key", data={"username": "ada@example.com", "password": PASSWORD})
        .get_json()["api_key"]
    )
    assert role_of(app, Account(0, "ada@example.com", PASSWORD, key)) == (200, False, True)


def test_set_role_promotes_and_says_so(app: Flask, make_user: MakeUser) -> None:
    make_user("owner@example.com", role=roles.OWNER)
    ada = make_user("ada@example.com")
    result = set_role(app, ada.email, "owner")
    assert (result.exit_code, result.output) == (0, "ada@example.com is now owner.\n")
    assert role_of(app, ada) == (100, True, True)


def test_set_role_to_the_same_role_changes_nothing(app: Flask, make_user: MakeUser) -> None:
    make_user("owner@example.com", role=roles.OWNER)
    ada = make_user("ada@example.com")
    assert set_role(app, ada.email, "member").output == "ada@example.com is already member.\n"


def test_the_last_owner_cannot_be_demoted(app: Flask, make_user: MakeUser) -> None:
    owner = make_user("owner@example.com", role=roles.OWNER)
    result = set_role(app, owner.email, "admin")
    assert result.exit_code == 1
    assert "The organization must keep at least one active owner." in result.output
    assert role_of(app, owner) == (100, True, True)


def test_the_last_owner_cannot_be_deactivated(app: Flask, make_user: MakeUser) -> None:
    owner = make_user("owner@example.com", role=roles.OWNER)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", owner.email])
    assert result.exit_code == 1
    assert "The organization must keep at least one active owner." in result.output
    assert role_of(app, owner) == (100, True, True)


def test_one_of_two_owners_may_step_down(app: Flask, make_user: MakeUser) -> None:
    first = make_user("owner@example.com", role=roles.OWNER)
    set_role(app, make_user("second@example.com").email, "owner")
    assert set_role(app, first.email, "member").exit_code == 0
    assert role_of(app, first) == (400, False, False)


def test_a_role_change_is_in_the_security_log(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    make_user("owner@example.com", role=roles.OWNER)
    ada = make_user("ada@example.com")
    set_role(app, ada.email, "admin")
    log_in(client, ada.email)
    assert "Role changed" in client.get("/settings/account").get_data(as_text=True)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(
    app: Flask, make_user: MakeUser
) -> None:
    first = make_user("first@example.com", role=roles.OWNER)
    second = make_user("second@example.com")
    set_role(app, second.email, "owner")
    outcomes = at_once(2, lambda i: set_role(app, (first, second)[i].email, "member").exit_code)
    assert sorted(outcomes) == [0, 1]
    assert {role_of(app, account)[0] for account in (first, second)} == {100, 400}
