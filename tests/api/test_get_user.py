"""GET /users/<id>, Zulip's "get a user": one entry of GET /users, under the same rules of
who sees whom and which fields, so it reveals nothing the caller's directory does not."""

import pytest
import zulip
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.people import roles
from tests.helpers.admin_api import deactivate, new_bot, users_list
from tests.helpers.api import API, api_error, api_ok
from tests.helpers.users import Account, MakeUser

# Numbers the database could not store are the same 404 (never an overflow's 500).
BEYOND_THE_DATABASE = [2**31, 2**63, 10**30]


def get_user(client: FlaskClient, who: Account, user_id: int) -> TestResponse:
    return client.get(f"{API}/users/{user_id}", auth=(who.email, who.key))


def the_user(response: TestResponse) -> dict[str, object]:
    user = api_ok(response)["user"]
    assert isinstance(user, dict)
    return user


def test_it_answers_the_entry_the_directory_lists(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, admin, "relay")
    for viewer in (user, admin):
        listed = {entry["user_id"]: entry for entry in users_list(client, viewer)}
        for target in (user, admin, bot):
            assert the_user(get_user(client, viewer, target.id)) == listed[target.id]


def test_the_answer_has_zulips_envelope(client: FlaskClient, user: Account) -> None:
    body = api_ok(get_user(client, user, user.id))
    assert set(body) == {"result", "msg", "user"}


def test_a_member_gets_one_404_for_a_deactivated_and_an_unknown_id(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    gone = make_user()
    api_ok(deactivate(client, admin, gone.id))
    unknown = api_error(get_user(client, user, 999999), 404, "NOT_FOUND")
    assert api_error(get_user(client, user, gone.id), 404, "NOT_FOUND") == unknown
    for beyond in BEYOND_THE_DATABASE:
        assert api_error(get_user(client, user, beyond), 404, "NOT_FOUND") == unknown


def test_an_administrator_gets_a_deactivated_person(
    client: FlaskClient, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    gone = make_user()
    api_ok(deactivate(client, admin, gone.id))
    entry = the_user(get_user(client, admin, gone.id))
    assert (entry["user_id"], entry["is_active"]) == (gone.id, False)


def test_an_administrator_gets_an_unknown_id_as_404(
    client: FlaskClient, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    for user_id in (999999, *BEYOND_THE_DATABASE):
        api_error(get_user(client, admin, user_id), 404, "NOT_FOUND")


def test_a_bots_owner_and_type_are_for_administrators_only(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    bot = new_bot(client, user, "relay")
    as_admin = the_user(get_user(client, admin, bot.id))
    assert (as_admin["bot_owner_id"], as_admin["bot_type"]) == (user.id, 1)
    as_member = the_user(get_user(client, make_user(), bot.id))
    assert "bot_owner_id" not in as_member and "bot_type" not in as_member


def test_a_person_has_no_bot_fields_even_for_an_administrator(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    entry = the_user(get_user(client, admin, user.id))
    assert "bot_owner_id" not in entry and "bot_type" not in entry


def test_the_real_address_is_for_administrators_and_oneself(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    admin = make_user(role=roles.ADMINISTRATOR)
    assert the_user(get_user(client, admin, user.id))["delivery_email"] == user.email
    assert the_user(get_user(client, user, user.id))["delivery_email"] == user.email
    assert the_user(get_user(client, user, admin.id))["delivery_email"] is None


@pytest.mark.usefixtures("no_zulip_settings")
def test_the_official_clients_get_user_by_id(
    live_server: str, user: Account, make_user: MakeUser
) -> None:
    other = make_user(full_name="Grace Hopper")
    client = zulip.Client(email=user.email, api_key=user.key, site=live_server)
    found = client.get_user_by_id(other.id)
    assert found["result"] == "success"
    assert (found["user"]["user_id"], found["user"]["full_name"]) == (other.id, "Grace Hopper")
    missing = client.get_user_by_id(999999)
    assert (missing["result"], missing["code"]) == ("error", "NOT_FOUND")
