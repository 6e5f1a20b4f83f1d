"""Dates in queries: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and half-open UTC ranges.

Shared by the query parser (``date:2019-12..2020-01``), ``--since/--until`` and
the date column that filters searches.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .errors import QueryError

__all__ = ["DateRange", "date_bound", "parse_date_bound"]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, slots=True)
class DateRange:
    """Half-open UTC interval ``[start, end)``; ``None`` is unbounded."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def intersect(self, other: DateRange) -> DateRange:
        """Return the overlap of two ranges (may be empty)."""
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        return DateRange(max(starts) if starts else None, min(ends) if ends else None)

    @property
    def empty(self) -> bool:
        """True when no instant lies in the range."""
        return self.start is not None and self.end is not None and self.start >= self.end

    def label(self) -> str:
        """The range as its first and last day, ``2019-12-01..2019-12-31``; an open end is blank."""
        start = "" if self.start is None else _day(self.start)
        if self.end is None:
            return f"{start}.."
        midnight = self.end.time() == dt.time(0)
        try:
            last = self.end - (dt.timedelta(days=1) if midnight else dt.timedelta(seconds=1))
        except OverflowError:
            last = self.end
        return f"{start}..{_day(last)}"


def _day(moment: dt.datetime) -> str:
    """``YYYY-MM-DD``, with the time of day when it is not midnight."""
    if moment.time() == dt.time(0):
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_date_bound(
    text: str, *, end: bool, where: int | None = None, query: str = ""
) -> dt.datetime | None:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (years 0001 to 9999) to a UTC instant.

    Args:
        text: The bound as typed.
        end: Return the first instant *after* the period, so the period is
            included in a half-open range.
        where: Offset of ``text`` in ``query``, for the error's position.
        query: The whole query, for the error message.

    Returns:
        The instant, or ``None`` for an end bound past 9999-12-31 (unbounded:
        Python's calendar ends there).

    Raises:
        QueryError: Not a date, or not a day of the calendar.
    """
    match = _DATE_RE.match(text)
    if not match:
        raise QueryError(f"bad date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD", query, where)
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        start = dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError as exc:
        raise QueryError(f"bad date {text!r}: {exc}", query, where) from None
    if not end:
        return start
    if match[3]:
        days = 1
    elif match[2]:
        days = calendar.monthrange(year, month)[1]
    else:
        days = 366 if calendar.isleap(year) else 365
    try:
        return start + dt.timedelta(days=days)
    except OverflowError:
        return None  # the period ends with the calendar: no end bound


def date_bound(value: Any, *, end: bool) -> dt.datetime | None:
    """A since/until argument as the UTC moment it starts (or, ``end``, the first after it).

    Strings are ``YYYY[-MM[-DD]]``; dates and datetimes (naive ones are UTC) are taken as they are.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        try:
            moment = moment.astimezone(dt.UTC)
            return moment + dt.timedelta(seconds=1) if end else moment
        except OverflowError:  # past either end of the calendar once in UTC
            if moment.year == 1:
                return dt.datetime.min.replace(tzinfo=dt.UTC) if end else None
            return None if end else dt.datetime.max.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str):
        return parse_date_bound(value.strip(), end=end, query=value)
    raise QueryError(f"dates must be YYYY[-MM[-DD]] strings, dates or datetimes, not {value!r}")
