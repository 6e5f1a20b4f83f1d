"""Article fields shared by the readers of every format: dates, derived titles and content hashes."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from typing import Any

from .analysis import sentence_spans

__all__ = ["TITLE_MAX", "content_hash", "derive_title", "parse_date"]

TITLE_MAX = 120
_DATELINE_RE = re.compile(r"^[A-Z][A-Z.'’ ]{1,30}(?:,[^\n]{1,30}?)?\s+(?:--|—|–|-)\s+")


def content_hash(data: bytes) -> str:
    """The hash an article's content is compared by on the next run (unchanged: not indexed again)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_date(value: Any, *, lenient: bool = False) -> dt.datetime:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    Naive values are taken as UTC. Raises ValueError with a readable reason.
    ``lenient`` also takes RFC 2822 dates (``Mon, 02 Mar 1987 10:00:00 GMT``), as
    feeds, web pages and mail exports write them.
    """
    if not isinstance(value, str):
        raise ValueError(f"date must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        emailed = _email_date(text) if lenient else None
        if emailed is None:
            raise ValueError(f"invalid date {value!r}: use YYYY-MM-DD or ISO 8601") from None
        parsed = emailed
    try:
        utc = parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
        utc.timestamp()  # the index stores epoch seconds
    except (OverflowError, ValueError):
        raise ValueError(f"date {value!r} is outside years 1-9999 once converted to UTC") from None
    return utc


def derive_title(body: str) -> tuple[str, int]:
    """Derive a short display title from the first sentence of ``body``.

    Returns:
        The title and its start offset in ``body`` (after a dateline such as
        "BEIRUT -- ").
    """
    dateline = _DATELINE_RE.match(body)
    start = dateline.end() if dateline else 0
    spans = sentence_spans(body[start:])
    if not spans:
        return "", 0
    first_start, first_end = spans[0]
    title = body[start + first_start : start + first_end]
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        cut = title.rfind(" ", 0, TITLE_MAX - 10)
        title = title[: cut if cut > 0 else TITLE_MAX - 10].rstrip(" ,;:–—-") + "…"
    return title, start + first_start


def _email_date(value: str) -> dt.datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
