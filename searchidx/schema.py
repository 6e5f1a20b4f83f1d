"""The Whoosh schema and the tokenizer that plugs :mod:`searchidx.analysis` into it.

Whoosh pickles the schema, tokenizer included, into every index: the class
below is referenced by its import path, so renaming it or this module breaks
existing indexes. :data:`SCHEMA_VERSION` and the tokenizer's stored
``version`` let :mod:`searchidx.opening` detect that and ask for a rebuild.

One of the three places allowed Whoosh's internals (``tests/test_layering.py``):
:mod:`.schema` defines the format, :mod:`searchidx.snapshot` reads it, and
:mod:`.whoosh_files`, :mod:`.writing` and :mod:`.storage` write it. Here: the
fields, columns and tokenizer classes, and postings encoded as Whoosh's
``Characters`` and ``Positions`` formats would (``pack_uint`` and pickled
deltas); ``tests/test_whoosh_shape.py`` and ``tests/test_storage_schema.py``
fail if Whoosh's encoding changes.
"""

from __future__ import annotations

import itertools
import pickle
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from whoosh import columns, fields
from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer
from whoosh.system import pack_uint

from . import analysis
from .duplicates import Sketch, sketch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .models import Article, CanonicalEntity

__all__ = [
    "ENTITY_FIELDS",
    "SCHEMA_VERSION",
    "TEXT_FIELDS",
    "EntityTokenizer",
    "NewsText",
    "NewsTokenizer",
    "Postings",
    "build_schema",
    "decode_entities",
    "decode_sketch",
    "document",
    "encode_entities",
    "encode_sketch",
    "live_column",
]

#: Bump whenever a field is added, removed or changes type.
SCHEMA_VERSION = "6"
#: Full-text fields searched when a query names no field.
TEXT_FIELDS = ("title", "body")
# Short title fields already score high through BM25F length normalisation; an extra boost
# cost CACM MAP 0.3508 -> 0.3340 (bench/quality.py).
TITLE_BOOST = 1.0
#: Entity filter fields, one per label; names are folded but not stemmed.
ENTITY_FIELDS = ("person", "place", "org")
NAME_GAP = 100  # positions between two names, so a phrase cannot span them


class _Tokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh plumbing shared by the tokenizers below: one reused token, as Whoosh expects."""

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        """Yield ``(term, position, start, end)``."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yield Whoosh tokens for ``value``."""
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        for text, pos, start, end in self.terms(value):
            token.text = text
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class NewsTokenizer(_Tokenizer):
    """Runs :func:`searchidx.analysis.analyze` (terms are final: folded, stemmed)."""

    def __init__(self) -> None:
        self.name = analysis.ANALYZER_NAME
        self.version = analysis.ANALYZER_VERSION

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        """Analysed terms with positions and character offsets."""
        for text, pos, start, end, _joined in analysis.spans(value):
            yield text, pos, start, end


class EntityTokenizer(_Tokenizer):
    """Newline-separated names: folded, unstemmed, ``NAME_GAP`` positions between names."""

    def __init__(self) -> None:
        self.version = analysis.ANALYZER_VERSION

    def terms(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        """Name words; each name starts ``NAME_GAP`` positions after the previous one."""
        offset = 0
        for number, name in enumerate(value.split("\n")):
            for text, pos, start, end, _joined in analysis.spans(name, stemming=False):
                yield text, number * NAME_GAP + pos, offset + start, offset + end
            offset += len(name) + 1


#: ``(term bytes, frequency, weight, encoded positions and characters)`` per distinct term:
#: what a Whoosh field's ``index()`` yields.
Postings = list[tuple[bytes, int, float, bytes]]


def text_postings(value: str, boost: float = 1.0) -> Postings:
    """Analyse ``value`` straight into Whoosh postings for a ``Characters`` field.

    Same bytes as ``whoosh.formats.Characters.word_values`` + ``encode`` fed by
    :class:`NewsTokenizer`, without a Whoosh ``Token`` per word: indexing spends
    most of its time here. Plain data, so worker processes can compute it.
    """
    seen: dict[str, list[Any]] = {}
    for term, pos, start, end, _joined in analysis.spans(value):
        entry = seen.get(term)
        if entry is None:
            seen[term] = [pos, end, [(pos, start, end - start)]]
        else:
            # Whoosh stores deltas: position from the previous position, start from the previous end.
            entry[2].append((pos - entry[0], start - entry[1], end - start))
            entry[0] = pos
            entry[1] = end
    dumps = pickle.dumps
    return [
        (term.encode(), len(deltas), len(deltas) * boost, pack_uint(len(deltas)) + dumps(deltas, 2))
        for term, (_pos, _end, deltas) in seen.items()
    ]


class NewsText(fields.TEXT):  # type: ignore[misc]
    """A TEXT field analysed by :func:`text_postings`; also takes precomputed postings.

    Values are strings (analysed here) or :data:`Postings` computed elsewhere (the
    indexer's worker processes); the stored value then comes from ``_stored_<name>``.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        """Return ``(btext, frequency, weight, encoded value)`` per distinct term."""
        if isinstance(value, list):
            return value
        return text_postings(value, self.format.field_boost)


#: Names whose terms are remembered: a collection names the same people, places and firms again
#: and again, and an unstemmed name is analysed the slow way (about 4 MB when full).
_NAME_MEMO_MAX = 50_000
_NAME_TERMS: dict[str, tuple[tuple[bytes, int], ...]] = {}
#: A posting's value for one position (most name terms are once in a document's names).
_ONE_POSITION = [pack_uint(1) + pickle.dumps([at], 2) for at in range(4 * NAME_GAP)]


def _name_terms(name: str) -> tuple[tuple[bytes, int], ...]:
    """``(term, position)`` of one name's words, as :class:`EntityTokenizer` gives them (memoised)."""
    found = _NAME_TERMS.get(name)
    if found is None:
        found = tuple(
            (term.encode(), pos) for term, pos, _start, _end, _joined in analysis.spans(name, stemming=False)
        )
        if len(_NAME_TERMS) < _NAME_MEMO_MAX:
            _NAME_TERMS[name] = found
    return found


def name_postings(value: str) -> Postings:
    """Analyse newline-separated names straight into Whoosh postings for a ``Positions`` field.

    The same terms, weights and bytes as ``fields.TEXT(analyzer=EntityTokenizer())``
    gives (``whoosh.formats.Positions``), without a Whoosh ``Token`` per word: that
    path was 13.7% of Whoosh's indexing instructions with entities on Reuters.
    """
    positions: dict[bytes, list[int]] = {}
    for number, name in enumerate(value.split("\n")):
        base = number * NAME_GAP
        for term, pos in _name_terms(name):
            found = positions.get(term)
            if found is None:
                positions[term] = [base + pos]
            else:
                found.append(base + pos)
    dumps = pickle.dumps
    postings: Postings = []
    for term, poses in positions.items():
        if len(poses) == 1 and poses[0] < len(_ONE_POSITION):
            postings.append((term, 1, 1.0, _ONE_POSITION[poses[0]]))
            continue
        deltas = [poses[0], *(b - a for a, b in itertools.pairwise(poses))]
        postings.append((term, len(poses), float(len(poses)), pack_uint(len(deltas)) + dumps(deltas, 2)))
    return postings


class NameText(fields.TEXT):  # type: ignore[misc]
    """The person/place/org fields: names indexed by :func:`name_postings`, queried through the analyzer."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        """Return ``(btext, frequency, weight, encoded value)`` per distinct term."""
        if isinstance(value, str) and self.format.field_boost == 1.0:
            return name_postings(value)
        return super().index(value, **kwargs)


class TextColumn(fields.COLUMN):  # type: ignore[misc]
    """A string kept in a per-document column (and stored, if asked): never indexed.

    ``path`` and ``hash`` are only read back per document (the update manifest),
    so indexing them would add a unique term per article for nothing.
    """

    def __init__(self, *, stored: bool = False) -> None:
        super().__init__(columns.VarBytesColumn())
        self.stored = stored

    def to_bytes(self, value: str) -> bytes:
        """Column bytes of a string."""
        return value.encode("utf-8")

    def from_bytes(self, value: bytes) -> str:
        """The string back from column bytes."""
        return value.decode("utf-8")


def _unindexed(field: Any) -> Any:
    # Dates are filtered from the sorted column (snapshot.DateColumn), never by Whoosh range
    # queries: the 16 trie terms a 64-bit NUMERIC indexes per article would be dead weight.
    field.indexed = False
    return field


def encode_entities(entities: Iterable[tuple[str, str, str]]) -> bytes:
    """Pack ``(label, key, name)`` triples for the facet column."""
    return "\x1e".join(f"{label}\x1f{key}\x1f{name}" for label, key, name in entities).encode()


def decode_entities(value: bytes) -> list[tuple[str, str, str]]:
    """Unpack :func:`encode_entities`."""
    if not value:
        return []
    return [tuple(item.split("\x1f", 2)) for item in value.decode().split("\x1e")]  # type: ignore[misc]


def encode_sketch(value: Sketch) -> bytes:
    """Pack a sketch (:func:`searchidx.duplicates.sketch`) for its column: unsigned 32-bit words."""
    if not value:
        return b""
    lead, length, *hashes = value
    return struct.pack(f"<{len(value)}I", lead, -length - 1, *hashes)


def decode_sketch(value: bytes) -> Sketch:
    """Unpack :func:`encode_sketch` (empty bytes: no sketch)."""
    if not value:
        return ()
    lead, words, *hashes = struct.unpack(f"<{len(value) // 4}I", value)
    return (lead, -words - 1, *hashes)


def live_column(reader: Any, fieldname: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(docnum, value)`` of a column for every live document, segment by segment.

    Not ``reader.column_reader()``: Whoosh's multi-segment column reader skips
    segments that lack the column (a commit of undated articles writes no date
    column) and then maps later documents to the wrong segment or off the end.
    A segment without the column gives the field's default value.
    """
    for leaf, offset in reader.leaf_readers():
        if leaf.doc_count() == 0:
            continue
        values = column_values(leaf, fieldname)
        if leaf.has_deletions():
            deleted = leaf.is_deleted
            yield from ((offset + d, value) for d, value in enumerate(values) if not deleted(d))
        else:
            yield from zip(range(offset, offset + len(values)), values, strict=True)


def column_values(leaf: Any, fieldname: str) -> list[Any]:
    """Every document's value of a column in one segment (deleted ones too), read at once where it can be.

    Whoosh reads a column a document at a time (a seek, a read and a translation: 2-5 us
    each): on 304,688 articles an update's manifest and its commit's story grouping spent
    seconds there. A variable-length column is sliced from one read of its data, a 64-bit
    ``NUMERIC`` one unpacked from one (big-endian, shifted by 2**63 when signed); any
    other (a segment lacking the column reads Whoosh's filler) a document at a time.
    """
    column = leaf.column_reader(fieldname)
    count = leaf.doc_count_all()
    raw = column.raw_column() if isinstance(column, columns.TranslatingColumnReader) else column
    field = leaf.schema[fieldname]
    if isinstance(raw, columns.VarBytesColumn.Reader) and len(raw._lengths) == count:
        offsets, lengths = raw._offsets, raw._lengths
        data = raw._dbfile.get(raw._basepos, offsets[-1] + lengths[-1]) if count else b""
        values = [data[at : at + size] for at, size in zip(offsets, lengths, strict=True)]
        return values if raw is column else list(map(column._translate, values))
    if (
        isinstance(raw, columns.NumericColumn.Reader)
        and raw._typecode == "Q"
        and raw._count <= count
        and isinstance(field, fields.NUMERIC)
        and field.numtype is int
        and field.bits == 64
        and not field.decimal_places
    ):
        stored = array("Q", raw._dbfile.get(raw._basepos, raw._count * 8))
        if sys.byteorder == "little":
            stored.byteswap()
        shift = 1 << 63 if field.signed else 0
        tail = [column[raw._count]] * (count - raw._count) if count > raw._count else []  # the default
        return [value - shift for value in stored] + tail
    return [column[docnum] for docnum in range(count)]


def build_schema() -> fields.Schema:
    """Return the schema every searchidx index uses.

    ``id``/``path``/``hash`` are columns so an update can read the whole
    manifest without loading stored bodies; only ``id`` is indexed (updates
    delete by it). ``date`` holds UTC epoch seconds in a column (missing dates
    are simply absent).
    """
    text = NewsTokenizer()
    names = EntityTokenizer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        path=TextColumn(stored=True),
        hash=TextColumn(),
        title=NewsText(stored=True, chars=True, analyzer=text, field_boost=TITLE_BOOST),
        body=NewsText(stored=True, chars=True, analyzer=text),
        date=_unindexed(fields.NUMERIC(bits=64, signed=True, stored=True, sortable=True)),
        source=fields.ID(stored=True),
        extra=fields.STORED(),
        person=NameText(analyzer=names),
        place=NameText(analyzer=names),
        org=NameText(analyzer=names),
        entities=fields.COLUMN(columns.VarBytesColumn()),
        sketch=fields.COLUMN(columns.VarBytesColumn()),
    )


def document(article: Article, entities: Sequence[CanonicalEntity] = ()) -> dict[str, Any]:
    """The Whoosh fields of one article (the index's format; written by update and segments)."""
    names: dict[str, list[str]] = {label: [] for label in ENTITY_FIELDS}
    for entity in entities:
        names[entity.label].append(entity.name)
    fields: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "hash": article.content_hash,
        # A derived title is the body's first sentence: store it for display but
        # do not index it again in the boosted title field.
        "title": "" if article.title_derived else article.title,
        "_stored_title": article.title,
        "body": article.body,
        "source": article.source,
        "extra": {
            "title_derived": article.title_derived,
            "title_start": article.title_start,
            "url": article.url,
            "line": article.line,
            "metadata": article.metadata,
            "entities": names,
        },
        "entities": encode_entities((e.label, e.key, e.name) for e in entities),
        "sketch": encode_sketch(sketch(article.title, article.body)),
    }
    for label, values in names.items():
        if values:
            fields[label] = "\n".join(values)
    if article.date is not None:
        fields["date"] = int(article.date.timestamp())
    return fields
