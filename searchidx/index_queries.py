"""The :class:`Index` facade's queries: search, count, facets and whole documents.

:class:`IndexQueries` is the reading half of :class:`searchidx.Index` (a base
class of it): each query takes the current :class:`~searchidx.snapshot.Snapshot`
from the index's :class:`~searchidx.opening.Reader` and hands it to
:mod:`searchidx.search` or :mod:`searchidx.facets`. Opening, writing and
describing the index stay in :mod:`searchidx.index`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Unpack

from .filters import FilterKeywords, Filters, Mode, Sort, resolve_filters
from .models import Document, Facets, SearchResults

if TYPE_CHECKING:
    from .opening import Reader
    from .snapshot import Snapshot

__all__ = ["IndexQueries"]


class IndexQueries:
    """Searching an open index: the query methods of :class:`searchidx.Index`.

    The index sets ``_reader``; every query reads the snapshot current when it starts.
    """

    _reader: Reader

    def _snapshot(self) -> Snapshot:
        """The current snapshot (a commit since the last call brings a new one)."""
        return self._reader.snapshot()

    def search(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        limit: int = 10,
        offset: int = 0,
        sort: Sort = "relevance",
        mode: Mode = "all",
        highlight: bool = True,
        prefix_terms: int = 16,
        should_stop: Callable[[], bool] | None = None,
        fold: bool = True,
        **deprecated: Unpack[FilterKeywords],
    ) -> SearchResults:
        """Search the index.

        Args:
            query: Query text (see the README's query syntax).
            filters: Dates and people, places and organisations every hit must match.
            limit: Maximum hits to return.
            offset: Hits to skip (for paging).
            sort: ``"relevance"``, ``"newest"`` or ``"oldest"``.
            mode: ``"all"`` terms must match, or ``"any"`` (ranked OR).
            highlight: Build snippets and match offsets (off saves ~1 ms a hit).
            prefix_terms: How many of the most frequent completions a ``word*`` expands to.
            should_stop: Polled while matching; when it returns True the search raises
                :class:`SearchCancelled` (live search abandons searches a keystroke made stale).
            fold: Show each story once: copies of a better-ranked hit (re-sent, corrected,
                or carried by another outlet) are folded into it and listed in its
                ``copies``; ``limit``, ``offset`` and ``total`` count stories. False lists
                and counts every article.
            **deprecated: ``since``, ``until``, ``people``, ``places``, ``orgs``: the
                fields of :class:`Filters`, as keywords (a DeprecationWarning; removed in 0.3).

        Returns:
            Frozen results; nothing in them refers to the open index.

        Raises:
            QueryError: The query or a date cannot be understood (``.position`` says where).
            SearchOptionError: An unknown ``sort`` or ``mode``, or a negative ``limit``,
                ``offset`` or ``prefix_terms``.
            TypeError: ``filters`` together with deprecated filter keywords.
        """
        from .search import run_search

        chosen = resolve_filters(filters, deprecated, "search")
        with self._reader.using() as snapshot:
            return run_search(
                snapshot,
                query,
                filters=chosen,
                limit=limit,
                offset=offset,
                sort=sort,
                mode=mode,
                highlight=highlight,
                prefix_terms=prefix_terms,
                should_stop=should_stop,
                fold=fold,
            )

    def count(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        mode: Mode = "all",
        prefix_terms: int = 16,
        fold: bool = True,
        **deprecated: Unpack[FilterKeywords],
    ) -> int:
        """The exact number of stories matching ``query`` (no hits made; never a lower bound).

        ``filters``, ``mode``, ``prefix_terms``, ``fold`` (False: count every copy of
        a story) and the deprecated filter keywords are as in :meth:`search`.

        Raises:
            QueryError: The query or a date cannot be understood.
            SearchOptionError: An unknown ``mode`` or a negative ``prefix_terms``.
        """
        chosen = resolve_filters(filters, deprecated, "count")
        return self.search(
            query, filters=chosen, limit=0, mode=mode, highlight=False, prefix_terms=prefix_terms, fold=fold
        ).total

    def facets(
        self,
        query: str = "",
        *,
        filters: Filters | None = None,
        limit: int = 10,
        mode: Mode = "all",
        should_stop: Callable[[], bool] | None = None,
        fold: bool = True,
        **deprecated: Unpack[FilterKeywords],
    ) -> Facets:
        """Top people, places and organisations among the matching stories, and a month histogram.

        An empty ``query`` means every article. A story carried by several copies
        counts once; ``fold=False`` counts every copy. ``filters``, ``mode`` and the
        deprecated filter keywords are as in :meth:`search`.

        Raises:
            QueryError: The query or a date cannot be understood.
            SearchOptionError: An unknown ``mode`` or a negative ``limit``.
            SearchCancelled: ``should_stop`` returned True while counting.
            TypeError: ``filters`` together with deprecated filter keywords.
        """
        from .facets import run_facets

        chosen = resolve_filters(filters, deprecated, "facets")
        with self._reader.using() as snapshot:
            return run_facets(
                snapshot, query, limit=limit, mode=mode, filters=chosen, should_stop=should_stop, fold=fold
            )

    def document(self, doc_id: str, query: str = "") -> Document | None:
        """Return one whole article with the offsets of every match of ``query``.

        Returns ``None`` when no article has that id. An invalid ``query`` gives no matches.
        """
        from .search import load_document

        with self._reader.using() as snapshot:
            return load_document(snapshot, doc_id, query)
