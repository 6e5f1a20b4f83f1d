"""A segment's text-field postings as flat arrays in a file of its own: read without decoding a block.

Decoding Whoosh's posting blocks (a zlib stream, unless small, and a pickle each, ~20 us a
block of up to 128 postings) grows with the collection and was most of a
search's CPU at 304,688 articles. So when a worker (or a merge) writes a
segment, the posting pool hands every term of the text fields, in order, to an
:class:`ArraysWriter` too (:mod:`searchidx.posting_pool`), which writes
``MAIN_<segment>.arrays``; Whoosh then assembles it into the segment's compound
file with the segment's other files, so it lives and goes with the segment. Per
term: its segment-local docnums (``uint32``) and weights (``float32`` where that
holds them exactly, else ``float64``), then, from version 3, where each posting's
positions end (``uint32``, counted from the term's first) and the positions
(``uint16`` where they fit, else ``uint32``): a phrase checks its candidates from
these, where Whoosh's blocks cost a zlib stream (unless small) and a pickle each (most of a
phrase's CPU at 304,688 articles). Then a table of the terms (sorted), where each
starts, how many postings and positions and how wide its weights and positions are
(the terms one after the other, with where each ends); then a JSON footer and a
magic number. Little-endian throughout. A search slices a term's arrays out of the
segment's map (:meth:`SegmentArrays.get`, :meth:`SegmentArrays.positions`); the
file never holds a pickle. Version 2 files (no positions) are read too.

A segment without the file (written by an older searchidx), or with one that
does not check out (another version, another segment, damaged), is read from
its blocks as before: the same results, slower.
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import struct
import sys
from array import array
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SUFFIX", "ArraysWriter", "SegmentArrays"]

SUFFIX = ".arrays"
VERSION = 3
_READS = (2, VERSION)  # version 2: the same without positions
_MAGIC = b"SIDXARR1"
_TAIL = struct.Struct("<Q8s")  # the footer's length, then the magic number
# Little-endian whatever the machine: a cluster's workers write what the searcher reads.
_IDS, _NARROW, _WIDE = np.dtype("<u4"), np.dtype("<f4"), np.dtype("<f8")
_SHORT = np.dtype("<u2")
_SWAP = sys.byteorder == "big"
assert array("I").itemsize == 4 and array("f").itemsize == 4 and array("H").itemsize == 2
#: The file's bytes: a slice of the segment's compound file map, or a map of the file alone.
Buffer = memoryview | mmap.mmap
#: A term's segment-local docnums and weights.
Postings = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]
#: A term's segment-local docnums (``uint32``, ascending), where each one's positions end, the positions.
Positions = tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[Any]]


class _Table:
    """One field's terms as they are written: compact (a term costs its bytes and 25 more)."""

    __slots__ = ("counts", "ends", "positions", "short", "starts", "terms", "wide")

    def __init__(self) -> None:
        self.terms = bytearray()  # every term's bytes, one after the other
        self.ends = array("q")  # where each term ends in ``terms``
        self.starts = array("q")  # where each term's postings start in the file
        self.counts = array("q")
        self.wide = bytearray()  # 1: its weights are float64, 0: float32
        self.positions = array("q")  # how many positions it has (-1: none kept)
        self.short = bytearray()  # 1: its positions are uint16, 0: uint32


class ArraysWriter:
    """Writes one segment's arrays file from its terms, given in (field, term) order."""

    def __init__(self, target: Path, segment: str, fields: Sequence[str], mode: int) -> None:
        self.target, self.segment, self.fields = target, segment, frozenset(fields)
        self._scratch = target.with_name(target.name + ".tmp")
        # Open until finish() or abandon(): the terms arrive one by one from the posting pool.
        descriptor = os.open(self._scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self._out = open(descriptor, "wb")  # noqa: SIM115
        self._tables: dict[str, _Table] = {}

    def add(
        self,
        fieldname: str,
        term: bytes,
        docnums: Sequence[int],
        weights: Sequence[float],
        positions: tuple[array[int], array[int]] | None = None,
    ) -> None:
        """One term's postings (docnums ascending); terms of fields not kept are ignored.

        ``positions``: the postings' positions one after the other and how many each has
        (``array("I")`` both), or None when they are not kept.
        """
        if fieldname not in self.fields:
            return
        table = self._tables.get(fieldname)
        if table is None:
            table = self._tables[fieldname] = _Table()
        # The array module, not NumPy: a segment has ~100,000 terms, most of a posting or two,
        # and NumPy's per-call cost made the file 7% of an indexing run's CPU.
        ids = array("I", docnums)
        narrow = array("f", weights)
        exact = narrow.tolist() == list(weights)
        values = narrow if exact else array("d", weights)
        if _SWAP:
            ids.byteswap()
            values.byteswap()
        table.terms += term
        table.ends.append(len(table.terms))
        table.starts.append(self._out.tell())
        table.counts.append(len(docnums))
        table.wide.append(0 if exact else 1)
        self._out.write(ids.tobytes())
        self._out.write(values.tobytes())
        if positions is None:
            table.positions.append(-1)
            table.short.append(0)
            return
        every, counts = positions
        ends = array("I", accumulate(counts))
        short = not every or max(every) < 65_536
        stored = array("H", every) if short else array("I", every)
        if _SWAP:
            ends.byteswap()
            stored.byteswap()
        table.positions.append(len(every))
        table.short.append(1 if short else 0)
        self._out.write(ends.tobytes())
        self._out.write(stored.tobytes())

    def finish(self) -> None:
        """Write the tables and the footer, then put the file in place.

        Not synced: Whoosh copies it into the segment's compound file, which the commit syncs.
        """
        out = self._out
        tables = {}
        for fieldname, table in self._tables.items():
            columns = {
                "terms": np.frombuffer(bytes(table.terms), dtype=np.uint8),
                "ends": np.array(table.ends, dtype="<i8"),
                "starts": np.array(table.starts, dtype="<i8"),
                "counts": np.array(table.counts, dtype="<i8"),
                "wide": np.frombuffer(bytes(table.wide), dtype=np.bool_),
                "positions": np.array(table.positions, dtype="<i8"),
                "short": np.frombuffer(bytes(table.short), dtype=np.bool_),
            }
            tables[fieldname] = {name: _write_array(out, values) for name, values in columns.items()}
        footer = json.dumps({"version": VERSION, "segment": self.segment, "fields": tables}).encode()
        out.write(footer)
        out.write(_TAIL.pack(len(footer), _MAGIC))
        out.close()
        os.replace(self._scratch, self.target)

    def abandon(self) -> None:
        """Remove the unfinished file (the segment was not written)."""
        if not self._out.closed:
            self._out.close()
            self._scratch.unlink(missing_ok=True)


def _write_array(out: Any, values: npt.NDArray[Any]) -> dict[str, Any]:
    place = {"offset": out.tell(), "dtype": values.dtype.str, "count": len(values)}
    out.write(values.tobytes())
    return place


class _Terms:
    """A field's terms as a sorted sequence read from the file (for :func:`bisect.bisect_left`)."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: npt.NDArray[np.uint8], ends: npt.NDArray[np.int64]) -> None:
        self.blob, self.ends = blob, ends

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, at: int) -> bytes:
        start = int(self.ends[at - 1]) if at else 0
        return self.blob[start : int(self.ends[at])].tobytes()


class SegmentArrays:
    """One segment's arrays file, mapped: a term's docnums and weights as slices of it."""

    def __init__(
        self, buffer: Buffer, fields: dict[str, dict[str, npt.NDArray[Any]]], *, positions: bool = True
    ) -> None:
        self._buffer = buffer
        self._fields = fields
        #: Whether it keeps its terms' positions (version 3; a merged term may still have none).
        self.positions_kept = positions

    @classmethod
    def open(cls, buffer: Buffer, segment: str) -> SegmentArrays | None:
        """The file (its bytes, mapped) checked, or None (damaged, another version or segment)."""
        try:
            size = len(buffer)
            length, magic = _TAIL.unpack_from(buffer, size - _TAIL.size)
            if magic != _MAGIC or length > size - _TAIL.size:
                return None
            footer = json.loads(bytes(buffer[size - _TAIL.size - length : size - _TAIL.size]))
            if footer["version"] not in _READS or footer["segment"] != segment:
                return None
            fields = {
                name: {key: _read_array(buffer, place) for key, place in table.items()}
                for name, table in footer["fields"].items()
            }
            for table in fields.values():
                terms = table["ends"]
                if "positions" not in table:  # version 2
                    table["positions"] = np.full(len(terms), -1, dtype=np.int64)
                    table["short"] = np.zeros(len(terms), dtype=np.bool_)
                held = table["positions"]
                ends = table["starts"] + table["counts"] * np.where(table["wide"], 12, 8)
                ends += np.where(held >= 0, 4 * table["counts"] + held * np.where(table["short"], 2, 4), 0)
                columns = ("starts", "counts", "wide", "positions", "short")
                if any(len(table[name]) != len(terms) for name in columns):
                    return None
                if len(ends) and (table["starts"].min() < 0 or ends.max() > size):
                    return None
                if len(terms) and (
                    np.any(np.diff(terms) < 0) or terms[0] < 0 or terms[-1] > len(table["terms"])
                ):
                    return None
        except (struct.error, ValueError, KeyError, TypeError):
            return None
        return cls(buffer, fields, positions=footer["version"] >= 3)

    def get(
        self, fieldname: str, term: bytes
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """The term's segment-local docnums and weights, or None if the file does not hold it."""
        found = self._find(fieldname, term)
        if found is None:
            return None
        table, at = found
        start, count = int(table["starts"][at]), int(table["counts"][at])
        ids = np.frombuffer(self._buffer, dtype=_IDS, count=count, offset=start)
        kind = _WIDE if table["wide"][at] else _NARROW
        weights = np.frombuffer(self._buffer, dtype=kind, count=count, offset=start + 4 * count)
        return ids.astype(np.int64), weights.astype(np.float64)

    def positions(self, fieldname: str, term: bytes) -> Positions | None:
        """The term's docnums, where each one's positions end and its positions (None: not kept)."""
        found = self._find(fieldname, term)
        if found is None:
            return None
        table, at = found
        held = int(table["positions"][at])
        if held < 0:
            return None
        start, count = int(table["starts"][at]), int(table["counts"][at])
        ids = np.frombuffer(self._buffer, dtype=_IDS, count=count, offset=start)
        start += count * (12 if table["wide"][at] else 8)
        ends = np.frombuffer(self._buffer, dtype=_IDS, count=count, offset=start)
        kind = _SHORT if table["short"][at] else _IDS
        return ids, ends, np.frombuffer(self._buffer, dtype=kind, count=held, offset=start + 4 * count)

    def _find(self, fieldname: str, term: bytes) -> tuple[dict[str, npt.NDArray[Any]], int] | None:
        """The field's table and the term's row in it, or None."""
        table = self._fields.get(fieldname)
        if table is None:
            return None
        terms = _Terms(table["terms"], table["ends"])
        at = bisect.bisect_left(terms, term)
        if at >= len(terms) or terms[at] != term:
            return None
        return table, at


def _read_array(buffer: Buffer, place: dict[str, Any]) -> npt.NDArray[Any]:
    dtype = np.dtype(place["dtype"])
    if dtype.hasobject:
        raise ValueError("an array of objects")
    return np.frombuffer(buffer, dtype=dtype, count=int(place["count"]), offset=int(place["offset"]))
