"""The snapshot: the one reader of Whoosh index data.

A :class:`Snapshot` is one open Whoosh searcher plus everything read or
derived from it (columns, dates, lengths, posting blocks, docsets, page
matches, stored fields, the term-score cache, this index's vocabulary). The
rest of the search side works on what it hands out: :mod:`searchidx.ranking`
and :mod:`searchidx.array_scoring` score it, :mod:`searchidx.search` and
:mod:`searchidx.facets` orchestrate. They may build and inspect
``whoosh.query`` objects (public API) but read nothing of Whoosh themselves.

This package is one of the three places allowed Whoosh's internals (private
attributes, codec classes such as ``W3LeafMatcher``, column readers): here
they are **read**; the writing side (:mod:`searchidx.whoosh_files`,
:mod:`searchidx.writing`, :mod:`searchidx.storage`) **writes** them, and
:mod:`searchidx.schema` defines the **format**. ``tests/test_layering.py``
enforces the rule; ``tests/test_whoosh_shape.py`` fails loudly if the
installed Whoosh no longer has the private attributes and classes read here
(:mod:`.protocols` lists them).

Modules: :mod:`.searcher` (the :class:`Snapshot`), :mod:`.vocabulary` (its word
lookups: the words, document frequencies, expansions), :mod:`.postings` (posting
blocks decoded in bulk, page matches), :mod:`.columns` (the date column),
:mod:`.arrays` (a term's postings as NumPy arrays, from the segment's arrays file,
:mod:`searchidx.postings_arrays`, or its blocks), :mod:`.protocols` (the Whoosh calls made, as
protocols). Import from the
package, not the modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .columns import MISSING, DateColumn, DatedDocs, as_set, from_ts
from .mapped import install as install_mapped_reads
from .mapped import release_pages
from .matches import Matches
from .postings import BlockHeader, SegmentPostings, TermPostings, Unreadable, value_positions
from .protocols import BlockMatcher, WhooshReader, WhooshSearcher
from .searcher import Snapshot

if TYPE_CHECKING:
    from .arrays import Docnums, TermScores, segment_arrays


def __getattr__(name: str) -> Any:
    """The array helpers, imported on first use: NumPy stays unloaded for searches that need none."""
    if name in ("Docnums", "TermScores", "segment_arrays"):
        from . import arrays

        return getattr(arrays, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MISSING",
    "BlockHeader",
    "BlockMatcher",
    "DateColumn",
    "DatedDocs",
    "Docnums",
    "Matches",
    "SegmentPostings",
    "Snapshot",
    "TermPostings",
    "TermScores",
    "Unreadable",
    "WhooshReader",
    "WhooshSearcher",
    "as_set",
    "from_ts",
    "install_mapped_reads",
    "release_pages",
    "segment_arrays",
    "value_positions",
]
