"""Revoke everything: every key of a user and of each of their bots, with new primary keys
in their place, and every other login session signed out. No web code here: the Account &
privacy page and `flask keys revoke-all` call revoke_all; a password change that asks for
new keys calls replace_every_key in its own transaction.
"""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core import audit, clock, db
from app.core.models import ApiKey, User
from app.keys import primary
from app.notifications import not_me, notices
from app.people import accounts


@db.unit_of_work
def revoke_all(session: Session, user: User, *, actor_id: int | None) -> int:
    """Revoke the user's and their bots' keys (primary, named, rolled in their overlap),
    mint new primary keys (not shown: revealed later the usual way), and end every login
    session of the user; audited and committed. Returns how many bots it covered.

    The caller that wants to stay logged in (the page) renews its own session afterwards:
    ending "every other session" is "all of them, then this one again".
    """
    bots = replace_every_key(session, user, actor_id=actor_id)
    accounts.invalidate_login_sessions(user)
    record = primary.active_key(session, user.id)
    assert record is not None  # just minted
    notices.keys_revoked_all(session, user, actor_id=actor_id, bots=bots, record=record)
    return bots


def replace_every_key(session: Session, user: User, *, actor_id: int | None) -> int:
    """Within the caller's transaction: revoke every key of the user and their bots, mint
    new primary keys, and audit it; returns how many bots it covered. It refreshes ``user``
    from the database, so call it before changing the user."""
    # The owner first (so no bot is added meanwhile), then the bots: the order every writer keeps.
    db.lock_for_write(session, User, [user.id])
    bots = list(session.scalars(select(User).where(User.bot_owner_id == user.id)))
    db.lock_for_write(session, User, [bot.id for bot in bots])
    session.refresh(user)  # as of the lock: no lost update of the session generation
    holders = [user, *bots]
    # Decoys stay: they give nobody anything, and whoever took the rest may try them next.
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.user_id.in_([holder.id for holder in holders]),
            ApiKey.revoked_at.is_(None),
            ApiKey.decoy.is_(False),
        )
        .values(revoked_at=clock.now())
    )
    for holder in holders:
        primary.mint(session, holder)
    audit.record(
        session,
        "all_keys_revoked",
        actor_id=actor_id,
        subject_user_id=user.id,
        detail={"bots": len(bots)},
    )
    return len(bots)


@db.unit_of_work
def stop_reported_key(session: Session, token: str) -> not_me.Report:
    """Act on a "This wasn't me" link: stop the key it names (a primary key is replaced with
    a new one, revealed later the usual way; any other is revoked) and sign its person out
    everywhere; audited as reported_not_me and committed. Raises not_me.LinkRefused (and
    then nothing changes)."""
    facts = not_me.facts_of(token)
    # The person and the holder (the same, or a bot's owner first) before reading the key:
    # a concurrent click then finds the key already stopped.
    db.lock_for_write(session, User, [facts["p"], facts["h"]])
    report = not_me.report_of(session, facts)
    if report.replaces:
        primary.mint(session, report.holder)
    else:
        report.key.revoked_at = clock.now()
    accounts.invalidate_login_sessions(report.person)
    audit.record(
        session,
        "reported_not_me",
        actor_id=None,  # whoever holds the emailed link: not a login
        subject_user_id=report.holder.id,
        detail={"key_name": report.key.name, "key_hint": report.key.hint},
    )
    return report
