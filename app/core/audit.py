"""The audit log: who did what to whose key, from where. Never a key or a password."""

import logging
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.core import clock, metrics
from app.core.characters import without_control_characters
from app.core.client_ip import UNKNOWN, client_ip
from app.core.i18n import gettext as _
from app.core.models import AuditEvent, User

__all__ = ["EVENT_LABELS", "AuditEvent", "label", "record", "request_client", "security_log"]

SECURITY_LOG_LENGTH = 50
USER_AGENT_MAX = 255  # the audit column's length
log = logging.getLogger("keyfob.audit")  # the same events, for log shippers

# Every event type the code records, with the label the security log shows.
EVENT_LABELS = {
    "user_registered": _l("Account created"),
    "login_succeeded": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "reauth_succeeded": _l("Password confirmed"),
    "reauth_failed": _l("Wrong password entered"),
    "password_rate_limited": _l("Password attempts refused: too many failures"),
    "api_key_revealed": _l("API key shown"),
    "api_key_regenerated": _l("API key regenerated"),
    "rolled_key_used": _l("Replaced API key used during its overlap"),
    "named_key_created": _l("Named API key created"),
    "api_key_revoked": _l("API key revoked"),
    "all_keys_revoked": _l("All API keys revoked"),
    "reported_not_me": _l("Key stopped from a “This wasn't me” link"),
    "rc_downloaded": _l("zuliprc downloaded"),
    "api_key_fetched": _l("API key fetched with password"),
    "api_key_fetch_failed": _l("Failed API key fetch"),
    "bot_created": _l("Bot created"),
    "bot_deactivated": _l("Bot deactivated"),
    "bot_reactivated": _l("Bot reactivated"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "role_changed": _l("Role changed"),
    "policy_changed": _l("Organization policy changed"),
    "bot_owner_changed": _l("Bot transferred to another owner"),
    "bot_transfer_offered": _l("Bot offered to another person"),
    "bot_transfer_declined": _l("Bot offer declined"),
    "bot_transfer_withdrawn": _l("Bot offer withdrawn"),
    "bot_renamed": _l("Bot renamed"),
    "password_changed": _l("Password changed"),
    "password_reset_requested": _l("Password reset link requested"),
    "password_reset": _l("Password reset with an emailed link"),
    "api_key_reported_leaked": _l("API key revoked: reported leaked"),
    "bot_key_revealed_by_admin": _l("Bot's API key shown by an administrator"),
    "api_key_paused": _l("API key paused"),
    "stale_key_expired": _l("Unused API key expired by the organization's policy"),
    "api_key_resumed": _l("API key resumed"),
    "api_key_networks_changed": _l("API key's allowed networks changed"),
    "api_key_refused_network": _l("API key refused: used from a network it does not allow"),
    "api_key_budget_changed": _l("API key's request budget changed"),
    "decoy_key_created": _l("Decoy API key created"),
    "decoy_key_removed": _l("Decoy API key removed"),
    "decoy_key_used": _l("Decoy API key used"),
    "decoy_key_reported": _l("Decoy API key reported found in public"),
    "api_token_minted": _l("Short-lived token minted"),
    "api_token_revoked": _l("Short-lived token revoked"),
    "api_token_reported_leaked": _l("Short-lived token revoked: reported leaked"),
    "second_factor_added": _l("Authenticator app added"),
    "second_factor_removed": _l("Authenticator app removed"),
    "second_factor_reset": _l("Two-factor authentication reset by an administrator"),
    "second_factor_failed": _l("Wrong second-factor code entered"),
    "recovery_codes_replaced": _l("New recovery codes made"),
    "recovery_code_used": _l("Recovery code used"),
    "passkey_added": _l("Passkey added"),
    "passkey_removed": _l("Passkey removed"),
    "second_factor_reported_not_me": _l("Second factor removed: reported as not them"),
}


def record(
    session: Session,
    event_type: str,
    *,
    actor_id: int | None,
    subject_user_id: int | None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's commit keeps it with the change)."""
    if event_type not in EVENT_LABELS:
        raise ValueError(f"unknown audit event type {event_type!r}")
    ip, user_agent = request_client()
    event = AuditEvent(
        created_at=clock.now(),
        actor_id=actor_id,
        subject_user_id=subject_user_id,
        event_type=event_type,
        ip=ip,
        user_agent=user_agent,
        detail=detail or {},
    )
    session.add(event)
    metrics.audited(session, event_type, event.detail)
    log.info("%s actor=%s subject=%s ip=%s", event_type, actor_id, subject_user_id, event.ip)
    return event


def request_client() -> tuple[str | None, str | None]:
    """The client's validated IP and its User-Agent, cut to fit their columns."""
    if not has_request_context():
        return None, None
    ip = client_ip()
    # Control characters go before the cut: PostgreSQL refuses NUL in text outright.
    user_agent = without_control_characters(request.user_agent.string)[:USER_AGENT_MAX]
    return (ip if ip != UNKNOWN else None), user_agent or None


def label(event: AuditEvent, viewer_id: int) -> str:
    """What the security log says of an event, naming the bot when it is about one."""
    text = str(EVENT_LABELS.get(event.event_type, event.event_type))
    key = _key_named_in(event.detail or {})
    if key:
        text = _("%(event)s (%(key)s)", event=text, key=key)
    if event.subject is not None and event.subject.id != viewer_id:
        return str(_("%(event)s: %(name)s", event=text, name=event.subject.full_name))
    return text


def _key_named_in(detail: dict[str, Any]) -> str:
    """Which key (or passkey) an event was about, by name and hint, for the security log."""
    passkey = detail.get("passkey_name")
    if passkey:
        return str(passkey)
    hint = detail.get("key_hint")
    if not hint:
        return ""
    name = detail.get("key_name")
    return f"{name} …{hint}" if name else f"…{hint}"


def security_log(session: Session, user_id: int) -> list[AuditEvent]:
    """The newest events about the user, done by the user, or about a bot of theirs since it
    became theirs: a bot's history under a previous owner (their addresses and browsers)
    stays in the organization's audit log."""
    own_bots = select(User.id).where(User.bot_owner_id == user_id)
    handover = aliased(AuditEvent)
    last_handover = (
        select(func.max(handover.created_at))
        .where(
            handover.subject_user_id == AuditEvent.subject_user_id,
            handover.event_type == "bot_owner_changed",
        )
        .scalar_subquery()
    )
    about_a_bot_of_theirs = AuditEvent.subject_user_id.in_(own_bots) & or_(
        last_handover.is_(None), AuditEvent.created_at >= last_handover
    )
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.subject_user_id == user_id,
                    AuditEvent.actor_id == user_id,
                    about_a_bot_of_theirs,
                )
            )
            .options(joinedload(AuditEvent.subject))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(SECURITY_LOG_LENGTH)
        )
    )
