"""A stranger cannot lock the owner out: guessing is capped per account and IP, a distributed
attack meets a higher per-account ceiling, and a browser that has logged in before keeps an
allowance of its own. Every refusal is audited and shown in the owner's security log."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.core import db
from app.core.models import AuditEvent, User
from app.people.known_devices import COOKIE
from tests.helpers.admin import audit_events
from tests.helpers.api import fetch_key
from tests.helpers.mail import SmtpServer, deliver
from tests.helpers.passwords import NEW_PASSWORD, ask_for_reset, reset_link_in, reset_with
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token, from_ip, log_in, reauthenticate

ATTACKER = "203.0.113.66"
OWNER_AT_HOME = "198.51.100.7"


def attack(app: Flask, email: str, guesses: int, *, distinct_ips: bool = False) -> list[int]:
    """Wrong passwords for ``email`` through fetch_api_key, from one IP or one IP each."""
    statuses = []
    for number in range(guesses):
        address = f"10.66.{number // 250}.{number % 250 + 1}" if distinct_ips else ATTACKER
        statuses.append(fetch_key(from_ip(app.test_client(), address), email, "a guess"))
    return statuses


def known_browser(app: Flask, user: Account) -> FlaskClient:
    """The owner's browser, which logged in once and logged out again."""
    browser = from_ip(app.test_client(), OWNER_AT_HOME)
    assert log_in(browser, user.email).status_code == 302
    token = csrf_token(browser.get("/settings/account"))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    return browser


def refusals(app: Flask, user: Account) -> list[AuditEvent]:
    """The audit log's refusals of password attempts on ``user``'s account."""
    refused = AuditEvent.event_type == "password_rate_limited"
    return audit_events(app, AuditEvent.subject_user_id == user.id, refused)


def test_five_failures_from_a_stranger_do_not_lock_the_owner_out(app: Flask, user: Account) -> None:
    assert attack(app, user.email, 6) == [401] * 5 + [429]
    assert log_in(from_ip(app.test_client(), OWNER_AT_HOME), user.email).status_code == 302
    assert fetch_key(from_ip(app.test_client(), OWNER_AT_HOME), user.email, PASSWORD) == 200


def test_fifty_failures_from_one_ip_do_not_lock_the_owner_out(app: Flask, user: Account) -> None:
    assert attack(app, user.email, 50) == [401] * 5 + [429] * 45
    assert log_in(from_ip(app.test_client(), OWNER_AT_HOME), user.email).status_code == 302


def test_a_distributed_attack_meets_the_accounts_ceiling(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_ACCOUNT="20 per hour")
    user = make_user()
    assert attack(app, user.email, 30, distinct_ips=True) == [401] * 20 + [429] * 10
    # A browser that never logged in to the account is refused while the attack lasts.
    assert log_in(from_ip(app.test_client(), OWNER_AT_HOME), user.email).status_code == 429


def test_the_owners_known_browser_logs_in_during_a_hundred_failure_attack(
    app: Flask, user: Account
) -> None:
    browser = known_browser(app, user)
    statuses = attack(app, user.email, 100, distinct_ips=True)
    assert statuses.count(401) == 50 and statuses.count(429) == 50  # the ceiling held
    assert log_in(browser, user.email).status_code == 302


def test_the_known_browser_can_confirm_its_password_during_an_attack(
    app: Flask, user: Account
) -> None:
    browser = known_browser(app, user)
    assert log_in(browser, user.email).status_code == 302
    attack(app, user.email, 100, distinct_ips=True)
    assert reauthenticate(browser).location == KEY_PAGE


def test_a_known_browser_still_gets_only_five_wrong_passwords(app: Flask, user: Account) -> None:
    browser = known_browser(app, user)
    for _ in range(5):
        assert log_in(browser, user.email, "wrong password").status_code == 200
    assert log_in(browser, user.email, PASSWORD).status_code == 429


def test_a_known_browsers_failures_are_counted_on_their_own(app: Flask, user: Account) -> None:
    browser = known_browser(app, user)
    for _ in range(5):
        log_in(browser, user.email, "wrong password")
    stranger_at_the_same_ip = from_ip(app.test_client(), OWNER_AT_HOME)
    assert log_in(stranger_at_the_same_ip, user.email).status_code == 302


def test_the_known_device_cookie_is_httponly_and_long_lived(app: Flask, user: Account) -> None:
    response = log_in(app.test_client(), user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=15552000" in cookie  # 180 days
    assert user.email not in cookie


def test_a_password_change_forgets_the_known_browser(app: Flask, user: Account) -> None:
    browser = known_browser(app, user)
    with app.app_context():
        session = db.session()
        new_hash = session.get_one(User, user.id).password_hash + "x"  # type: ignore[operator]
        session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash))
        session.commit()
    attack(app, user.email, 100, distinct_ips=True)
    assert log_in(browser, user.email).status_code == 429


def test_a_browser_known_to_another_account_is_not_known_to_this_one(
    app: Flask, user: Account, make_user: Callable[..., Account]
) -> None:
    other = make_user()
    browser = known_browser(app, other)
    attack(app, user.email, 100, distinct_ips=True)
    assert log_in(browser, user.email).status_code == 429


def test_a_forged_cookie_is_not_a_known_browser(app: Flask, user: Account) -> None:
    browser = known_browser(app, user)
    forged = browser.get_cookie(COOKIE)
    assert forged is not None
    # A character inside the signature (the last one may carry only padding bits).
    middle = len(forged.value) - 10
    swapped = "A" if forged.value[middle] != "A" else "B"
    browser.set_cookie(COOKIE, forged.value[:middle] + swapped + forged.value[middle + 1 :])
    attack(app, user.email, 100, distinct_ips=True)
    assert log_in(browser, user.email).status_code == 429


def test_a_refusal_is_audited_with_the_attackers_ip(app: Flask, user: Account) -> None:
    attack(app, user.email, 6)
    (event,) = refusals(app, user)
    assert event.ip == ATTACKER
    assert event.detail == {"limit": "password-account-ip", "purpose": "fetch_api_key"}


def test_a_flood_of_refusals_is_recorded_once_a_minute(app: Flask, user: Account) -> None:
    attack(app, user.email, 50)
    assert len(refusals(app, user)) == 1


def test_a_flood_from_many_addresses_is_recorded_once_a_minute_too(
    app: Flask, user: Account
) -> None:
    attack(app, user.email, 100, distinct_ips=True)  # the last 50 are refused
    assert len(refusals(app, user)) == 1


def test_a_logged_in_session_confirms_its_password_during_an_attack_without_the_cookie(
    app: Flask, user: Account
) -> None:
    # Sessions that began before the known-device cookie existed have no cookie.
    browser = from_ip(app.test_client(), OWNER_AT_HOME)
    assert log_in(browser, user.email).status_code == 302
    browser.delete_cookie(COOKIE)
    attack(app, user.email, 100, distinct_ips=True)
    assert reauthenticate(browser).location == KEY_PAGE


def test_the_owner_sees_the_attack_in_the_security_log(app: Flask, user: Account) -> None:
    attack(app, user.email, 6)
    browser = from_ip(app.test_client(), OWNER_AT_HOME)
    log_in(browser, user.email)
    page = browser.get("/settings/account").get_data(as_text=True)
    assert "Password attempts refused: too many failures" in page
    assert ATTACKER in page


def test_a_known_browser_behind_a_busy_shared_ip_still_logs_in(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    app = make_app(PASSWORD_LIMIT_PER_IP="3 per 30 minutes")
    user = make_user()
    browser = known_browser(app, user)  # at the office, behind one NAT address
    for number in range(3):  # colleagues mistyping their own passwords
        fetch_key(from_ip(app.test_client(), OWNER_AT_HOME), f"c{number}@example.com", "typo")
    assert log_in(from_ip(app.test_client(), OWNER_AT_HOME), user.email).status_code == 429
    assert log_in(browser, user.email).status_code == 302


def test_every_spelling_of_an_email_draws_on_one_allowance(
    app: Flask, make_user: Callable[..., Account]
) -> None:
    user = make_user("josé@example.com")
    spellings = ["JOSÉ@example.com", "jose\u0301@example.com", " josé@EXAMPLE.com "]
    statuses = [
        fetch_key(from_ip(app.test_client(), ATTACKER), spellings[n % 3], "guess") for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert fetch_key(from_ip(app.test_client(), ATTACKER), user.email, PASSWORD) == 429


def test_addresses_of_one_ipv6_network_share_an_allowance(app: Flask, user: Account) -> None:
    # Whoever has one IPv6 address usually has the whole /64 around it.
    for host in range(1, 6):
        fetch_key(from_ip(app.test_client(), f"2001:db8:1:2::{host}"), user.email, "guess")
    assert fetch_key(from_ip(app.test_client(), "2001:db8:1:2::99"), user.email, PASSWORD) == 429
    assert fetch_key(from_ip(app.test_client(), "2001:db8:1:3::1"), user.email, PASSWORD) == 200


def reset_by_email(app: Flask, smtp: SmtpServer, browser: FlaskClient, email: str) -> None:
    """The owner proves themselves: asks for a link in ``browser`` and sets NEW_PASSWORD."""
    assert ask_for_reset(browser, email).status_code == 200
    deliver(app)
    assert reset_with(browser, reset_link_in(smtp.received[-1])).status_code == 302


def test_a_reset_unlocks_the_owner_locked_by_their_own_failures(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    owner = MakeUser(mail_app)("ada@example.com")
    browser = from_ip(mail_app.test_client(), OWNER_AT_HOME)
    for _ in range(5):
        assert log_in(browser, owner.email, "forgotten").status_code == 200
    assert log_in(browser, owner.email).status_code == 429  # locked, the right password too
    reset_by_email(mail_app, smtp, browser, owner.email)
    assert log_in(browser, owner.email, NEW_PASSWORD).status_code == 302


def test_a_reset_unlocks_an_account_at_its_ceiling(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(**smtp.settings(), PASSWORD_LIMIT_PER_ACCOUNT="20 per hour")
    owner = MakeUser(app)("ada@example.com")
    assert attack(app, owner.email, 21, distinct_ips=True)[-1] == 429
    browser = from_ip(app.test_client(), OWNER_AT_HOME)
    reset_by_email(app, smtp, browser, owner.email)
    assert fetch_key(from_ip(app.test_client(), OWNER_AT_HOME), owner.email, NEW_PASSWORD) == 200


def test_a_reset_leaves_the_attacker_locked(mail_app: Flask, smtp: SmtpServer) -> None:
    """Only the owner's counters go: the attacker's address stays refused."""
    owner = MakeUser(mail_app)("ada@example.com")
    assert attack(mail_app, owner.email, 6)[-1] == 429
    reset_by_email(mail_app, smtp, from_ip(mail_app.test_client(), OWNER_AT_HOME), owner.email)
    assert attack(mail_app, owner.email, 1) == [429]
