"""A term's postings in one segment decoded to two NumPy arrays: docnums and weights.

:func:`.postings.block_data` decodes a block into Python lists: about 40 us a
block of up to 128 postings once each posting is scored in Python, which made
a common word's top ten cost in proportion to its postings (``company`` at
304,688 Reuters articles: ~100,000 postings, ~100 ms). Here the blocks of one
segment are inflated one by one (each is its own zlib stream, or stored as is when small), but their ids
and weights are gathered as bytes and converted in a few NumPy calls for the
whole segment: ids as one byte-delta array summed once, weights as 9-byte
pickle records (``G`` and a big-endian double) read as one structured array.

Blocks in another layout (under 4 postings, ids as bytes, deltas over 255) go
through :func:`.postings.block_data` and join the arrays as they are.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .postings import BlockHeader, SegmentPostings, _front_size, block_data, block_front

__all__ = ["Docnums", "TermScores", "Weights", "decode_blocks", "segment_arrays"]

Docnums = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float64]
#: A term's (or a query's) matching docnums, sorted and distinct, and their BM25 scores.
TermScores = tuple[Docnums, npt.NDArray[np.float64]]

#: A pickle BINFLOAT: the opcode byte, then a big-endian double.
_BINFLOAT = np.dtype([("opcode", "u1"), ("value", ">f8")])
_DOUBLE = struct.Struct(">d")


class _Run:
    """Consecutive blocks in the common layout, gathered as bytes until converted at once."""

    __slots__ = ("deltas", "firsts", "records", "size", "starts")

    def __init__(self) -> None:
        self.deltas: list[bytes] = []  # each block's id deltas, after a placeholder for its first id
        self.firsts: list[int] = []  # each block's first id minus the previous block's last
        self.starts: list[int] = []  # where each block's placeholder is in the joined deltas
        self.records: list[bytes] = []  # each block's weights as pickle BINFLOAT records
        self.size = 0

    def add(self, first: int, deltas: bytes, records: bytes, count: int) -> None:
        self.starts.append(self.size)
        self.firsts.append(first)
        self.deltas.append(b"\x00")
        self.deltas.append(deltas)
        self.records.append(records)
        self.size += count

    def arrays(self, base: int) -> tuple[Docnums, Weights]:
        """The run's docnums (``base``: the last docnum before it) and weights."""
        steps = np.frombuffer(b"".join(self.deltas), dtype=np.uint8).astype(np.int64)
        steps[self.starts] = self.firsts
        ids = np.cumsum(steps) + base
        weights = np.frombuffer(b"".join(self.records), dtype=_BINFLOAT)["value"].astype(np.float64)
        return ids, weights


def segment_arrays(segment: SegmentPostings) -> tuple[Docnums, Weights]:
    """A term's segment-local docnums (deleted ones too) and weights in one segment, in docnum order.

    From the segment's arrays file when it has one (:mod:`searchidx.postings_arrays`), else from
    its blocks.
    """
    stored = None if segment.stored is None else segment.stored()
    if stored is not None:
        found: tuple[Docnums, Weights] | None = stored.get(segment.fieldname, segment.btext)
        if found is not None:
            return found
    return decode_blocks(segment.extent(), segment.headers(), bool(segment.matcher._byteids))


def decode_blocks(data: bytes, headers: Sequence[BlockHeader], byteids: bool) -> tuple[Docnums, Weights]:
    """The docnums and weights of every block, in docnum order.

    The values :func:`.postings.block_data` gives block by block, as arrays.

    Args:
        data: The term's postings in the segment (:func:`.postings.extent`).
        headers: Their blocks' headers (:func:`.postings.headers`).
        byteids: The matcher's ``_byteids`` (ids stored as bytes: the slow layout).
    """
    ids_parts: list[Docnums] = []
    weight_parts: list[Weights] = []
    run = _Run()
    run_base = previous = 0  # the last docnum before the run, and before this block
    for header in headers:
        sliced = None if byteids else _fronts(data, header)
        if sliced is not None:
            first, deltas, records = sliced
            run.add(first - previous, deltas, records, header.size)
        else:
            if run.size:
                _flush(run, run_base, ids_parts, weight_parts)
                run = _Run()
            ids, weights = block_data(data, header, byteids)
            ids_parts.append(np.asarray(ids, dtype=np.int64))
            weight_parts.append(np.asarray(weights, dtype=np.float64))
            run_base = header.last
        previous = header.last
    if run.size:
        _flush(run, run_base, ids_parts, weight_parts)
    if len(ids_parts) == 1:
        return ids_parts[0], weight_parts[0]
    if not ids_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return np.concatenate(ids_parts), np.concatenate(weight_parts)


def _flush(run: _Run, base: int, ids_parts: list[Docnums], weight_parts: list[Weights]) -> None:
    ids, weights = run.arrays(base)
    ids_parts.append(ids)
    weight_parts.append(weights)


def _fronts(data: bytes, header: BlockHeader) -> tuple[int, bytes, bytes] | None:
    """A block's first id, its id deltas and its weights as BINFLOAT records; None if laid out otherwise.

    The layout :func:`.postings.block_front` reads (see there); weights stored once for the
    block (``None``: 1.0, or one float) are repeated as records.
    """
    count = header.size
    if count < 4:
        return None
    raw = data[header.start : header.end]
    if header.compressed:
        raw = zlib.decompressobj().decompress(raw, _front_size(count))
    front = block_front(raw, count)
    if front is None:
        return None
    if front.kind == b"N":
        return front.first, front.deltas, (b"G" + _DOUBLE.pack(1.0)) * count
    if front.kind == b"G":
        return front.first, front.deltas, raw[front.at : front.at + 9] * count
    return front.first, front.deltas, raw[front.at + 1 : front.at + 1 + 9 * count]
