"""Narrow this key to these scopes: from a key's usage, a new named key beside it that holds
only the scopes its calls needed, with its networks, budget and expiry; the old key keeps
working. It asks what Create a key asks (the password step for one's own key)."""

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.api import api_create_bot, api_error, api_me, api_ok
from tests.helpers.api_keys import change_key, create_key, list_keys
from tests.helpers.decoys import make_decoy
from tests.helpers.usage import primary_id
from tests.helpers.users import Account, MakeUser
from tests.helpers.web import BOTS, key_in, log_in, password_step_for, post_form

OWN = "/settings/account/keys/{}/{}"


def profile_only_key(client: FlaskClient, user: Account, **fields: Any) -> dict[str, object]:
    """A named key with every scope a named key may hold, used only on the profile route."""
    made = api_ok(create_key(client, (user.email, user.key), "CI", **fields))
    api_ok(api_me(client, user.email, str(made["api_key"])))
    return made


def narrow(client: FlaskClient, path: str) -> str:
    """Confirm the narrowing at ``path``; the new key, as its page shows it once."""
    done = post_form(client, path, {})
    assert done.status_code == 302, done.get_data(as_text=True)
    return key_in(client.get(done.location).get_data(as_text=True))


def test_a_key_used_only_on_the_profile_route_is_narrowed_to_it(
    reauthed: FlaskClient, user: Account
) -> None:
    made = profile_only_key(reauthed, user)
    usage = reauthed.get(OWN.format(made["id"], "usage")).get_data(as_text=True)
    assert 'id="narrow-key"' in usage and "<code>profile:read</code>" in usage
    new = narrow(reauthed, OWN.format(made["id"], "narrow"))
    api_ok(api_me(reauthed, user.email, new))
    api_error(reauthed.get("/api/v1/users", auth=(user.email, new)), 403, "MISSING_SCOPE")
    api_error(reauthed.get("/api/v1/bots", auth=(user.email, new)), 403, "MISSING_SCOPE")
    [narrowed] = [
        k for k in list_keys(reauthed, (user.email, user.key)) if k["key_hint"] == new[-4:]
    ]
    assert (narrowed["name"], narrowed["scopes"]) == ("CI, narrowed", ["profile:read"])
    api_ok(api_me(reauthed, user.email, str(made["api_key"])))  # the old key still works


def test_the_narrowed_key_keeps_the_networks_budget_and_expiry(
    reauthed: FlaskClient, user: Account
) -> None:
    made = profile_only_key(
        reauthed,
        user,
        allowed_networks="127.0.0.0/8",
        rate_limit_per_minute=30,
        expires_in_days=10,
    )
    new = narrow(reauthed, OWN.format(made["id"], "narrow"))
    listed = list_keys(reauthed, (user.email, user.key))
    [old] = [k for k in listed if k["id"] == made["id"]]
    [narrowed] = [k for k in listed if k["key_hint"] == new[-4:]]
    kept = ("allowed_networks", "rate_limit_per_minute", "expires_at")
    assert [narrowed[field] for field in kept] == [old[field] for field in kept]


def test_a_key_used_for_all_it_holds_offers_nothing_to_narrow(
    reauthed: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    made = api_ok(create_key(reauthed, auth, "CI", scopes="profile:read"))
    api_ok(api_me(reauthed, user.email, str(made["api_key"])))
    usage = reauthed.get(OWN.format(made["id"], "usage")).get_data(as_text=True)
    assert 'id="narrow-key"' not in usage
    asked = reauthed.get(OWN.format(made["id"], "narrow"))
    assert asked.location == OWN.format(made["id"], "usage")
    assert len(list_keys(reauthed, auth)) == 2


def test_the_primary_keys_scopes_stay_behind_and_are_named(
    reauthed: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    api_ok(api_me(reauthed, user.email, user.key))
    key_id = primary_id(reauthed, auth)  # keys:read, and profile:read above
    page = reauthed.get(OWN.format(key_id, "narrow")).get_data(as_text=True)
    assert 'id="left-behind"' not in page  # keys:read is a named key's scope too
    api_ok(reauthed.post("/api/v1/users/me/keys", data={"name": "x"}, auth=auth))  # keys:write
    page = reauthed.get(OWN.format(key_id, "narrow")).get_data(as_text=True)
    assert 'id="left-behind"' in page and "<code>keys:write</code>" in page
    new = narrow(reauthed, OWN.format(key_id, "narrow"))
    [narrowed] = [k for k in list_keys(reauthed, auth) if k["key_hint"] == new[-4:]]
    assert (narrowed["name"], narrowed["scopes"]) == (
        "Primary key, narrowed",
        ["keys:read", "profile:read"],
    )


def test_narrowing_twice_numbers_the_name(reauthed: FlaskClient, user: Account) -> None:
    made = profile_only_key(reauthed, user)
    narrow(reauthed, OWN.format(made["id"], "narrow"))
    narrow(reauthed, OWN.format(made["id"], "narrow"))
    names = {k["name"] for k in list_keys(reauthed, (user.email, user.key))}
    assert {"CI, narrowed", "CI, narrowed 2"} <= names


def test_narrowing_ones_own_key_needs_the_password_step(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    made = profile_only_key(logged_in, user)
    path = OWN.format(made["id"], "narrow")
    assert logged_in.get(path).location == password_step_for(app, path)
    assert post_form(logged_in, OWN.format(made["id"], "usage"), {}).status_code == 405
    assert len(list_keys(logged_in, (user.email, user.key))) == 2


def test_a_decoy_and_anothers_key_cannot_be_narrowed(
    reauthed: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    decoy = make_decoy(reauthed, (user.email, user.key))
    assert reauthed.get(OWN.format(decoy["id"], "narrow")).status_code == 404
    other = make_user()
    theirs = primary_id(reauthed, (other.email, other.key))
    assert reauthed.get(OWN.format(theirs, "narrow")).status_code == 404


def test_a_bots_owner_narrows_its_key(
    app: Flask, logged_in: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    bot = api_ok(api_create_bot(logged_in, user, "Feed", "feed"))
    api_ok(api_me(logged_in, str(bot["email"]), str(bot["api_key"])))
    key_id = primary_id(logged_in, (user.email, user.key), holder=f"/bots/{bot['user_id']}")
    path = f"{BOTS}/{bot['user_id']}/keys/{key_id}/narrow"
    someone_else = app.test_client()
    log_in(someone_else, make_user().email)
    assert someone_else.get(path).status_code == 404
    new = narrow(logged_in, path)
    api_ok(api_me(logged_in, str(bot["email"]), new))


def test_a_latin_name_is_narrowed_in_chinese_too(reauthed: FlaskClient, user: Account) -> None:
    made = profile_only_key(reauthed, user)
    reauthed.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    narrow(reauthed, OWN.format(made["id"], "narrow"))
    names = {k["name"] for k in list_keys(reauthed, (user.email, user.key))}
    assert "CI, 已收窄" in names


def test_a_paused_key_offers_nothing_to_narrow(reauthed: FlaskClient, user: Account) -> None:
    made = profile_only_key(reauthed, user)
    api_ok(change_key(reauthed, (user.email, user.key), int(str(made["id"])), paused=True))
    usage = reauthed.get(OWN.format(made["id"], "usage")).get_data(as_text=True)
    assert 'id="narrow-key"' not in usage
    assert reauthed.get(OWN.format(made["id"], "narrow")).status_code == 302
