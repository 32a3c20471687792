"""Calendar arithmetic of the retention rules: login window and retention period."""

from __future__ import annotations

import calendar
from datetime import date

from .state import KnownPerson


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's end."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def is_expired(known: KnownPerson, today: date, retention_months: int) -> bool:
    """Deactivated for longer than the retention period: the account is to be deleted."""
    return (not known.active and known.deactivated_on is not None
            and add_months(known.deactivated_on, retention_months) <= today)
