"""GET …/keys/<id>/usage: a key's usage as JSON for its person, its bot's owner, and an
administrator who manages its holder, as the OpenAPI document describes it; nobody else."""

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import create_key
from tests.helpers.decoys import make_decoy
from tests.helpers.openapi import assert_matches
from tests.helpers.organization import organization
from tests.helpers.usage import calls_by, primary_id, usage_of
from tests.helpers.users import Account, MakeUser


def test_the_answer_matches_the_document(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    key_id = primary_id(client, auth)
    response = client.get(f"/api/v1/users/me/keys/{key_id}/usage", auth=auth)
    assert_matches("/users/me/keys/{key_id}/usage", "get", response)


def test_days_sets_the_window_within_the_kept_days(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    key_id = primary_id(client, auth)
    assert len(usage_of(client, auth, key_id, days=400)["days"]) == 400
    for wrong in ("0", "401", "ten", "1.5"):
        path = f"/api/v1/users/me/keys/{key_id}/usage?days={wrong}"
        error = api_error(client.get(path, auth=auth), 400, "BAD_REQUEST")
        assert error["var_name"] == "days"


def test_anothers_key_is_404(client: FlaskClient, user: Account, make_user: MakeUser) -> None:
    other = make_user()
    theirs = primary_id(client, (other.email, other.key))
    path = f"/api/v1/users/me/keys/{theirs}/usage"
    api_error(client.get(path, auth=(user.email, user.key)), 404, "NOT_FOUND")


def test_a_bots_owner_reads_its_keys_usage(client: FlaskClient, user: Account) -> None:
    bot = api_ok(api_create_bot(client, user, "Feed", "feed"))
    holder = f"/bots/{bot['user_id']}"
    api_ok(api_me(client, str(bot["email"]), str(bot["api_key"])))
    auth = (user.email, user.key)
    usage = usage_of(client, auth, primary_id(client, auth, holder), holder)
    assert calls_by(usage, "routes") == {"GET /api/v1/users/me": 1}


def test_an_administrator_reads_a_members_key_usage(app: Flask, client: FlaskClient) -> None:
    people = organization(app)
    member = (people.member.email, people.member.key)
    api_ok(api_me(client, *member))
    key_id = primary_id(client, member)
    admin = (people.admin.email, people.admin.key)
    response = client.get(f"/api/v1/users/{people.member.id}/keys/{key_id}/usage", auth=admin)
    assert_matches("/users/{user_id}/keys/{key_id}/usage", "get", response)
    assert calls_by(api_ok(response), "routes")["GET /api/v1/users/me"] == 1


def test_an_administrator_cannot_read_an_owners_key_and_a_member_gets_404(
    app: Flask, client: FlaskClient
) -> None:
    people = organization(app)
    owner_key = primary_id(client, (people.owner.email, people.owner.key))
    path = f"/api/v1/users/{people.owner.id}/keys/{owner_key}/usage"
    api_error(client.get(path, auth=(people.admin.email, people.admin.key)), 400, "BAD_REQUEST")
    member = (people.member.email, people.member.key)
    api_error(client.get(path, auth=member), 404, "NOT_FOUND")


def test_a_decoys_usage_is_for_the_primary_key_alone(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    decoy = make_decoy(client, auth)
    reader = api_ok(create_key(client, auth, "reader", scopes="keys:read"))
    path = f"/api/v1/users/me/keys/{decoy['id']}/usage"
    api_error(client.get(path, auth=(user.email, str(reader["api_key"]))), 404, "NOT_FOUND")
    api_ok(client.get(path, auth=auth))
