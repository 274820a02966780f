"""Security notices by email: each tells the owner (for a bot, its owner) what happened to
which key, when, and from which IP address and browser. A person may turn off notices of
their own routine actions; notices of what someone else did, of a leak or of an expiry are
always sent. Queued within the caller's transaction (app/notifications/mail), so a notice
goes only if what it tells of was committed.

What people typed (names, a user agent, a leak's source) is quoted by the mail templates
themselves (app/notifications/mail/compose.py); the facts Keyfob made are passed as ``Verbatim``.

Notices a person did not cause (another person's action on their keys or bots, a leak
report) are limited per recipient: NOTICES_FROM_OTHERS_PER_HOUR of them in any hour, then
one notice saying that more are held back, then none until the hour has passed. The count
is of the rows in outbound_mail, read in the caller's transaction, so it holds across
processes and nodes."""

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit, clock, hosts
from app.core.models import ApiKey, OutboundMail, User
from app.notifications import mail, not_me, seen_addresses
from app.notifications.mail.compose import Verbatim

WHEN_FORMAT = "%Y-%m-%d %H:%M UTC"
LIMIT_WINDOW = timedelta(hours=1)
log = logging.getLogger("keyfob.notices")


def when(moment: datetime) -> Verbatim:
    """A moment as every notice prints it: the same in each language, and unambiguous."""
    return Verbatim(moment.strftime(WHEN_FORMAT))


def _hint(record: ApiKey) -> Verbatim:
    return Verbatim(record.hint)  # the key's last four characters: Keyfob's alphabet


def key_regenerated(
    session: Session, user: User, *, actor_id: int | None, record: ApiKey, grace: timedelta
) -> None:
    overlap_ends = when(clock.now() + grace) if grace else None
    notify(
        session,
        user,
        "key_regenerated",
        subject=_l("API key regenerated"),
        routine_for=actor_id,
        reportable=record,
        hint=_hint(record),
        grace_seconds=int(grace.total_seconds()),
        overlap_ends=overlap_ends,
    )


def key_created(session: Session, holder: User, *, actor_id: int, record: ApiKey) -> None:
    """A named key was made for a person or a bot."""
    notify(
        session,
        holder,
        "key_created",
        subject=_l("New API key created"),
        routine_for=actor_id,
        reportable=record,
        key_name=record.name,
        hint=_hint(record),
        expires=when(record.expires_at) if record.expires_at else None,
    )


def key_paused(
    session: Session, holder: User, *, actor_id: int, record: ApiKey, paused: bool
) -> None:
    """A key was paused or resumed (app/keys/restrictions.py)."""
    notify(
        session,
        holder,
        "key_paused" if paused else "key_resumed",
        subject=_l("API key paused") if paused else _l("API key resumed"),
        routine_for=actor_id,
        reportable=None if paused else record,
        key_name=record.name,
        hint=_hint(record),
    )


def key_networks_changed(
    session: Session, holder: User, *, actor_id: int, record: ApiKey, allowed: list[str]
) -> None:
    """The networks a key may be used from were changed (an empty list: anywhere)."""
    notify(
        session,
        holder,
        "key_networks_changed",
        subject=_l("API key's allowed networks changed"),
        routine_for=actor_id,
        reportable=record,
        key_name=record.name,
        hint=_hint(record),
        networks=Verbatim(", ".join(allowed)) if allowed else None,
    )


def key_budget_changed(session: Session, holder: User, *, actor_id: int, record: ApiKey) -> None:
    """A key's request budget was set, changed or lifted (app/keys/budgets.py)."""
    notify(
        session,
        holder,
        "key_budget_changed",
        subject=_l("API key's request budget changed"),
        routine_for=actor_id,
        reportable=record,
        key_name=record.name,
        hint=_hint(record),
        budget=record.rate_limit_per_minute,
    )


def key_refused_network(session: Session, holder: User, *, record: ApiKey, endpoint: str) -> None:
    """The right key was used from a network it does not allow: whoever holds it is
    somewhere else; the notice's address is theirs. Always told (once per address and
    day: app/keys/restrictions.py)."""
    notify(
        session,
        holder,
        "key_refused_network",
        subject=_l("API key used from a network it does not allow"),
        from_stranger=True,
        reportable=record,
        key_name=record.name,
        hint=_hint(record),
        endpoint=Verbatim(endpoint),  # a route of the API, never what the caller typed
    )


def bot_created(session: Session, bot: User, *, actor_id: int, record: ApiKey) -> None:
    notify(
        session,
        bot,
        "bot_created",
        subject=_l("New bot created"),
        routine_for=actor_id,
        reportable=record,
        hint=_hint(record),
    )


def key_revealed(session: Session, holder: User, *, record: ApiKey, how: str) -> None:
    """A key was shown (``how``: shown, fetched with the password, or downloaded in an rc
    file). Told only when it left for an address this person's keys never left for before;
    the very first one counts, as the first time the key left the server. An unknown
    address (no request, or a client address the proxy settings cannot vouch for) is
    told every time: it cannot be recognised. Never routine: a key leaving for a new
    address is what a stolen login looks like, so it is told even with routine notices off."""
    person = mail.recipient_for(holder)
    ip, _user_agent = audit.request_client()
    if person is None or (ip is not None and not seen_addresses.first_time(session, person.id, ip)):
        return
    notify(
        session,
        holder,
        "key_revealed",
        subject=_l("API key shown from a new IP address"),
        reportable=record,
        how=how,
        key_name=record.name,
        hint=_hint(record),
    )


def key_used_from_new_network(
    session: Session, holder: User, *, record: ApiKey, network: str
) -> None:
    """A key was used, successfully, from a network none of its person's keys was used or
    shown from before (app/notifications/seen_addresses.py): told once per network, never
    as routine (as a reveal to a new address is), with the "This wasn't me" link. Notify,
    never block: a new place is not proof of anything."""
    person = mail.recipient_for(holder)
    if person is None or seen_addresses.knows_network(session, person.id, network):
        return
    # A key used from a whole range of networks (a leaked key behind an IPv6 /32) makes the
    # first twenty a day known and told, not a row and a mail for each.
    if not current_app.extensions["keyfob.new_networks"].take(str(person.id)):
        return
    if not seen_addresses.first_time_network(session, person.id, network):
        return
    notify(
        session,
        holder,
        "key_new_network",
        subject=_l("API key used from a new network"),
        from_stranger=True,  # whoever holds the key: counted as others' notices are
        reportable=record,
        key_name=record.name,
        hint=_hint(record),
        network=Verbatim(network),  # written by Keyfob (seen_addresses.network_of)
    )


def decoy_key_used(
    session: Session,
    holder: User,
    *,
    record: ApiKey,
    administrators: list[User],
    endpoint: str | None = None,
    source: str | None = None,
) -> None:
    """A decoy was used (``endpoint``: the route called) or reported found (``source``:
    where, as the reporter says): told to its person and to every administrator, never as
    routine. app/keys/decoys.py limits how often, by limits of their own: these alerts do
    not count against anyone's allowance of notices caused by others, so that a member
    tripping their own decoys cannot silence the administrators' other notices."""
    person = mail.recipient_for(holder)
    told = [person] if person is not None else []
    told += [admin for admin in administrators if person is None or admin.id != person.id]
    for recipient in told:
        notify(
            session,
            holder,
            "decoy_key_used",
            subject=_l("Decoy API key used"),
            to=recipient,
            key_name=record.name,
            hint=_hint(record),
            endpoint=Verbatim(endpoint) if endpoint else None,  # a route of the API
            source=source,  # the reporter's text: quoted, never a link
        )


def keys_revoked_all(
    session: Session, user: User, *, actor_id: int | None, bots: int, record: ApiKey
) -> None:
    """Every key of ``user`` and their bots was revoked: one notice, however many keys.
    Done by an administrator (``actor_id`` None), it carries no "wasn't me" link."""
    notify(
        session,
        user,
        "keys_revoked_all",
        subject=_l("All your API keys were revoked"),
        routine_for=actor_id,
        reportable=record if actor_id is not None else None,
        bots=bots,
        by_administrator=actor_id is None,
    )


def key_expiring(session: Session, holder: User, *, record: ApiKey, days: int) -> None:
    """A key stops working within ``days`` days: always sent, with no link (nobody acted)."""
    assert record.expires_at is not None
    notify(
        session,
        holder,
        "key_expiring",
        subject=_l("An API key expires soon"),
        key_name=record.name,
        hint=_hint(record),
        days=days,
        expires=when(record.expires_at),
    )


def notify(
    session: Session,
    user: User,
    template: str,
    *,
    subject: object,
    routine_for: int | None = None,
    from_stranger: bool = False,
    reportable: ApiKey | None = None,
    to: User | None = None,
    **facts: Any,
) -> None:
    """Queue ``template`` about ``user``. ``routine_for``: the acting user's id when this is
    a routine action, skipped if the recipient did it and turned such notices off (what
    anyone else did, a leak or an expiry passes no ``routine_for`` and always goes).
    An action of anyone but the recipient (or their own bot), and what ``from_stranger``
    marks (a leak report), counts against the recipient's hourly allowance of notices
    caused by others. ``reportable``: the key a "This wasn't me" link in the notice would
    stop. ``to``: an active person to tell instead of ``user``'s (an administrator). Text in
    ``facts`` is quoted in the message unless it is Verbatim."""
    recipient = mail.recipient_for(user) if to is None else to if to.is_active else None
    if recipient is None:
        return
    if routine_for == recipient.id and not recipient.routine_notices:
        return
    unsolicited = from_stranger or (
        routine_for is not None and not _caused_by(session, routine_for, recipient)
    )
    if unsolicited and not _within_allowance(session, user, recipient):
        return
    link = not_me.link(recipient, reportable) if reportable is not None else None
    ip, user_agent = audit.request_client()
    mail.queue(
        session,
        user,
        subject=subject,
        template=template,
        unsolicited=unsolicited,
        to=recipient,
        when=when(clock.now()),
        ip=Verbatim(ip) if ip else None,  # a valid address (app/core/client_ip.py)
        user_agent=user_agent,
        realm=Verbatim(current_app.config["REALM_NAME"]),
        not_me_url=Verbatim(link) if link else None,
        link_hours=not_me.TOKEN_HOURS,
        **facts,
    )


def _caused_by_others_this_hour(session: Session, recipient: User) -> int:
    """Notices caused by others queued for ``recipient`` within the last hour, this
    transaction's own included (the session flushes them before it counts)."""
    since = clock.now() - LIMIT_WINDOW
    counted = select(func.count()).where(
        OutboundMail.user_id == recipient.id,
        OutboundMail.unsolicited.is_(True),
        OutboundMail.created_at > since,
    )
    return session.scalar(counted) or 0


def _caused_by(session: Session, actor_id: int, recipient: User) -> bool:
    """Whether the recipient did it, themselves or through one of their bots' keys."""
    if actor_id == recipient.id:
        return True
    actor = session.get(User, actor_id)
    return actor is not None and actor.bot_owner_id == recipient.id


def _within_allowance(session: Session, user: User, recipient: User) -> bool:
    """Whether one more notice caused by others may go to ``recipient`` this hour. The one
    past the allowance becomes a notice that more are held back; later ones go nowhere
    (the security log keeps every event) until the hour has passed."""
    allowance: int = current_app.config["NOTICES_FROM_OTHERS_PER_HOUR"]
    if allowance <= 0:  # 0: no limit
        return True
    sent = _caused_by_others_this_hour(session, recipient)
    if sent < allowance:
        return True
    if sent == allowance:
        mail.queue(
            session,
            user,
            subject=_l("Security notices held back"),
            template="notices_held_back",
            unsolicited=True,  # counts too: nothing more this hour
            to=recipient,
            when=when(clock.now()),
            ip=None,
            user_agent=None,
            realm=Verbatim(current_app.config["REALM_NAME"]),
            allowance=allowance,
        )
    log.info("notice to user %d held back: %d caused by others this hour", recipient.id, sent)
    return False


# Passwords (app/people/password_change.py, app/people/password_reset.py): always sent,
# never routine.


def password_changed(
    session: Session, user: User, *, choices: dict[str, bool], reset_url: str
) -> None:
    facts: dict[str, Any] = {"reset_url": Verbatim(reset_url), **choices}
    notify(session, user, "password_changed", subject=_l("Your password was changed"), **facts)


def forgot_url() -> Verbatim:
    """The "Forgot your password?" page (app/web/accounts/password_reset.py), from any app."""
    return Verbatim(hosts.site_url() + FORGOT_PASSWORD_PATH)


FORGOT_PASSWORD_PATH = "/password/forgot"  # noqa: S105 (a page, not a password)


def password_reset_link(session: Session, user: User, *, link: str, minutes: int) -> None:
    subject = _l("Reset your password")
    notify(
        session, user, "password_reset_link", subject=subject, link=Verbatim(link), minutes=minutes
    )


def password_reset_done(session: Session, user: User, *, reset_url: str) -> None:
    notify(
        session,
        user,
        "password_reset_done",
        subject=_l("Your password was reset"),
        reset_url=Verbatim(reset_url),
    )


def key_leaked(
    session: Session,
    user: User,
    *,
    hint: str,
    key_name: str | None,
    source: str | None,
    replaced: bool,
    token: bool = False,
) -> None:
    """A key (``token``: a short-lived token) was reported leaked and revoked
    (app/keys/leaks.py): never routine, and caused by a stranger, so within the allowance of
    notices caused by others. ``source`` is the reporter's text: the notice quotes it,
    never as a link."""
    notify(
        session,
        user,
        "key_leaked",
        subject=_l("Short-lived token revoked: reported leaked")
        if token
        else _l("API key revoked: reported leaked"),
        from_stranger=True,
        hint=Verbatim(hint),
        key_name=key_name,
        source=source,
        replaced=replaced,
        token=token,
    )


def bot_key_revealed_by_admin(
    session: Session, bot: User, *, administrator: User, record: ApiKey
) -> None:
    """An administrator was shown a bot's key (app/organization/administration.py): its
    owner is told, every time, with who it was; routine only if the owner showed it to
    themselves."""
    notify(
        session,
        bot,
        "bot_key_revealed_by_admin",
        subject=_l("An administrator was shown your bot's API key"),
        routine_for=administrator.id,
        reportable=record,
        administrator=administrator.full_name,
        hint=_hint(record),
    )


# Bots changing hands (app/bots/offers.py, app/bots/ownership.py).


def bot_offered(
    session: Session, receiver: User, *, bot: User, giver: User, expires_at: datetime
) -> None:
    """``giver`` offered ``bot`` to ``receiver``: told to the receiver, who did not cause it
    (so it counts against their allowance of notices caused by others)."""
    notify(
        session,
        receiver,
        "bot_offered",
        subject=_l("A bot was offered to you"),
        routine_for=giver.id,
        bot_name=bot.full_name,
        bot_email=Verbatim(bot.email),
        giver=giver.full_name,
        expires=when(expires_at),
    )


def bot_handed_over(
    session: Session, bot: User, *, previous_owner: User, actor: User, how: str
) -> None:
    """``bot`` now belongs to someone else, with new keys: its previous owner is told (their
    copies of its keys stopped), and so is its new owner when an administrator gave it."""
    new_owner = bot.bot_owner
    assert new_owner is not None
    notify(
        session,
        previous_owner,
        "bot_given_away",
        subject=_l("Your bot now belongs to someone else"),
        routine_for=actor.id,
        bot_name=bot.full_name,
        bot_email=Verbatim(bot.email),
        new_owner=new_owner.full_name,
    )
    if how == "administrator":
        notify(
            session,
            bot,
            "bot_received",
            subject=_l("A bot was given to you"),
            routine_for=actor.id,
            administrator=actor.full_name,
        )
