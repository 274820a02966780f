"""What counting keeps is bounded: a key's addresses a day are bounded across writes, not
only within one, and a key deleted while its counts waited takes none of them."""

from datetime import date

from flask import Flask
from sqlalchemy import delete, func, select

from app.core import db
from app.core.models import ApiKey, KeyUsage
from app.keys import call_counts
from tests.helpers.users import MakeUser


def rows(app: Flask, facet: str) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(KeyUsage.name).where(KeyUsage.facet == facet)))


def key_id_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        return int(db.session().scalar(select(ApiKey.id).where(ApiKey.user_id == user_id)) or 0)


def test_a_keys_networks_a_day_are_bounded_across_writes(app: Flask) -> None:
    key_id = key_id_of(app, MakeUser(app)().id)
    with app.app_context():
        counts = call_counts.counts()
        for n in range(call_counts.ADDRESSES_A_DAY + 20):
            counts.note(
                key_id, "scope", day=date(2026, 12, 6), address=f"10.{n // 250}.{n % 250}.1"
            )
            counts.write()  # as a flush every call would
    networks = rows(app, call_counts.NETWORK)
    assert len(networks) == call_counts.ADDRESSES_A_DAY + 1
    assert call_counts.OTHER in networks


def test_counts_of_a_key_deleted_meanwhile_are_dropped(app: Flask) -> None:
    key_id = key_id_of(app, MakeUser(app)().id)
    with app.app_context():
        call_counts.counts().note(key_id, "expired", day=date(2026, 12, 6), address="203.0.113.9")
        session = db.session()
        session.execute(delete(ApiKey).where(ApiKey.id == key_id))
        session.commit()
        call_counts.counts().write()
        assert db.session().scalar(select(func.count()).select_from(KeyUsage)) == 0
