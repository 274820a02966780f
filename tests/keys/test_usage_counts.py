"""Per-key usage: every call of a known key is counted for it, accepted or refused by
reason, with its network, route and scope, through the API and through the gateway check,
and read back as JSON by the key's holder."""

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import change_key, create_key, limited_key, scoped_key
from tests.helpers.decoys import make_decoy, try_key
from tests.helpers.gateway import check
from tests.helpers.tokens import me, minted
from tests.helpers.usage import calls_by, named_id, primary_id, today_of, usage_of
from tests.helpers.users import Account, MakeUser


def test_accepted_calls_are_counted_with_their_route_scope_and_network(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    for _ in range(3):
        api_ok(api_me(client, user.email, user.key))
    usage = usage_of(client, auth, primary_id(client, auth))
    # the three calls, the list that found the primary key's id, and this read itself
    assert today_of(usage) == {"date": today_of(usage)["date"], "accepted": 5, "refused": {}}
    assert calls_by(usage, "routes") == {
        "GET /api/v1/users/me": 3,
        "GET /api/v1/users/me/keys": 1,
        "GET /api/v1/users/me/keys/{key_id}/usage": 1,
    }
    assert calls_by(usage, "scopes") == {"profile:read": 3, "keys:read": 2}
    assert calls_by(usage, "networks") == {"127.0.0.0/24": 5}


def test_a_window_holds_every_day_oldest_first(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    usage = usage_of(client, auth, primary_id(client, auth), days=7)
    dates = [day["date"] for day in usage["days"]]
    assert len(dates) == 7 and dates == sorted(dates)
    assert [day["accepted"] for day in usage["days"][:-1]] == [0] * 6


def test_a_call_outside_the_keys_scopes_is_refused_as_scope(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    narrow = scoped_key(client, auth, "profile:read")
    api_error(client.get("/api/v1/users", auth=(user.email, narrow)), 403, "MISSING_SCOPE")
    api_ok(api_me(client, user.email, narrow))
    usage = usage_of(client, auth, named_id(client, auth, "CI"))
    assert (usage["accepted"], usage["refused"]) == (1, {"scope": 1})
    assert calls_by(usage, "routes") == {"GET /api/v1/users/me": 1}  # accepted routes only


def test_paused_and_wrong_network_refusals_are_counted_by_reason(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    elsewhere = limited_key(client, auth, "192.0.2.0/24")
    api_error(api_me(client, user.email, elsewhere["api_key"]), 403, "IP_NOT_ALLOWED")
    paused = api_ok(create_key(client, auth, "paused"))
    change_key(client, auth, int(str(paused["id"])), paused=True)
    api_error(api_me(client, user.email, str(paused["api_key"])), 401, "API_KEY_PAUSED")
    assert usage_of(client, auth, elsewhere["id"])["refused"] == {"network": 1}
    assert usage_of(client, auth, int(str(paused["id"])))["refused"] == {"paused": 1}


def test_an_expired_key_is_counted_as_expired(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    made = api_ok(create_key(client, auth, "short", expires_in_days=1))
    clock.advance(days=2)
    api_error(api_me(client, user.email, str(made["api_key"])), 401, "API_KEY_EXPIRED")
    usage = usage_of(client, auth, int(str(made["id"])))
    assert usage["refused"] == {"expired": 1}


def test_the_right_key_with_the_wrong_email_is_counted_as_invalid(
    client: FlaskClient, user: Account, make_user: MakeUser
) -> None:
    other = make_user()
    api_error(api_me(client, other.email, user.key), 401, "INVALID_API_KEY")
    auth = (user.email, user.key)
    assert usage_of(client, auth, primary_id(client, auth))["refused"] == {"invalid": 1}


def test_a_decoy_counts_its_sightings(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    decoy = make_decoy(client, auth)
    assert try_key(client, decoy["api_key"]).status_code == 401
    assert usage_of(client, auth, decoy["id"])["refused"] == {"decoy": 1}


def test_a_key_over_its_budget_is_counted_as_rate_limited(
    client: FlaskClient, user: Account
) -> None:
    auth = (user.email, user.key)
    made = api_ok(create_key(client, auth, "slow", rate_limit_per_minute=1))
    key = str(made["api_key"])
    api_ok(api_me(client, user.email, key))
    assert api_me(client, user.email, key).status_code == 429
    usage = usage_of(client, auth, int(str(made["id"])))
    assert (usage["accepted"], usage["refused"]) == (1, {"rate_limited": 1})


def test_a_tokens_calls_are_its_keys(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    token = minted(client, auth, scopes=["profile:read"])["token"]
    api_ok(me(client, user.email, token))
    usage = usage_of(client, auth, primary_id(client, auth))
    assert calls_by(usage, "routes")["GET /api/v1/users/me"] == 1
    assert calls_by(usage, "routes")["POST /api/v1/tokens"] == 1


def test_gateway_checks_count_the_platforms_route_rule(client: FlaskClient, user: Account) -> None:
    auth = (user.email, user.key)
    narrow = scoped_key(client, auth, "profile:read")
    assert check(client, "GET", "/api/v1/users/me", narrow).status_code == 200
    assert check(client, "POST", "/api/v1/messages", narrow).status_code == 403
    usage = usage_of(client, auth, named_id(client, auth, "CI"))
    assert (usage["accepted"], usage["refused"]) == (1, {"scope": 1})
    assert calls_by(usage, "routes") == {"GET /api/v1/users/me": 1}
