"""Whoosh-Reloaded's postings read in bulk: posting blocks, field lengths, page matches.

Part of the snapshot package, the one place that reads Whoosh's internals
(:mod:`searchidx.snapshot`); the private attributes read here are listed in
:class:`.protocols.BlockMatcher` and checked by ``tests/test_whoosh_shape.py``.

A ``W3LeafMatcher`` block is a pickled ``(ids, weights, values)`` tuple
(protocol 2, zlib-compressed unless small) behind a small pickled header ``(count, last
id, largest weight, compression, shortest length byte, longest length byte)``.
Ranking needs only ids and weights, but ``pickle.loads`` also rebuilds every
posting's positions and character offsets (in protocol 2 each ``bytes`` value
is a ``_codecs.encode`` call): ~4x the cost of the ids and weights. The
common layout (delta-coded ids under 256, weights as doubles) is sliced out
of the pickle directly; anything else goes through ``pickle.loads``. Only the
front of a block is inflated for that (ids and weights come first; the positions
are two thirds of its bytes), and a term's blocks are read in one piece and
walked in memory, not through the matcher's seek-and-read per header.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, _lenfield
from whoosh.filedb.compound import CompoundStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from ..position_values import value_positions
from .mapped import track as track_map
from .protocols import BlockMatcher

__all__ = [
    "BlockFront",
    "BlockHeader",
    "SegmentPostings",
    "TermPostings",
    "Unreadable",
    "block_data",
    "block_front",
    "block_values",
    "code_lengths",
    "extent",
    "headers",
    "leaf_matcher",
    "length_codes",
    "segment_file",
    "value_positions",
]


class Unreadable(Exception):
    """A term's postings cannot be read in bulk (a field without lengths, or another codec)."""


class BlockHeader(NamedTuple):
    """One posting block's header, read without its data (:func:`headers`)."""

    last: int  # the block's last (segment-local) docnum
    start: int  # where its data starts, in the term's postings (:func:`extent`)
    end: int  # where its data ends
    size: int  # its postings
    compressed: bool


@dataclass(slots=True)
class SegmentPostings:
    """One term's postings in one segment: its block matcher and the segment's deleted docnums.

    Attributes:
        offset: The segment's first global docnum (add it to the block's ids).
        deleted: Segment-local docnums deleted since the segment was written.
        matcher: The segment's block matcher (read only through the methods below).
        stored: Opens the segment's arrays file (:class:`searchidx.postings_arrays.SegmentArrays`, or None
            if it has none): called only by the array scorer, which loads NumPy anyway.
        fieldname: The term's field, and ``btext`` its text: what to look up in that file.
    """

    offset: int
    deleted: set[int]
    matcher: BlockMatcher
    stored: Callable[[], Any] | None = None
    fieldname: str = ""
    btext: bytes = b""
    _extent: bytes | None = None
    _headers: list[BlockHeader] | None = None

    def extent(self) -> bytes:
        """The term's postings in this segment, every block, read once (:func:`extent`)."""
        if self._extent is None:
            self._extent = extent(self.matcher)
        return self._extent

    def blocks(self) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
        """Each block's segment-local docnums and weights, in order (:meth:`block` of each header)."""
        for header in self.headers():
            yield self.block(header)

    def headers(self) -> list[BlockHeader]:
        """Each block's header (:func:`headers`), walked once."""
        if self._headers is None:
            self._headers = headers(self.extent())
        return self._headers

    def values(self, header: BlockHeader) -> tuple[list[int], tuple[bytes, ...]]:
        """Each docnum of one block with its encoded positions (:func:`block_values`)."""
        return block_values(self.extent(), header)

    def block(self, header: BlockHeader) -> tuple[Sequence[int], Sequence[float]]:
        """The ids and weights of one block (:func:`block_data`)."""
        matcher = self.matcher
        return block_data(self.extent(), header, matcher._byteids)


@dataclass(slots=True)
class TermPostings:
    """What BM25 scoring of one term needs, as :meth:`.Snapshot.term_postings` reads it.

    Attributes:
        idf: The term's Robertson idf (0.0 when no document holds it).
        k1: BM25's term-frequency saturation.
        b: BM25's length normalisation for this field.
        avgfl: The field's average length (1 when unknown).
        segments: The segments holding the term, in docnum order.
        count: Documents holding the term (deleted ones too, until segments merge).
    """

    idf: float
    k1: float
    b: float
    avgfl: float
    segments: list[SegmentPostings]
    count: int = 0


_LENGTHS = [byte_to_length(b) for b in range(256)]
_DOUBLES = struct.Struct(">xd")  # pickle's BINFLOAT: b"G" then a big-endian double
_INT = struct.Struct("!i")  # a block's length, as Whoosh's StructFile writes it
_MAGIC: bytes = WHOOSH3_HEADER_MAGIC
_INT_SIZES = {ord("K"): 1, ord("M"): 2, ord("J"): 4}  # BININT1, BININT2, BININT (little-endian)


def length_codes(reader: Any, fieldname: str) -> bytes:
    """The one-byte length code of every document in one segment (0, a length of 0, where empty).

    Whoosh stores a field's lengths as ``length_to_byte`` codes, and scores with the
    lengths they stand for: anything computed from a length has at most 256 values.
    """
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
    return bytes(raw) + bytes(count - column._count)


def code_lengths() -> list[int]:
    """The length each one-byte code stands for (:func:`length_codes`), by code."""
    return list(_LENGTHS)


def leaf_matcher(segment: Any, fieldname: str, btext: bytes) -> tuple[BlockMatcher, set[int]] | None:
    """A segment's block matcher for a term and its deleted docnums, or None if not a W3 matcher."""
    matcher = segment.postings(fieldname, btext)
    deleted: set[int] = set()
    if isinstance(matcher, FilterMatcher):
        deleted, matcher = matcher._ids, matcher.child
    return (matcher, deleted) if isinstance(matcher, W3LeafMatcher) else None


def segment_file(leaf: Any, name: str) -> memoryview | mmap.mmap | None:
    """The bytes of one of a segment's own files, mapped (not copied), or None if it has none.

    In the segment's compound file (Whoosh's ``CompoundStorage`` map, shared by its reads),
    or on its own beside it.
    """
    storage = leaf.storage()
    compound = getattr(storage, "a", None)  # an OverlayStorage: the compound file first
    if isinstance(compound, CompoundStorage) and compound.file_exists(name):
        if not compound._source:
            return None  # a compound file read without mmap: decode the blocks instead
        offset, length = compound.range(name)
        return memoryview(compound._source)[offset : offset + length]
    folder = getattr(getattr(storage, "b", storage), "folder", None)
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, name), "rb") as handle:
            found = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    track_map(found)
    return found


def extent(matcher: BlockMatcher) -> bytes:
    """All of a term's postings in one segment (a magic number, then its blocks), read at once."""
    length = matcher._length
    if isinstance(length, tuple):  # Whoosh-Reloaded keeps the unpacked 1-tuple of the term info
        (length,) = length
    return bytes(matcher._postfile.get(matcher._startoffset, length))


def headers(data: bytes) -> list[BlockHeader]:
    """The header of each block in a term's postings (:func:`extent`), no block data decoded.

    Each block is a signed length (negative for the last one), a pickled
    ``(count, last id, largest weight, compression, shortest length byte, longest length
    byte)`` and the data: the same walk as ``W3LeafMatcher._goto``, over bytes in memory.
    """
    found = []
    stream = io.BytesIO(data)
    position = len(_MAGIC)
    if data[:position] != _MAGIC:
        raise Unreadable("postings do not start with Whoosh's W3 block magic number")
    while True:
        length = _INT.unpack_from(data, position)[0]
        stream.seek(position + _INT.size)
        count, last, _weight, compression, _shortest, _longest = pickle.load(stream)
        end = position + _INT.size + abs(length)
        found.append(BlockHeader(last, stream.tell(), end, count, bool(compression)))
        if length < 0:  # the last block
            return found
        position = end


def block_data(
    data: bytes, header: BlockHeader, byteids: Any = None
) -> tuple[Sequence[int], Sequence[float]]:
    """The docnums and weights of one block, as Whoosh's ``id()``/``weight()`` give them.

    Only the front of a compressed block is inflated: ids and weights come first in its
    pickle, the postings' positions and character offsets (most of its bytes) after.
    """
    raw = data[header.start : header.end]
    count = header.size
    if byteids:
        sliced = None
    elif header.compressed:
        sliced = _sliced(zlib.decompressobj().decompress(raw, _front_size(count)), count)
    else:
        sliced = _sliced(raw, count)
    if sliced is None and header.compressed:
        raw = zlib.decompress(raw)
    if sliced is not None:
        ids, weights = sliced
    else:
        unpickled = pickle.loads(raw)
        ids, weights = unpickled[0], unpickled[1]
    if not byteids:
        ids = list(accumulate(ids))
    if weights is None or isinstance(weights, float):
        weights = [1.0 if weights is None else weights] * len(ids)
    return ids, weights


def block_values(data: bytes, header: BlockHeader) -> tuple[list[int], tuple[bytes, ...]]:
    """One block of a ``Characters`` field: its (segment-local) docnums and each one's encoded value.

    The block is unpickled whole (its values cannot be found otherwise); decode a value
    with :func:`value_positions`.
    """
    raw = data[header.start : header.end]
    ids, _weights, values = pickle.loads(zlib.decompress(raw) if header.compressed else raw)
    return list(accumulate(ids)), values


def _front_size(count: int) -> int:
    """Bytes of a block's pickle that hold its ids and weights, at most (:func:`_sliced`'s layout)."""
    # PROTO, MARK, a first id of up to 4 bytes, count - 1 two-byte deltas, TUPLE + BINPUT,
    # then MARK + count BINFLOATs + TUPLE: 16 + 11 * count covers it with room.
    return 16 + 11 * count


class BlockFront(NamedTuple):
    """Where a block's ids and weights stand in its pickle (:func:`block_front`)."""

    first: int  # the first id (absolute)
    deltas: bytes  # the other ids, as one-byte deltas from the one before
    kind: bytes  # the weights: b"N" (all 1.0), b"G" (one for all, at ``at``), b"(" (``count`` from at + 1)
    at: int


def block_front(raw: bytes, count: int) -> BlockFront | None:
    """The front of a block's pickle (ids, then weights) in the common layout, or None if otherwise.

    Expected: ``PROTO 2``, ``MARK``, a ``BININT*`` then ``count - 1`` x ``BININT1`` (ids), ``TUPLE``, a memo
    ``BINPUT``, then ``NONE``, one ``BINFLOAT``, or ``MARK`` + ``count`` x ``BINFLOAT``
    + ``TUPLE`` (weights). Tuples of under 4 items use other opcodes: left to pickle.
    """
    if count < 4 or raw[:3] != b"\x80\x02(":
        return None
    # The first id is absolute (often over 255), the rest are deltas.
    size = _INT_SIZES.get(raw[3])
    if size is None:
        return None
    first = int.from_bytes(raw[4 : 4 + size], "little", signed=size == 4)
    start = 4 + size
    end = start + 2 * (count - 1)
    if raw[start:end:2] != b"K" * (count - 1) or raw[end : end + 2] != b"tq":
        return None
    at = end + 3
    kind = raw[at : at + 1]
    if kind == b"(":
        stop = at + 1 + 9 * count
        if raw[at + 1 : stop : 9] != b"G" * count or raw[stop : stop + 1] != b"t":
            return None
    elif kind not in (b"N", b"G"):
        return None
    return BlockFront(first, raw[start + 1 : end : 2], kind, at)


def _sliced(raw: bytes, count: int) -> tuple[list[int], Any] | None:
    """Ids and weights read straight from a block's pickle (:func:`block_front`), or None."""
    front = block_front(raw, count)
    if front is None:
        return None
    ids = [front.first, *front.deltas]
    if front.kind == b"N":
        return ids, None
    if front.kind == b"G":
        return ids, _DOUBLES.unpack_from(raw, front.at)[0]
    return ids, _binfloats(count).unpack_from(raw, front.at + 1)


@lru_cache(maxsize=256)
def _binfloats(count: int) -> struct.Struct:
    """``count`` pickle BINFLOATs (``G`` + a big-endian double each), read in one C call."""
    return struct.Struct(">" + "xd" * count)
