"""The Whoosh calls the snapshot makes, as protocols: the shape of what it relies on.

Whoosh-Reloaded ships no type information, so its objects would be ``Any``
everywhere; these protocols name the methods and attributes the snapshot
reads (private ones included, for the posting codec). ``tests/test_whoosh_shape.py``
checks the installed Whoosh against them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

__all__ = ["BlockMatcher", "WhooshReader", "WhooshSearcher"]


class WhooshReader(Protocol):
    """The calls made on a Whoosh ``IndexReader`` (the multi-segment one or a segment's)."""

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        """Whether the ``(field, term)`` is indexed."""

    def doc_count(self) -> int:
        """Live documents."""

    def doc_count_all(self) -> int:
        """Documents, deleted ones included."""

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        """Documents holding the term."""

    def postings(self, fieldname: str, text: str | bytes) -> Any:
        """A matcher over the term's postings."""

    def all_doc_ids(self) -> Iterator[int]:
        """Every live docnum."""

    def leaf_readers(self) -> list[tuple[WhooshReader, int]]:
        """Each segment's reader and first global docnum."""

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterable[str | bytes]:
        """Indexed terms starting with ``prefix``."""

    def generation(self) -> int:
        """The index generation read."""

    def column_reader(self, fieldname: str) -> Any:
        """The field's column: ``reader[docnum]`` is a document's value (segment-local docnum)."""

    def is_deleted(self, docnum: int) -> bool:
        """Whether a (segment-local) document is deleted."""


class WhooshSearcher(Protocol):
    """The calls made on a Whoosh ``Searcher`` (weighted by :class:`searchidx.ranking.RobertsonBM25F`)."""

    schema: Any
    weighting: Any

    def reader(self) -> WhooshReader:
        """The searcher's reader."""

    def idf(self, fieldname: str, text: bytes) -> float:
        """The weighting's idf of a term."""

    def avg_field_length(self, fieldname: str) -> float:
        """The field's average length."""

    def doc_count(self) -> int:
        """Live documents."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        """A document's stored fields."""

    def document_number(self, **terms: str) -> int | None:
        """The docnum of the document with these unique field values."""

    def docs_for_query(self, query: Any) -> Iterable[int]:
        """Docnums a query matches."""

    def search_with_collector(self, query: Any, collector: Any) -> None:
        """Run a query into a collector."""

    def up_to_date(self) -> bool:
        """Whether no commit happened since the searcher opened."""

    def close(self) -> None:
        """Release the searcher's files."""


class BlockMatcher(Protocol):
    """What :mod:`.postings` reads of a ``whoosh.codec.whoosh3.W3LeafMatcher`` (private names included)."""

    _byteids: Any
    _length: int | tuple[int]
    _postfile: Any
    _startoffset: int
