"""The :class:`Snapshot`: one open Whoosh searcher and everything read or derived from it.

Documents, dates, field lengths and norms, posting blocks, docsets, Whoosh's
own scoring, page matches, stored fields, the term-score cache, the
vocabulary (its lookups are :mod:`.vocabulary`'s) and the entity resolution all
come through it; see the package's docstring (:mod:`searchidx.snapshot`) for the
rule it keeps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import analysis
from ..schema import TEXT_FIELDS
from . import budget, matching
from .budget import ByteLRU, posting_scores_bytes
from .columns import DateColumn, DocColumn, EntityColumn, entity_rows
from .mapped import install as install_mapped_reads
from .matches import BLOCK_POSTINGS, CHARS_A_BLOCK, Matches, posting_matches, text_matches
from .postings import (
    SegmentPostings,
    TermPostings,
    Unreadable,
    code_lengths,
    leaf_matcher,
    length_codes,
    segment_file,
)
from .protocols import WhooshSearcher
from .vocabulary import WordLookups

if TYPE_CHECKING:
    from whoosh import query as wq

    from ..postings_arrays import SegmentArrays
    from ..resolution import Resolution
    from ..stories import Stories
    from .arrays import TermScores

__all__ = ["Snapshot"]


class Snapshot(WordLookups):
    """One open Whoosh searcher and what is read or derived from it, built lazily.

    Everything here describes the index as of the searcher's generation; a
    commit since brings a new snapshot. Never shared between threads at once
    (Whoosh readers share file positions). The vocabulary, document frequencies
    and expansions come from :class:`~.vocabulary.WordLookups`.
    """

    def __init__(self, searcher: WhooshSearcher, *, entities: bool = True, path: Path | None = None) -> None:
        self._searcher = searcher
        self.path = path  # the index directory, for the files written beside each commit
        self.entities = entities  # False for an index built with --no-entities
        self._dates: DateColumn | None = None
        # The caches: each holds at most its byte budget (:mod:`.budget`).
        budgets = self.budgets = budget.BUDGETS
        self._open_lookups(budgets)  # the vocabulary, frequencies and expansions
        self._term_scores: ByteLRU[tuple[str, str], TermScores] = ByteLRU(
            budgets.term_scores, posting_scores_bytes
        )
        self._resolution: Resolution | None = None
        self._stories: Stories | None = None
        self._entity_aliases: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] | None = None
        self._entity_column: EntityColumn | None = None
        self._ids: DocColumn | None = None
        self._norms: dict[str, list[float]] = {}
        self._norm_arrays: dict[str, Any] = {}
        self._arrays_files: dict[str, SegmentArrays | None] = {}
        #: What each article adds to facets, worked out by :mod:`searchidx.facets` and kept here
        #: (within ``budgets.facet_memo`` bytes; its ``bytes`` says how many it holds).
        self.facet_parts: Any = None

    @classmethod
    def open(cls, index: Any, weighting: Any, *, entities: bool, path: Path) -> Snapshot:
        """A snapshot of a Whoosh ``FileIndex`` as it is now (its newest generation).

        ``weighting`` is the Whoosh weighting model its searcher scores with
        (:class:`searchidx.ranking.RobertsonBM25F`).
        """
        from whoosh.searching import Searcher

        install_mapped_reads()  # before any segment is opened: read the map, do not copy it
        # Not index.searcher(): Whoosh's reader() retries a missing file ten times, 50 ms
        # apart, and a damaged index took 1.5 s to report. A file a commit deleted is
        # handled by the caller (Reader._current), which reads the newer table of contents.
        toc = index._read_toc()
        reader = index._reader(index.storage, toc.schema, toc.segments, toc.generation)
        return cls(Searcher(reader, fromindex=index, weighting=weighting), entities=entities, path=path)

    def up_to_date(self) -> bool:
        """Whether no commit happened since this snapshot was opened."""
        return self._searcher.up_to_date()

    def close(self) -> None:
        """Close the searcher (the snapshot must not be used after)."""
        self._searcher.close()

    # ---- documents ---------------------------------------------------------------------

    def doc_count(self) -> int:
        """Live documents."""
        return self._searcher.doc_count()

    def doc_count_all(self) -> int:
        """Documents including deleted ones (the docnum space)."""
        return self._searcher.reader().doc_count_all()

    def doc_id(self, docnum: int) -> str:
        """A live document's article id, from the id column (no stored fields read)."""
        if self._ids is None:
            self._ids = DocColumn(self._searcher.reader(), "id")
        return str(self._ids.value(docnum))

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        """A document's stored fields (id, path, title, body, date, source, extra)."""
        return self._searcher.stored_fields(docnum)

    def document_number(self, doc_id: str) -> int | None:
        """The docnum of the article with this id, or None."""
        return self._searcher.document_number(id=doc_id)

    @property
    def dates(self) -> DateColumn:
        """The date column, built on first use."""
        if self._dates is None:
            self._dates = DateColumn(self._searcher.reader())
        return self._dates

    # ---- postings and scoring statistics -----------------------------------------------

    def field_norms(self, fieldname: str) -> list[float]:
        """``K1 * ((1 - B) + B * length / avglength)`` per global docnum for one field, built on first use.

        From the same one-byte lengths Whoosh scores with.
        """
        if fieldname not in self._norms:
            by_code = self._norm_by_code(fieldname)
            norms: list[float] = []
            for codes in self._length_codes(fieldname):
                norms.extend(map(by_code.__getitem__, codes))
            self._norms[fieldname] = norms
        return self._norms[fieldname]

    def norm_array(self, fieldname: str) -> Any:
        """:meth:`field_norms` as a NumPy array of float64 (the same values), built on first use.

        Straight from the length codes (at 304,688 articles 1 ms, where the list took 38).
        """
        if fieldname not in self._norm_arrays:
            import numpy as np

            by_code = np.array(self._norm_by_code(fieldname), dtype=np.float64)
            codes = b"".join(self._length_codes(fieldname))
            self._norm_arrays[fieldname] = by_code[np.frombuffer(codes, dtype=np.uint8)]
        return self._norm_arrays[fieldname]

    def _norm_by_code(self, fieldname: str) -> list[float]:
        """One norm per one-byte length code (256): a document's norm is its code's."""
        k1, b, avgfl = self._bm25(fieldname)
        return [k1 * ((1 - b) + b * fl / avgfl) for fl in code_lengths()]

    def _length_codes(self, fieldname: str) -> list[bytes]:
        """Each segment's length codes of one field, in docnum order (segments are back to back)."""
        found: list[bytes] = []
        for reader, offset in self._searcher.reader().leaf_readers():
            assert offset == sum(map(len, found))
            found.append(length_codes(reader, fieldname))
        return found

    def _bm25(self, fieldname: str) -> tuple[float, float, float]:
        """The weighting's K1 and this field's B, and the field's average length (1 if unknown)."""
        weighting = self._searcher.weighting
        k1, b = weighting.K1, weighting._field_B.get(fieldname, weighting.B)
        return k1, b, self._searcher.avg_field_length(fieldname) or 1

    def term_postings(self, fieldname: str, text: str) -> TermPostings:
        """A term's idf, the field's BM25 parameters and norms, and its posting blocks per segment.

        Raises:
            Unreadable: The field has no lengths, or a segment's postings are not in
                Whoosh's W3 block format (score such terms through Whoosh).
        """
        searcher = self._searcher
        field = searcher.schema[fieldname]
        if not field.scorable:
            raise Unreadable(f"{fieldname} has no lengths (Whoosh scores it by weight)")
        btext = field.to_bytes(text)
        k1, b, avgfl = self._bm25(fieldname)
        reader = searcher.reader()
        found = TermPostings(0.0, k1, b, avgfl, [])
        if (fieldname, btext) not in reader:
            return found
        found.idf = searcher.idf(fieldname, btext)
        found.count = reader.doc_frequency(fieldname, btext)
        for leaf, offset in reader.leaf_readers():
            if (fieldname, btext) not in leaf:
                continue
            opened = leaf_matcher(leaf, fieldname, btext)
            if opened is None:
                raise Unreadable("postings not in Whoosh's W3 block format")
            matcher, deleted = opened
            stored = functools.partial(self._arrays_file, leaf)
            found.segments.append(SegmentPostings(offset, deleted, matcher, stored, fieldname, btext))
        return found

    def keeps_positions(self) -> bool:
        """Whether every segment has an arrays file with positions: big queries and phrases are cheap.

        Loads NumPy (the arrays files need it): asked only of queries scored in arrays anyway.
        """
        leaves = [leaf for leaf, _offset in self._searcher.reader().leaf_readers()]
        return all((found := self._arrays_file(leaf)) is not None and found.positions_kept for leaf in leaves)

    def _arrays_file(self, leaf: Any) -> SegmentArrays | None:
        """The segment's arrays file (:mod:`searchidx.postings_arrays`), mapped once, or None."""
        if leaf.segment() is None:
            return None
        name = leaf.segment().segment_id()
        if name not in self._arrays_files:
            from ..postings_arrays import SUFFIX, SegmentArrays

            buffer = segment_file(leaf, f"{name}{SUFFIX}")
            self._arrays_files[name] = None if buffer is None else SegmentArrays.open(buffer, name)
        return self._arrays_files[name]

    def has_characters(self, fieldname: str) -> bool:
        """Whether the field's postings hold positions and character ranges (Whoosh's ``Characters``)."""
        from whoosh.formats import Characters

        schema = self._searcher.schema
        return fieldname in schema and isinstance(schema[fieldname].format, Characters)

    def segment_starts(self) -> list[int]:
        """The first global docnum of each segment, in order."""
        return [offset for _leaf, offset in self._searcher.reader().leaf_readers()]

    def segments_holding(self, fieldname: str, text: str) -> list[bool]:
        """Whether each segment (in :meth:`segment_starts` order) holds the term."""
        btext = self._searcher.schema[fieldname].to_bytes(text)
        return [(fieldname, btext) in leaf for leaf, _offset in self._searcher.reader().leaf_readers()]

    def term_scores(self, fieldname: str, text: str, build: Callable[[], TermScores]) -> TermScores:
        """BM25 scores of one term's documents, kept for the next keystrokes (never mutate them).

        Live search repeats the same words query after query; decoding their
        posting blocks again was most of a search. Least recently used terms
        go first once the cache holds ``budgets.term_scores`` bytes.
        """
        key = (fieldname, text)
        found = self._term_scores.get(key)
        if found is None:
            found = build()
            self._term_scores.put(key, found)
        return found

    def forget_term_scores(self) -> None:
        """Empty the term-score cache (benchmarks time cold queries with it)."""
        self._term_scores.clear()

    def cache_bytes(self) -> dict[str, int]:
        """Estimated bytes each cache holds now; each stays within its budget in :attr:`budgets`."""
        known = self.facet_parts
        return {
            "term_scores": self._term_scores.bytes,
            "facet_memo": 0 if known is None else int(known.bytes),
            "expansions": self._expansions.bytes,
            "frequencies": self._frequency.bytes + self._field_frequency.bytes,
        }

    # ---- matching ----------------------------------------------------------------------

    def docset(self, query: wq.Query) -> set[int]:
        """Docnums a query matches, by set algebra over posting lists (:func:`.matching.docset`)."""
        return matching.docset(self._searcher, query)

    def whoosh_top(
        self,
        query: wq.Query,
        allowed: AbstractSet[int] | None,
        k: int,
        offset: int,
        should_stop: Callable[[], bool] | None = None,
        matched: set[int] | None = None,
    ) -> tuple[int, list[tuple[int, float]]]:
        """Whoosh's own scoring: the total and ranks ``offset`` to ``k`` (:func:`.matching.whoosh_top`)."""
        return matching.whoosh_top(self._searcher, query, allowed, k, offset, should_stop, matched)

    def indexed_terms(self, query: wq.Query) -> set[tuple[str, bytes]]:
        """Every indexed ``(field, term)`` the query can match, prefixes and fuzzy terms expanded.

        Leaf by leaf: Whoosh's ``Query.existing_terms`` on a compound query keeps
        only the first field's terms (its loop variable shadows a parameter).
        """
        reader = self._searcher.reader()
        terms: set[tuple[str, bytes]] = set()
        for leaf in query.leaves():
            terms |= leaf.existing_terms(reader, phrases=True, expand=True)
        return terms

    def expand_terms(self, query: wq.Query) -> list[tuple[str, str]]:
        """The indexed ``(field, term)`` pairs a prefix or fuzzy query node matches (for pricing)."""
        reader = self._searcher.reader()
        return [(query.fieldname, t.decode() if isinstance(t, bytes) else t) for t in query._btexts(reader)]

    def page_matches(
        self, terms: Sequence[tuple[str, bytes]], stored: Mapping[int, Mapping[str, Any]]
    ) -> dict[int, Matches]:
        """Character ranges of every term (of the text fields) in each document of a page.

        ``stored``: the page's documents' stored fields, by docnum (the caller reads them
        for the hits anyway). From that stored text (:mod:`.matches`) when it is shorter
        than :data:`.CHARS_A_BLOCK` characters for each block reading the terms' postings
        would decode (common terms, short articles), else from the postings (rare terms,
        long texts).
        """
        docnums = list(stored)
        blocks = sum(
            min(len(docnums), -(-self.field_frequency(fieldname, term.decode("utf-8")) // BLOCK_POSTINGS))
            for fieldname, term in terms
            if fieldname in TEXT_FIELDS
        )
        chars = sum(len(fields.get(name) or "") for fields in stored.values() for name in TEXT_FIELDS)
        if chars <= CHARS_A_BLOCK * blocks:
            return text_matches(terms, stored)
        return posting_matches(self._searcher.reader(), terms, docnums, TEXT_FIELDS)

    def resolution(self) -> Resolution:
        """One name and one type per entity across the collection (:mod:`searchidx.entities.collection`).

        Facets count by it and entity filters expand by it, so a filter on a
        facet value finds exactly the articles it counted.
        """
        if self._resolution is None and not self.entities:  # built with --no-entities: nothing to read
            from ..resolution import Resolution

            self._resolution = Resolution({})
        if self._resolution is None and self.path is not None:
            from ..resolution import load_resolution

            self._resolution = load_resolution(self.path, self._searcher.reader().generation())
        if self._resolution is None:  # no file for this generation (an older searchidx wrote it)
            from ..entities.collection import resolve_collection
            from ..entities.gazetteer import shipped_gazetteer

            lists = shipped_gazetteer()
            self._resolution = resolve_collection(
                entity_rows(self._searcher.reader()), lists.places, lists.first_names
            )
        return self._resolution

    def stories(self) -> Stories:
        """Which articles are copies of one story (:mod:`searchidx.stories`), saved at the commit.

        Grouped in memory when the commit's file is missing (an interrupted grouping).
        """
        if self._stories is None and self.path is not None:
            from ..stories import load_stories

            self._stories = load_stories(self.path, self._searcher.reader().generation())
        if self._stories is None:
            from ..stories import group_collection

            self._stories = group_collection(self._searcher.reader())
        return self._stories

    def entity_aliases(self) -> dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]]:
        """``(field, analysed words)`` of an entity filter -> the other names of that entity.

        Keyed by the words an entity filter is analysed into, so ``person:reagan``
        finds the other members of what "reagan" resolves to (:meth:`resolution`).
        Only names whose root is of the filter's own type expand.
        """
        if self._entity_aliases is None:
            resolution = self.resolution()
            self._entity_aliases = {}
            for root, members in resolution.members.items():
                if len(members) < 2:
                    continue
                for label, key in members:
                    if label != root[0]:
                        continue
                    words = tuple(t.text for t in analysis.analyze(key, stemming=False) if not t.joined)
                    others = [m for m in members if m != (label, key)]
                    self._entity_aliases.setdefault((label, words), []).extend(others)
        return self._entity_aliases

    def entity_row(self, docnum: int) -> list[tuple[str, str, str]]:
        """``(label, key, name)`` entities of one live document, read from the column when asked for.

        Not kept: what facets need of them is in the facet memo (:mod:`searchidx.facets`).
        """
        if self._entity_column is None:
            self._entity_column = EntityColumn(self._searcher.reader())
        return self._entity_column.row(docnum)
