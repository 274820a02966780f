"""An administrator pauses and resumes the keys of people and bots they manage, in the
console and through the admin API: audited with the administrator as actor, told to the
key's person; resuming in the console needs the administrator's password step; an owner's
keys are out of an administrator's reach (404 in the console, 400 in the API)."""

from typing import Any

from flask import Flask

from app.core.models import AuditEvent
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.api import API, api_error, api_me, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.mail import SmtpServer
from tests.helpers.notices import the_notice
from tests.helpers.organization import ORG, People, bot_of, confirm, organization
from tests.helpers.web import password_step_for, reauthenticate

WINDOW = 300  # REAUTH_WINDOW_SECONDS


def member_key(app: Flask, people: People) -> dict[str, Any]:
    """A named key the member made for themselves."""
    client = app.test_client()
    return api_ok(create_key(client, (people.member.email, people.member.key), "CI"))


def test_an_administrator_pauses_a_members_key_from_the_console(app: Flask) -> None:
    people = organization(app)
    made = member_key(app, people)
    keys_page = f"{ORG}/users/{people.member.id}/keys"
    page = people.admin_browser.get(keys_page).get_data(as_text=True)
    assert f'id="pause-key-{made["id"]}"' in page and "…" + str(made["key_hint"]) in page
    done = confirm(people.admin_browser, f"{keys_page}/{made['id']}/pause")
    assert done.location == keys_page
    api_error(
        api_me(app.test_client(), people.member.email, str(made["api_key"])), 401, "API_KEY_PAUSED"
    )
    [event] = audit_events(app, AuditEvent.event_type == "api_key_paused")
    assert (event.actor_id, event.subject_user_id) == (people.admin.id, people.member.id)


def test_resuming_in_the_console_needs_the_administrators_password_step(
    app: Flask, clock: Clock
) -> None:
    people = organization(app)
    made = member_key(app, people)
    keys_page = f"{ORG}/users/{people.member.id}/keys"
    confirm(people.admin_browser, f"{keys_page}/{made['id']}/pause")
    resume = f"{keys_page}/{made['id']}/resume"
    assert people.admin_browser.get(resume).location == password_step_for(app, resume)
    reauthenticate(people.admin_browser)
    assert confirm(people.admin_browser, resume).location == keys_page
    api_ok(api_me(app.test_client(), people.member.email, str(made["api_key"])))


def test_a_bots_keys_are_reached_from_the_bots_list(app: Flask) -> None:
    people = organization(app)
    bot = bot_of(people.member_browser)
    page = people.admin_browser.get(f"{ORG}/bots").get_data(as_text=True)
    assert f'href="{ORG}/users/{bot.id}/keys"' in page
    keys_page = people.admin_browser.get(f"{ORG}/users/{bot.id}/keys").get_data(as_text=True)
    assert "Primary key" in keys_page and bot.key[-4:] in keys_page


def test_an_owners_keys_are_out_of_an_administrators_reach(app: Flask) -> None:
    people = organization(app)
    keys_page = f"{ORG}/users/{people.owner.id}/keys"
    assert people.admin_browser.get(keys_page).status_code == 404
    assert people.owner_browser.get(f"{ORG}/users/{people.admin.id}/keys").status_code == 200
    users = people.admin_browser.get(f"{ORG}/users").get_data(as_text=True)
    assert f'id="keys-user-{people.owner.id}"' not in users
    assert f'id="keys-user-{people.member.id}"' in users


def test_the_admin_api_pauses_and_resumes_a_key(app: Flask) -> None:
    people = organization(app)
    made = member_key(app, people)
    client, admin = app.test_client(), (people.admin.email, people.admin.key)
    path = f"{API}/users/{people.member.id}/keys"
    listed: list[Any] = api_ok(client.get(path, auth=admin))["keys"]  # type: ignore[assignment]
    assert made["id"] in [key["id"] for key in listed]
    paused = api_ok(client.patch(f"{path}/{made['id']}", json={"paused": True}, auth=admin))
    assert paused["paused"] is True
    member = app.test_client()
    api_error(api_me(member, people.member.email, str(made["api_key"])), 401, "API_KEY_PAUSED")
    api_ok(client.patch(f"{path}/{made['id']}", data={"paused": "false"}, auth=admin))
    api_ok(api_me(member, people.member.email, str(made["api_key"])))


def test_the_admin_api_refuses_what_it_cannot_do(app: Flask) -> None:
    people = organization(app)
    client, admin = app.test_client(), (people.admin.email, people.admin.key)
    member_keys = f"{API}/users/{people.member.id}/keys"
    missing = client.patch(f"{member_keys}/1", json={}, auth=admin)
    assert api_error(missing, 400, "REQUEST_VARIABLE_MISSING")["var_name"] == "paused"
    api_error(
        client.patch(f"{member_keys}/999999", json={"paused": True}, auth=admin), 404, "NOT_FOUND"
    )
    owner_keys = f"{API}/users/{people.owner.id}/keys"
    api_error(client.get(owner_keys, auth=admin), 400, "BAD_REQUEST")
    owners_primary = client.get(f"{API}/users/me/keys", auth=(people.owner.email, people.owner.key))
    owner_key_id = owners_primary.get_json()["keys"][0]["id"]
    into_owner = client.patch(f"{owner_keys}/{owner_key_id}", json={"paused": True}, auth=admin)
    api_error(into_owner, 400, "BAD_REQUEST")
    api_ok(api_me(client, people.owner.email, people.owner.key))
    by_member = client.get(member_keys, auth=(people.member.email, people.member.key))
    api_error(by_member, 404, "NOT_FOUND")
    own_keys: list[Any] = api_ok(client.get(f"{API}/users/{people.admin.id}/keys", auth=admin))[
        "keys"
    ]  # type: ignore[assignment]
    [own] = own_keys
    own_pause = client.patch(
        f"{API}/users/{people.admin.id}/keys/{own['id']}", json={"paused": True}, auth=admin
    )
    api_error(own_pause, 400, "BAD_REQUEST")  # a key cannot pause itself


def test_the_member_is_told(mail_app: Flask, smtp: SmtpServer) -> None:
    people = organization(mail_app)
    made = member_key(mail_app, people)
    client, admin = mail_app.test_client(), (people.admin.email, people.admin.key)
    path = f"{API}/users/{people.member.id}/keys/{made['id']}"
    api_ok(client.patch(path, json={"paused": True}, auth=admin))
    assert "was paused" in the_notice(mail_app, smtp, "API key paused")
