"""Stale keys: a key unused for the organization's stale_key_days (90 by default) is marked
in every list and its owner told once by `flask keys notify-stale`; with stale_key_expiry_days
set, a stale named key still unused that long after the notice expires."""

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.core import db
from app.keys import call_counts, staleness
from app.organization import policies
from tests.conftest import Clock
from tests.helpers.admin import audit_types
from tests.helpers.api import api_error, api_me, api_ok
from tests.helpers.api_keys import create_key, list_keys
from tests.helpers.decoys import make_decoy
from tests.helpers.live import at_once
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered, update_user
from tests.helpers.users import Account, MakeUser

STALE = "An API key has not been used for a long time"
EXPIRED = "An unused API key has expired"


def notify(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "notify-stale"])
    assert result.exit_code == 0, result.output
    return result.output


def set_policy(app: Flask, admin: Account, **wanted: Any) -> None:
    with app.app_context():
        policies.change(db.session(), wanted, actor_id=admin.id)


def stale_flags(client: FlaskClient, user: Account) -> dict[str, bool]:
    return {str(k["name"]): k["stale"] for k in list_keys(client, (user.email, user.key))}


def test_a_key_unused_for_90_days_is_marked_in_the_list_and_the_api(
    client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    api_ok(create_key(client, auth, "idle"))
    clock.advance(days=89)
    api_ok(create_key(client, auth, "fresh"))  # the primary key is used by this call
    assert stale_flags(client, user) == {"None": False, "idle": False, "fresh": False}
    clock.advance(days=1, seconds=1)
    assert stale_flags(client, user) == {"None": False, "idle": True, "fresh": False}


def test_the_account_page_marks_a_stale_key(
    logged_in: FlaskClient, user: Account, clock: Clock
) -> None:
    made = api_ok(create_key(logged_in, (user.email, user.key), "idle"))
    clock.advance(days=91)
    page = logged_in.get("/settings/account").get_data(as_text=True)
    row = page[page.index(f'id="key-{made["id"]}"') :]
    assert "Unused for 90 days or more" in row[: row.index("</tr>")]


def test_the_owner_is_told_once_and_again_after_a_use(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    made = api_ok(create_key(client, (ada.email, ada.key), "ci"))
    mail_clock.advance(days=91)
    notify(mail_app)
    notify(mail_app)
    told = [body_of(m) for m in delivered(mail_app, smtp, STALE)]
    [notice] = [body for body in told if f"ending in {made['key_hint']}" in body]
    assert len(told) == 2  # the primary key, last used to make this one, is stale too
    assert "“ci” of “Ada Lovelace”" in notice and "90 days or more" in notice
    assert "expires then" not in notice  # the organization does not expire stale keys
    mail_clock.advance(days=1)
    api_ok(api_me(client, ada.email, str(made["api_key"])))
    mail_clock.advance(days=91)
    notify(mail_app)
    assert len(delivered(mail_app, smtp, STALE)) == 3  # ci again; the primary key was not used


def test_decoys_and_expired_keys_are_never_stale(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    auth = (user.email, user.key)
    make_decoy(client, auth)
    api_ok(create_key(client, auth, "short", expires_in_days=30))
    clock.advance(days=200)
    api_ok(api_me(client, user.email, user.key))  # the primary key is in use
    assert notify(app).startswith("0 keys went stale")


def test_a_stale_named_key_expires_after_the_warning_when_the_policy_says(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    client = mail_app.test_client()
    set_policy(mail_app, ada, stale_key_expiry_days=14)
    idle = api_ok(create_key(client, (ada.email, ada.key), "idle"))
    used = api_ok(create_key(client, (ada.email, ada.key), "used"))
    mail_clock.advance(days=91)
    notify(mail_app)
    told = [body_of(m) for m in delivered(mail_app, smtp, STALE)]
    [primary] = [body for body in told if "primary" in body]
    named = [body for body in told if "primary" not in body]
    assert len(named) == 2 and all("expires then" in body for body in named)
    assert "expires then" not in primary  # a primary key never expires this way
    mail_clock.advance(days=7)
    api_ok(api_me(client, ada.email, str(used["api_key"])))  # used after the warning
    mail_clock.advance(days=7, seconds=1)
    assert notify(mail_app).endswith("1 expired.\n")
    api_error(api_me(client, ada.email, str(idle["api_key"])), 401, "API_KEY_EXPIRED")
    api_ok(api_me(client, ada.email, str(used["api_key"])))
    api_ok(api_me(client, ada.email, ada.key))  # a primary key never expires this way
    [expired] = delivered(mail_app, smtp, EXPIRED)
    assert str(idle["key_hint"]) in body_of(expired)
    assert "stale_key_expired" in audit_types(mail_app)


def test_the_policy_sets_how_long_unused_is_stale(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    set_policy(app, user, stale_key_days=10)
    api_ok(create_key(client, (user.email, user.key), "idle"))
    clock.advance(days=11)
    assert stale_flags(client, user)["idle"] is True


def test_two_runs_at_once_tell_each_key_once(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    for name in ("one", "two", "three"):
        api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), name))
    mail_clock.advance(days=91)

    def run(_index: int) -> tuple[int, int]:
        with mail_app.app_context():
            return staleness.notify_stale(db.session())

    told = at_once(2, run)
    assert sum(count for count, _expired in told) == 4  # three named keys and the primary
    assert len(delivered(mail_app, smtp, STALE)) == 4


def test_turning_expiry_on_tells_again_with_a_day_and_expires_nothing_at_once(
    mail_app: Flask, smtp: SmtpServer, mail_clock: Clock
) -> None:
    ada = MakeUser(mail_app)("ada@example.com", "Ada Lovelace")
    idle = api_ok(create_key(mail_app.test_client(), (ada.email, ada.key), "idle"))
    mail_clock.advance(days=91)
    notify(mail_app)  # told, with no day to expire
    mail_clock.advance(days=200)
    set_policy(mail_app, ada, stale_key_expiry_days=14)
    assert notify(mail_app).endswith(" 0 expired.\n")
    told = [
        body_of(m) for m in delivered(mail_app, smtp, STALE) if str(idle["key_hint"]) in body_of(m)
    ]
    assert len(told) == 2 and "expires then" in told[1]
    api_ok(api_me(mail_app.test_client(), ada.email, str(idle["api_key"])))


def test_a_key_whose_use_is_counted_but_not_yet_noted_does_not_expire(
    app: Flask, client: FlaskClient, user: Account, clock: Clock
) -> None:
    set_policy(app, user, stale_key_expiry_days=14)
    made = api_ok(create_key(client, (user.email, user.key), "idle"))
    clock.advance(days=91)
    notify(app)
    clock.advance(days=15)
    with app.app_context():  # a worker counted a call; its last use still waits there
        call_counts.counts().note(int(str(made["id"])), "accepted")
        call_counts.counts().write()
    assert notify(app).endswith(" 0 expired.\n")


def test_a_deactivated_persons_keys_are_not_told_of(
    app: Flask, client: FlaskClient, user: Account, make_user: MakeUser, clock: Clock
) -> None:
    other = make_user()
    update_user(app, other.id, is_active=False)
    clock.advance(days=91)
    assert notify(app).startswith("1 keys went stale")  # the active person's key alone
