"""Your bots: the list shows key hints only; a bot's full key, its regeneration and rc file."""

import tomllib

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.bots import lifecycle
from app.core import db
from app.core.models import User
from tests.helpers.admin import audit_events, audit_types, count_users
from tests.helpers.api import api_me
from tests.helpers.users import Account
from tests.helpers.web import BOTS, create_bot, key_in, post_form

# The list


def test_empty_lists_say_so(logged_in: FlaskClient) -> None:
    page = logged_in.get(BOTS).get_data(as_text=True)
    assert "You have no active bots." in page
    assert "You have no inactive bots." in page


def test_the_list_shows_hints_but_never_a_full_key(logged_in: FlaskClient) -> None:
    made = [create_bot(logged_in, username=name) for name in ("alpha", "beta", "gamma")]
    response = logged_in.get(BOTS)
    page = response.get_data(as_text=True)
    for bot in made:
        assert bot.key not in page
        assert "••••" + bot.key[-4:] in page
        assert bot.email in page
    assert "never used" in page


def test_the_list_page_runs_a_fixed_number_of_queries(
    app: Flask, logged_in: FlaskClient, user: Account
) -> None:
    def queries_for_list_page() -> int:
        statements: list[str] = []
        engine = app.extensions["keyfob.engine"]

        def count(*_args: object) -> None:
            statements.append("query")

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert logged_in.get(BOTS).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def add_bots(number: int) -> None:
        with app.test_request_context():
            session = db.session()
            owner = session.get_one(User, user.id)
            start = count_users(app, User.is_bot.is_(True))
            for index in range(start, start + number):
                lifecycle.create(session, owner, f"Bot {index}", f"bot{index}")
            session.commit()

    add_bots(1)
    with_one = queries_for_list_page()
    add_bots(49)
    assert "Bot 49" in logged_in.get(BOTS).get_data(as_text=True)
    assert queries_for_list_page() == with_one


# Keys and rc files


def test_show_key_reveals_it_audited_and_uncached(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = logged_in.get(f"{BOTS}/{bot.id}/key")
    assert key_in(response.get_data(as_text=True)) == bot.key
    assert response.headers["Cache-Control"] == "no-store"
    last = audit_events(app)[-1]
    assert (last.event_type, last.subject_user_id) == ("api_key_revealed", bot.id)


def test_regenerating_asks_to_confirm_first(logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    page = logged_in.get(f"{BOTS}/{bot.id}/regenerate").get_data(as_text=True)
    assert "Any script or integration still using the old key will stop working." in page
    assert api_me(logged_in, bot.email, bot.key).status_code == 200


def test_regenerating_replaces_the_bots_key(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = post_form(logged_in, BOTS, {}, action=f"{BOTS}/{bot.id}/regenerate")
    assert response.location == f"{BOTS}/{bot.id}/key"
    new_key = key_in(logged_in.get(response.location).get_data(as_text=True))
    assert new_key.startswith("kfb_") and new_key != bot.key
    assert api_me(logged_in, bot.email, bot.key).status_code == 401
    assert api_me(logged_in, bot.email, new_key).status_code == 200
    assert "api_key_regenerated" in audit_types(app)


def test_the_bots_zuliprc_round_trips(app: Flask, logged_in: FlaskClient) -> None:
    bot = create_bot(logged_in)
    response = logged_in.get(f"{BOTS}/{bot.id}/zuliprc")
    assert response.headers["Content-Disposition"] == 'attachment; filename="zuliprc"'
    assert response.headers["Cache-Control"] == "no-store"
    assert tomllib.loads(response.get_data(as_text=True)) == {
        "api": {"email": bot.email, "key": bot.key, "site": "http://localhost"}
    }
    last = audit_events(app)[-1]
    assert (last.event_type, last.subject_user_id) == ("rc_downloaded", bot.id)
