"""A key's usage over its last days, as the pages, the API and the console show it: calls a
day (accepted, and refused by reason), the routes and networks called from most, and the
scopes its accepted calls needed. Counted by app/keys/call_counts.py.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.models import ApiKey, KeyUsage, storable_id
from app.keys import call_counts
from app.keys.call_counts import ACCEPTED, NETWORK, OUTCOME, ROUTE, SCOPE, TOKEN
from app.keys.named import KeySummary, summarize

DAYS = 30  # what a page shows, and the API's default
MAX_DAYS = 400  # the most the API answers: what is kept by default
TOP = 10  # routes and networks listed, most called first
# The reasons a call of a known key is refused, in the order the pages list them.
REFUSALS = ("invalid", "expired", "paused", "scope", "network", "rate_limited", "decoy")


class NoSuchKey(Exception):
    """Not a live key of this holder's."""


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    accepted: int
    refused: dict[str, int]  # by reason (REFUSALS); reasons with no call left out

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


@dataclass(frozen=True, slots=True)
class Usage:
    key: KeySummary  # which key: what its pages name it by (never its text)
    days: tuple[Day, ...]  # every day of the window, oldest first, days with no call too
    routes: tuple[tuple[str, int], ...]  # the TOP routes of accepted calls, most first
    networks: tuple[tuple[str, int], ...]  # the TOP client networks of every call
    scopes: tuple[tuple[str, int], ...]  # every scope accepted calls needed, most first

    @property
    def accepted(self) -> int:
        return sum(day.accepted for day in self.days)

    @property
    def refused(self) -> dict[str, int]:
        """Refused calls by reason over the window, in REFUSALS order."""
        totals: Counter[str] = Counter()
        for day in self.days:
            totals.update(day.refused)
        return {reason: totals[reason] for reason in REFUSALS if totals[reason]}

    @property
    def busiest(self) -> int:
        """The most calls of any one day (0 for a key never called in the window)."""
        return max((day.accepted + day.refused_total for day in self.days), default=0)


def of_key(
    session: Session, holder_id: int, key_id: int, *, days: int = DAYS, decoy: bool = True
) -> Usage:
    """The usage of the holder's live key ``key_id`` over the last ``days`` days (today's
    included); NoSuchKey when the holder has no such key (or it is a decoy, unless
    ``decoy``: a decoy is its person's to know of)."""
    record = _held(session, holder_id, key_id) if storable_id(key_id) else None
    if record is None or (record.decoy and not decoy):
        raise NoSuchKey()
    call_counts.write_waiting()  # this process's own counts, so that a person sees theirs
    today = clock.now().date()
    first = today - timedelta(days=days - 1)
    # Nothing from before the key was made: on SQLite a deleted key's id may be reused.
    since = max(first, record.created_at.date())
    rows = session.execute(
        select(KeyUsage.day, KeyUsage.facet, KeyUsage.name, KeyUsage.calls).where(
            KeyUsage.key_id == key_id, KeyUsage.day >= since, KeyUsage.day <= today
        )
    ).all()
    by_day: dict[date, Counter[str]] = {}
    facets: dict[str, Counter[str]] = {NETWORK: Counter(), ROUTE: Counter(), SCOPE: Counter()}
    for day, facet, name, calls in rows:
        if facet == OUTCOME:
            by_day.setdefault(day, Counter())[name] += calls
        elif facet in facets:
            facets[facet][name] += calls
    return Usage(
        key=summarize(record),
        days=tuple(_day(first + timedelta(days=n), by_day) for n in range(days)),
        routes=tuple(facets[ROUTE].most_common(TOP)),
        networks=tuple(facets[NETWORK].most_common(TOP)),
        scopes=tuple(facets[SCOPE].most_common()),
    )


def calls_since(session: Session, key_ids: Iterable[int], since: date) -> dict[int, int]:
    """Every call (accepted or refused) of each key since ``since``, by key id."""
    wanted = list(key_ids)
    if not wanted:
        return {}
    call_counts.write_waiting()
    totals = session.execute(
        select(KeyUsage.key_id, func.sum(KeyUsage.calls))
        .where(KeyUsage.key_id.in_(wanted), KeyUsage.facet == OUTCOME, KeyUsage.day >= since)
        .group_by(KeyUsage.key_id)
    ).all()
    return {key_id: int(calls) for key_id, calls in totals}


def token_calls_since(session: Session, token_ids: Iterable[int], since: date) -> dict[int, int]:
    """Every call of each token since ``since``, by token id (counted under its key)."""
    wanted = [str(token_id) for token_id in token_ids]
    if not wanted:
        return {}
    call_counts.write_waiting()
    totals = session.execute(
        select(KeyUsage.name, func.sum(KeyUsage.calls))
        .where(KeyUsage.facet == TOKEN, KeyUsage.name.in_(wanted), KeyUsage.day >= since)
        .group_by(KeyUsage.name)
    ).all()
    return {int(name): int(calls) for name, calls in totals}


def _held(session: Session, holder_id: int, key_id: int) -> ApiKey | None:
    """The holder's unrevoked key ``key_id`` (a decoy's usage is its sightings)."""
    return session.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id, ApiKey.user_id == holder_id, ApiKey.revoked_at.is_(None)
        )
    )


def _day(day: date, by_day: dict[date, Counter[str]]) -> Day:
    counted = by_day.get(day, Counter())
    refused = {reason: counted[reason] for reason in REFUSALS if counted[reason]}
    return Day(day, counted[ACCEPTED], refused)
