"""Per-document columns of a snapshot: dates (read once per searcher, sorted), entities and ids.

Both are Whoosh columns, read segment by segment (:func:`searchidx.schema.live_column`
for a whole column). Dates are UTC epoch seconds; a document without one holds
:data:`MISSING`. Entities are read a document at a time from the segment's memory
map and decoded when asked for, never all kept: decoded, 76,172 Reuters articles'
entities took 90 MB of Python objects.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from array import array
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from ..dates import DateRange
from ..schema import decode_entities, live_column
from .protocols import WhooshReader

__all__ = [
    "MISSING",
    "DateColumn",
    "DatedDocs",
    "DocColumn",
    "EntityColumn",
    "as_set",
    "entity_rows",
    "from_ts",
]

MISSING = 2**63 - 1  # Whoosh's column default for a document without a date


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def from_ts(value: int) -> dt.datetime:
    """UTC datetime from the epoch seconds stored in the date field."""
    return dt.datetime.fromtimestamp(value, dt.UTC)


class DateColumn:
    """The live, dated documents' timestamps: sorted (``keys``, with ``docs`` in step), and by docnum.

    The sorted copy is two arrays of machine integers, not a list of ``(timestamp, docnum)``
    tuples: on 76,172 articles 1.2 MB instead of 6 MB. The column is read a segment at a
    time (:func:`searchidx.schema.live_column`): a date filter's first use on 304,688
    articles took 0.9 s CPU when Whoosh read it a document at a time.
    """

    def __init__(self, reader: WhooshReader) -> None:
        values = [MISSING] * reader.doc_count_all()  # by docnum; undated and deleted ones MISSING
        for docnum, value in live_column(reader, "date"):
            values[docnum] = value
        order = sorted(range(len(values)), key=values.__getitem__)  # stable: equal dates by docnum
        dated = bisect.bisect_left(order, MISSING, key=values.__getitem__)
        self.keys = array("q", map(values.__getitem__, order[:dated]))
        self.docs = array("q", order[:dated])
        self.undated = reader.doc_count() - dated

    @functools.cached_property
    def by_doc(self) -> dict[int, int]:
        """Timestamp by docnum, of the live dated documents (made on first use: sorting reads it)."""
        return dict(zip(self.docs, self.keys, strict=True))

    def docs_in(self, dates: DateRange) -> DatedDocs:
        """Return docnums dated within ``[start, end)``."""
        lo = 0 if dates.start is None else bisect.bisect_left(self.keys, _ts(dates.start))
        hi = len(self.keys) if dates.end is None else bisect.bisect_left(self.keys, _ts(dates.end))
        return DatedDocs(self.docs[lo:hi])

    def summary(self) -> tuple[dt.datetime | None, dt.datetime | None, int]:
        """Return the first date, the last date and the number of undated documents."""
        if not self.keys:
            return None, None, self.undated
        return from_ts(self.keys[0]), from_ts(self.keys[-1]), self.undated


_S = TypeVar("_S")


class DatedDocs(AbstractSet[int]):
    """The docnums of a date window: the date column's slice (``source``, machine integers).

    Membership and set algebra use a frozenset made on first need: scoring in arrays
    reads ``source`` as it is, and making a set of 150,000 docnums took longer than the
    rest of a date-window search at 304,688 articles. ``&``, ``|``, ``-`` and ``^`` give
    plain sets. Never change ``source``.
    """

    __slots__ = ("_members", "source")

    def __init__(self, source: array[int]) -> None:
        self.source = source
        self._members: frozenset[int] | None = None

    @classmethod
    def _from_iterable(cls, docs: Iterable[_S]) -> set[_S]:
        return set(docs)  # what the inherited operators build: a plain set

    def members(self) -> frozenset[int]:
        """The docnums as a frozenset (made once)."""
        if self._members is None:
            self._members = frozenset(self.source)
        return self._members

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[int]:
        return iter(self.source)

    def __contains__(self, docnum: object) -> bool:
        return docnum in self.members()

    def __and__(self, other: AbstractSet[Any]) -> set[int]:
        return set(self.members() & _as_set(other))

    def __rand__(self, other: AbstractSet[Any]) -> set[int]:
        return set(_as_set(other) & self.members())


def _as_set(docs: AbstractSet[Any]) -> AbstractSet[Any]:
    return docs if isinstance(docs, (set, frozenset)) else set(docs)


def as_set(docs: AbstractSet[int]) -> set[int]:
    """A set of docnums as a built-in ``set`` (what Whoosh's filters take; a date window's is a copy)."""
    if isinstance(docs, set):
        return docs
    return set(docs.members() if isinstance(docs, DatedDocs) else docs)


def entity_rows(reader: WhooshReader) -> Iterator[list[tuple[str, str, str]]]:
    """``(label, key, name)`` entities of every live document that has any, one document at a time."""
    for _docnum, value in live_column(reader, "entities"):
        row = decode_entities(value)
        if row:
            yield row


class DocColumn:
    """One column of each segment, read one live document at a time (nothing read is kept)."""

    def __init__(self, reader: WhooshReader, fieldname: str) -> None:
        self._starts: list[int] = []
        self._columns: list[Any] = []  # Whoosh column readers (their offsets are arrays)
        self._deleted: list[Callable[[int], bool]] = []
        for leaf, offset in reader.leaf_readers():
            self._starts.append(offset)
            # A segment reader fills in a column its segment lacks (see live_column).
            self._columns.append(leaf.column_reader(fieldname) if leaf.doc_count() else None)
            self._deleted.append(leaf.is_deleted)

    def value(self, docnum: int) -> Any:
        """The column's value for one document (None if it is deleted)."""
        segment = bisect.bisect_right(self._starts, docnum) - 1
        if segment < 0 or self._columns[segment] is None:
            return None
        local = docnum - self._starts[segment]
        if self._deleted[segment](local):
            return None
        return self._columns[segment][local]


class EntityColumn(DocColumn):
    """The entity column, decoded one document at a time (decoded rows are not kept)."""

    def __init__(self, reader: WhooshReader) -> None:
        super().__init__(reader, "entities")

    def row(self, docnum: int) -> list[tuple[str, str, str]]:
        """``(label, key, name)`` entities of one document (none if it is deleted or has none)."""
        value = self.value(docnum)
        return decode_entities(value) if value else []
