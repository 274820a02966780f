"""Accepting offered bots under real parallel requests against a live server, on SQLite and
PostgreSQL: a bot changes hands once, and the receiver's bot limit holds."""

from collections.abc import Callable

import httpx
from flask import Flask
from sqlalchemy import select

from app.core import db
from app.core.models import ApiKey, AuditEvent, User
from tests.helpers.admin import audit_events, count_users
from tests.helpers.admin_api import new_bot, update_bot
from tests.helpers.api import api_ok
from tests.helpers.bot_offers import offered_by_in
from tests.helpers.live import at_once, browser_logged_in, serve
from tests.helpers.users import MakeUser
from tests.helpers.web import BOTS, csrf_token_in


def accept_in_tabs(url: str, email: str, bot_ids: list[int]) -> list[int]:
    """The receiver's tabs, one per bot id, all confirming at once: each one's status."""
    browser = browser_logged_in(url, email)
    token = csrf_token_in(browser.get(BOTS).text)
    shown = {
        bot_id: offered_by_in(browser.get(f"{BOTS}/offers/{bot_id}/accept").text)
        for bot_id in set(bot_ids)
    }

    def confirm(index: int) -> int:
        path = f"{BOTS}/offers/{bot_ids[index]}/accept"
        form = {"csrf_token": token, "offered_by": shown[bot_ids[index]]}
        with httpx.Client(base_url=url, cookies=browser.cookies, timeout=30) as tab:
            return tab.post(path, data=form).status_code

    return at_once(len(bot_ids), confirm)


def live_keys(app: Flask, holder_id: int) -> int:
    with app.app_context():
        query = select(ApiKey.id).where(ApiKey.user_id == holder_id, ApiKey.revoked_at.is_(None))
        return len(db.session().scalars(query).all())


def test_one_offer_accepted_in_many_tabs_at_once_changes_hands_once(
    app: Flask, make_user: MakeUser
) -> None:
    owner, grace = make_user(), make_user()
    client = app.test_client()
    bot = new_bot(client, owner, "relay")
    api_ok(update_bot(client, owner, bot.id, bot_owner_id=grace.id))
    with serve(app) as url:
        statuses = accept_in_tabs(url, grace.email, [bot.id] * 10)
    assert sorted(statuses) == [302] + [404] * 9
    assert len(audit_events(app, AuditEvent.event_type == "bot_owner_changed")) == 1
    assert live_keys(app, bot.id) == 1
    assert count_users(app, User.bot_owner_id == grace.id) == 1


def test_many_offers_accepted_at_once_meet_the_bot_limit(
    make_app: Callable[..., Flask], make_user: MakeUser
) -> None:
    app = make_app(MAX_BOTS_PER_USER=2)
    grace, client = make_user(), app.test_client()
    offered = []
    for number in range(8):
        owner = make_user()
        bot = new_bot(client, owner, f"relay{number}")
        api_ok(update_bot(client, owner, bot.id, bot_owner_id=grace.id))
        offered.append(bot.id)
    with serve(app) as url:
        accept_in_tabs(url, grace.email, offered)
    assert count_users(app, User.bot_owner_id == grace.id) == 2
    assert len(audit_events(app, AuditEvent.event_type == "bot_owner_changed")) == 2
