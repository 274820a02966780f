"""The admin API (Zulip's paths): the directory, and deactivating and reactivating people and
bots, for administrators only; every action audited with the administrator as actor."""

from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEvent
from app.people import roles
from tests.helpers.admin import audit_events
from tests.helpers.admin_api import admin_routes, call, deactivate, new_bot, reactivate, users_list
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.users import Account, MakeUser

# Zulip's user object at feature level 277: every entry has these, to anyone who sees it.
MEMBER_FIELDS = {
    "user_id",
    "email",
    "delivery_email",
    "full_name",
    "is_bot",
    "is_active",
    "role",
    "is_owner",
    "is_admin",
    "is_guest",
    "is_billing_admin",
    "date_joined",
    "avatar_url",
    "avatar_version",
    "timezone",
}
# A bot's owner and type: Zulip sends them for bots only; here to administrators only.
BOT_ADMIN_FIELDS = MEMBER_FIELDS | {"bot_owner_id", "bot_type"}


def test_every_admin_route_answers_a_member_404(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    target = make_user()
    routes = admin_routes(app)
    assert {method for method, _path in routes} == {"DELETE", "GET", "PATCH", "POST"}
    for method, path in routes:
        for user_id in (target.id, user.id, 999999):
            response = call(
                client, method, path.replace("/1", f"/{user_id}"), (user.email, user.key)
            )
            assert api_error(response, 404, "NOT_FOUND")["msg"] == "No such user"
    assert api_me(client, target.email, target.key).status_code == 200


def test_an_administrator_sees_everyone_with_the_admin_fields(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "hook", bot_type=2)
    gone = make_user()
    api_ok(deactivate(client, admin, gone.id))
    members = {entry["user_id"]: entry for entry in users_list(client, admin)}
    assert set(members) == {user.id, admin.id, bot.id, gone.id}
    assert all(set(entry) == MEMBER_FIELDS for entry in members.values() if not entry["is_bot"])
    assert set(members[bot.id]) == BOT_ADMIN_FIELDS
    assert members[bot.id]["bot_owner_id"] == user.id and members[bot.id]["bot_type"] == 2
    assert members[gone.id]["is_active"] is False
    assert members[admin.id]["role"] == 200 and members[admin.id]["is_admin"] is True
    assert members[gone.id]["delivery_email"] == gone.email  # an administrator sees addresses


def test_every_entry_has_zulips_avatar_timezone_and_guest_fields(
    client: FlaskClient, user: Account
) -> None:
    (entry,) = users_list(client, user)
    assert str(entry["avatar_url"]).endswith("/static/avatar.svg?version=1")
    assert (entry["avatar_version"], entry["timezone"]) == (1, "")
    assert (entry["is_guest"], entry["is_billing_admin"]) == (False, False)


def test_a_member_sees_the_active_only_without_admin_fields(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    gone = make_user()
    api_ok(deactivate(client, admin, gone.id))
    members = users_list(client, user)
    assert {entry["user_id"] for entry in members} == {user.id, admin.id, bot.id}
    assert all(set(entry) == MEMBER_FIELDS for entry in members)


def test_deactivating_a_person_stops_them_and_their_bots(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    assert api_ok(deactivate(client, admin, user.id)) == {"result": "success", "msg": ""}
    api_error(api_me(client, user.email, user.key), 401, "USER_DEACTIVATED")
    api_error(api_me(client, bot.email, bot.key), 401, "USER_DEACTIVATED")
    actors = {event.actor_id for event in audit_events(app, AuditEvent.subject_user_id == user.id)}
    stopped = audit_events(app, AuditEvent.event_type.in_(["user_deactivated", "bot_deactivated"]))
    assert {(event.subject_user_id, event.actor_id) for event in stopped} == {
        (user.id, admin.id),
        (bot.id, admin.id),
    }
    assert admin.id in actors


def test_reactivating_a_person_leaves_their_bots_stopped(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(deactivate(client, admin, user.id))
    api_ok(reactivate(client, admin, user.id))
    assert api_me(client, user.email, user.key).status_code == 200
    assert api_me(client, bot.email, bot.key).status_code == 401
    event = audit_events(app, AuditEvent.event_type == "user_reactivated")[-1]
    assert (event.actor_id, event.subject_user_id) == (admin.id, user.id)
    api_ok(reactivate(client, admin, bot.id))
    assert api_me(client, bot.email, bot.key).status_code == 200


def test_an_orphan_bot_cannot_be_reactivated(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(deactivate(client, admin, user.id))
    body = api_error(reactivate(client, admin, bot.id), 400, "BAD_REQUEST")
    assert body["msg"] == "This account is deactivated."


def test_an_administrator_deactivates_a_bot(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    api_ok(deactivate(client, admin, bot.id))
    assert api_me(client, bot.email, bot.key).status_code == 401
    assert api_me(client, user.email, user.key).status_code == 200
    event = audit_events(app, AuditEvent.event_type == "bot_deactivated")[-1]
    assert (event.actor_id, event.subject_user_id) == (admin.id, bot.id)


def test_an_administrator_cannot_act_on_an_owner_or_their_bots(
    client: FlaskClient, make_user: MakeUser
) -> None:
    owner, admin = make_user(role=roles.OWNER), make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, owner, "relay")
    for target in (owner.id, bot.id):
        body = api_error(deactivate(client, admin, target), 400, "BAD_REQUEST")
        assert body["msg"] == "Only an owner may act on an owner or their bots."
    assert api_me(client, owner.email, owner.key).status_code == 200
    assert api_me(client, bot.email, bot.key).status_code == 200


def test_an_owner_deactivates_another_owner(client: FlaskClient, make_user: MakeUser) -> None:
    first, second = make_user(role=roles.OWNER), make_user(role=roles.OWNER)
    api_ok(deactivate(client, first, second.id))
    assert api_me(client, second.email, second.key).status_code == 401


def test_the_last_owner_cannot_deactivate_themselves(
    client: FlaskClient, make_user: MakeUser
) -> None:
    owner = make_user(role=roles.OWNER)
    body = api_error(deactivate(client, owner, owner.id), 400, "BAD_REQUEST")
    assert body["msg"] == "You cannot deactivate your own account here."
    assert api_me(client, owner.email, owner.key).status_code == 200


def test_admin_routes_need_the_primary_key(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    made = client.post("/api/v1/users/me/keys", data={"name": "ci"}, auth=(admin.email, admin.key))
    named = Account(admin.id, admin.email, "", str(api_ok(made)["api_key"]))
    api_error(deactivate(client, named, user.id), 403, "PRIMARY_KEY_REQUIRED")
    assert api_me(client, user.email, user.key).status_code == 200


def test_a_bot_of_an_administrator_is_no_administrator(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, admin, "relay")
    api_error(deactivate(client, bot, user.id), 403, "FORBIDDEN")
    assert {entry["user_id"] for entry in users_list(client, bot)} >= {user.id}
    assert "bot_type" not in users_list(client, bot)[0]
