"""The organization-wide audit log of the admin console: filtered by person, bot, event type
and date range, a page at a time, and exported as CSV. No web code here."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from app.core import audit
from app.core.models import AuditEvent
from app.organization.spreadsheet import csv_text

PAGE_LENGTH = 100
EXPORT_MAX = 50_000  # rows in one CSV file; narrow the filters for more
CSV_COLUMNS = (
    "time",
    "event",
    "actor_id",
    "actor",
    "subject_id",
    "subject",
    "ip",
    "user_agent",
    "detail",
)


@dataclass(frozen=True)
class Filters:
    """What to show: events by or about a person, about a bot, of one type, between two
    days (inclusive, UTC). None: no filter."""

    user_id: int | None = None
    bot_id: int | None = None
    event_type: str | None = None
    since: date | None = None
    until: date | None = None


def _query(filters: Filters) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if filters.user_id is not None:
        query = query.where(
            or_(
                AuditEvent.actor_id == filters.user_id,
                AuditEvent.subject_user_id == filters.user_id,
            )
        )
    if filters.bot_id is not None:
        query = query.where(AuditEvent.subject_user_id == filters.bot_id)
    if filters.event_type is not None:
        query = query.where(AuditEvent.event_type == filters.event_type)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return query.options(joinedload(AuditEvent.subject), joinedload(AuditEvent.actor)).order_by(
        AuditEvent.created_at.desc(), AuditEvent.id.desc()
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def page(session: Session, filters: Filters, number: int) -> tuple[list[AuditEvent], bool]:
    """The ``number``th page (from 1) of matching events, newest first, and whether an older
    page follows."""
    rows = list(
        session.scalars(
            _query(filters).offset((number - 1) * PAGE_LENGTH).limit(PAGE_LENGTH + 1)
        ).unique()
    )
    return rows[:PAGE_LENGTH], len(rows) > PAGE_LENGTH


def export_csv(session: Session, filters: Filters) -> str:
    """The matching events (at most EXPORT_MAX, newest first) as CSV text."""
    events = session.scalars(_query(filters).limit(EXPORT_MAX)).unique()
    return csv_text(CSV_COLUMNS, (_cells(event) for event in events))


def _cells(event: AuditEvent) -> list[str]:
    actor, subject = event.actor, event.subject
    return [
        event.created_at.isoformat(),
        event.event_type,
        str(event.actor_id or ""),
        actor.email if actor is not None else "",
        str(event.subject_user_id or ""),
        subject.email if subject is not None else "",
        event.ip or "",
        event.user_agent or "",
        json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True),
    ]


def event_types() -> list[str]:
    """Every event type the log may hold, for the filter's choices."""
    return sorted(audit.EVENT_LABELS)
