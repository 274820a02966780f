"""Request budgets: how many requests a minute a key may make, for a key its owner gave one
(``rate_limit_per_minute``; none by default). Past it, every call with the key, through
Keyfob's API or the forward-auth check, gets 429 with Retry-After until the minute turns, so
a runaway script cannot use up the platform's capacity for everyone else (Unkey and Tyk offer
the same per key). Counting is app/core/limits.py's (KeyBudgets), in the shared store; the
budget is read by the one lookup of every call, and a change holds on the next request
everywhere (the epoch trigger watches the column). No web code here.
"""

from typing import Any

from app.core.i18n import gettext as _
from app.core.refusals import FieldRefused

FIELD = "rate_limit_per_minute"
MOST_PER_MINUTE = 100_000


class InvalidBudget(FieldRefused):
    """Not a budget a key can have; ``field`` is rate_limit_per_minute."""


def check(value: Any) -> int | None:
    """A budget as asked for: a whole number of requests a minute from 1 to MOST_PER_MINUTE,
    or 0 or nothing for no budget (None)."""
    if value is None or value == "" or value == 0:
        return None
    digits = value.strip() if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 7:  # not "²", not 5000 digits
        value = int(digits)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_PER_MINUTE:
        raise InvalidBudget(
            FIELD,
            _(
                "Give a whole number of requests a minute, from 1 to %(most)d (0: no budget).",
                most=MOST_PER_MINUTE,
            ),
        )
    return value or None
