"""Per-document columns of a snapshot, read once per searcher: dates (sorted) and entities.

Both are Whoosh columns, read segment by segment with
:func:`searchidx.schema.live_column`. Dates are UTC epoch seconds; a document
without one holds :data:`MISSING`.
"""

from __future__ import annotations

import bisect
import datetime as dt

from ..dates import DateRange
from ..schema import decode_entities, live_column
from .protocols import WhooshReader

__all__ = ["MISSING", "DateColumn", "entity_rows", "from_ts"]

MISSING = 2**63 - 1  # Whoosh's column default for a document without a date


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def from_ts(value: int) -> dt.datetime:
    """UTC datetime from the epoch seconds stored in the date field."""
    return dt.datetime.fromtimestamp(value, dt.UTC)


class DateColumn:
    """Sorted ``(timestamp, docnum)`` pairs of the live, dated documents."""

    def __init__(self, reader: WhooshReader) -> None:
        self.by_doc: dict[int, int] = {
            docnum: value for docnum, value in live_column(reader, "date") if value != MISSING
        }
        self.pairs = sorted((v, d) for d, v in self.by_doc.items())
        self.keys = [v for v, _ in self.pairs]
        self.undated = reader.doc_count() - len(self.pairs)

    def docs_in(self, dates: DateRange) -> set[int]:
        """Return docnums dated within ``[start, end)``."""
        lo = 0 if dates.start is None else bisect.bisect_left(self.keys, _ts(dates.start))
        hi = len(self.keys) if dates.end is None else bisect.bisect_left(self.keys, _ts(dates.end))
        return {d for _, d in self.pairs[lo:hi]}

    def summary(self) -> tuple[dt.datetime | None, dt.datetime | None, int]:
        """Return the first date, the last date and the number of undated documents."""
        if not self.keys:
            return None, None, self.undated
        return from_ts(self.keys[0]), from_ts(self.keys[-1]), self.undated


def entity_rows(reader: WhooshReader) -> dict[int, list[tuple[str, str, str]]]:
    """``(label, key, name)`` entities of every live document that has any, by docnum."""
    rows = {}
    for docnum, value in live_column(reader, "entities"):
        row = decode_entities(value)
        if row:
            rows[docnum] = row
    return rows
