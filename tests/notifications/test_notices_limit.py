"""Notices a person did not cause are limited per recipient and hour: another person's
actions on their bots, or a stranger's leak reports, cannot fill their mailbox. Past
NOTICES_FROM_OTHERS_PER_HOUR (10), one notice says more are held back, then none until the
hour has passed; what the person does themselves, the password-reset mail and the expiry
notices are never held back. Counted in the database, so it holds across app nodes."""

from collections.abc import Callable

import pytest
from flask import Flask

from app.core import db
from app.core.clock import install as install_clock
from app.core.models import AuditEvent, User
from tests.conftest import Clock
from tests.helpers.admin import audit_events
from tests.helpers.api import api_ok
from tests.helpers.api_keys import create_key, regenerate
from tests.helpers.leaks import report_leak
from tests.helpers.mail import SmtpServer, body_of
from tests.helpers.notices import delivered
from tests.helpers.organization import ORG, People, bot_of, browser_as, confirm, organization
from tests.helpers.passwords import ask_for_reset

REGENERATED = "API key regenerated"
HELD_BACK = "Security notices held back"


def regenerate_as_admin(people: People, bot_id: int, times: int) -> None:
    for _ in range(times):
        answer = confirm(people.admin_browser, f"{ORG}/bots/{bot_id}/regenerate")
        assert answer.status_code == 302


def subjects_to(app: Flask, smtp: SmtpServer, email: str) -> list[str]:
    return [str(m["Subject"]) for m in delivered(app, smtp) if m["To"] == email]


def test_another_persons_fifteen_actions_send_ten_notices_and_one_summary(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    people = organization(mail_app)
    bot = bot_of(people.member_browser)
    regenerate_as_admin(people, bot.id, 15)
    assert subjects_to(mail_app, smtp, people.member.email) == [
        "New bot created",  # the member's own action
        *[REGENERATED] * 10,
        HELD_BACK,
    ]
    # The actions themselves all happened, and the security log has every one.
    assert len(audit_events(mail_app, AuditEvent.event_type == "api_key_regenerated")) == 15


def test_the_summary_says_what_was_held_back_and_where_to_look(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=2, **smtp.settings())
    people = organization(app)
    bot = bot_of(people.member_browser)
    regenerate_as_admin(people, bot.id, 4)
    [summary] = delivered(app, smtp, HELD_BACK)
    assert summary["To"] == people.member.email
    body = body_of(summary)
    assert "Within the last hour you were sent 2 notices of what others did" in body
    assert "Keyfob sends no more of them until that hour has passed" in body
    assert "security log in Account & privacy" in body
    assert "/not-me" not in body and "IP address" not in body


def test_notices_flow_again_after_the_hour(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=2, **smtp.settings())
    clock = Clock()
    install_clock(app, clock)
    people = organization(app)
    bot = bot_of(people.member_browser)
    regenerate_as_admin(people, bot.id, 4)
    assert len(delivered(app, smtp, REGENERATED)) == 2
    clock.advance(minutes=61)
    regenerate_as_admin(people, bot.id, 1)
    assert len(delivered(app, smtp, REGENERATED)) == 3


def test_the_persons_own_actions_are_never_held_back(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=2, **smtp.settings())
    people = organization(app)
    bot = bot_of(people.member_browser)
    member = (people.member.email, people.member.key)
    client = app.test_client()
    for _ in range(4):  # the member's own, and through the bot's own key: the member's doing
        api_ok(regenerate(client, member, f"/bots/{bot.id}"))
    assert len(delivered(app, smtp, REGENERATED)) == 4
    regenerate_as_admin(people, bot.id, 2)  # and the allowance is untouched
    assert len(delivered(app, smtp, REGENERATED)) == 6
    assert delivered(app, smtp, HELD_BACK) == []


def test_a_flood_of_leak_reports_is_limited_but_every_key_dies(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=2, MAX_NAMED_KEYS=10, **smtp.settings())
    people = organization(app)
    member = (people.member.email, people.member.key)
    client = app.test_client()
    named = [str(api_ok(create_key(client, member, f"ci {n}"))["api_key"]) for n in range(5)]
    delivered(app, smtp)
    smtp.received.clear()
    report_leak(client, *named)  # one report, one transaction: five notices' worth
    assert [str(m["Subject"]) for m in delivered(app, smtp)] == [
        "API key revoked: reported leaked",
        "API key revoked: reported leaked",
        HELD_BACK,
    ]
    for key in named:
        assert client.get("/api/v1/users/me", auth=(people.member.email, key)).status_code == 401


def test_a_password_reset_still_goes_once_the_allowance_is_spent(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=1, **smtp.settings())
    people = organization(app)
    bot = bot_of(people.member_browser)
    regenerate_as_admin(people, bot.id, 3)
    ask_for_reset(app.test_client(), people.member.email)
    assert len(delivered(app, smtp, "Reset your password")) == 1


def test_the_limit_holds_across_nodes(make_app: Callable[..., Flask], smtp: SmtpServer) -> None:
    first = make_app(NOTICES_FROM_OTHERS_PER_HOUR=3, **smtp.settings())
    second = make_app(NOTICES_FROM_OTHERS_PER_HOUR=3, **smtp.settings())  # same database
    people = organization(first)
    bot = bot_of(people.member_browser)
    admin_on_second = browser_as(second, people.admin)
    for _ in range(4):
        regenerate_as_admin(people, bot.id, 1)
        assert confirm(admin_on_second, f"{ORG}/bots/{bot.id}/regenerate").status_code == 302
    assert len(delivered(first, smtp, REGENERATED)) == 3
    assert len(delivered(first, smtp, HELD_BACK)) == 1


def test_no_limit_when_set_to_zero(make_app: Callable[..., Flask], smtp: SmtpServer) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=0, **smtp.settings())
    people = organization(app)
    bot = bot_of(people.member_browser)
    regenerate_as_admin(people, bot.id, 12)
    assert len(delivered(app, smtp, REGENERATED)) == 12


def test_a_negative_limit_stops_the_app_at_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="NOTICES_FROM_OTHERS_PER_HOUR"):
        make_app(NOTICES_FROM_OTHERS_PER_HOUR=-1)


def test_the_summary_is_in_the_recipients_language(
    make_app: Callable[..., Flask], smtp: SmtpServer
) -> None:
    app = make_app(NOTICES_FROM_OTHERS_PER_HOUR=1, **smtp.settings())
    people = organization(app)
    bot = bot_of(people.member_browser)
    with app.app_context():
        db.session().get_one(User, people.member.id).language = "zh_Hans"
        db.session().commit()
    regenerate_as_admin(people, bot.id, 2)
    [summary] = delivered(app, smtp, "部分安全通知已暂缓发送")
    assert "过去一小时内，已向你发送 1 封通知" in body_of(summary)  # noqa: RUF001
