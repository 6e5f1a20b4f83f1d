"""A segment's text-field postings as flat arrays in a file of its own: read without decoding a block.

Decoding Whoosh's posting blocks (a zlib stream and a pickle each, ~20 us a
block of up to 128 postings) grows with the collection and was most of a
search's CPU at 304,688 articles. So when a worker (or a merge) writes a
segment, the posting pool hands every term of the text fields, in order, to an
:class:`ArraysWriter` too (:mod:`searchidx.posting_pool`), which writes
``MAIN_<segment>.arrays``; Whoosh then assembles it into the segment's compound
file with the segment's other files, so it lives and goes with the segment. Per
term: its segment-local docnums (``uint32``) and weights (``float32`` where that
holds them exactly, else ``float64``), one after the other; then a table of the
terms (sorted), where each starts, how many postings and how wide its weights
are; then a JSON footer and a magic number. A search slices a term's arrays out
of the segment's map (:meth:`SegmentArrays.get`); the file never holds a pickle.

A segment without the file (written by an older searchidx), or with one that
does not check out (another version, another segment, damaged), is read from
its blocks as before: the same results, slower.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SUFFIX", "ArraysWriter", "SegmentArrays"]

SUFFIX = ".arrays"
VERSION = 1
_MAGIC = b"SIDXARR1"
_TAIL = struct.Struct("<Q8s")  # the footer's length, then the magic number
#: The file's bytes: a slice of the segment's compound file map, or a map of the file alone.
Buffer = memoryview | mmap.mmap
#: A term's segment-local docnums and weights.
Postings = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


class ArraysWriter:
    """Writes one segment's arrays file from its terms, given in (field, term) order."""

    def __init__(self, target: Path, segment: str, fields: Sequence[str], mode: int) -> None:
        self.target, self.segment, self.fields = target, segment, frozenset(fields)
        self._scratch = target.with_name(target.name + ".tmp")
        # Open until finish() or abandon(): the terms arrive one by one from the posting pool.
        descriptor = os.open(self._scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self._out = open(descriptor, "wb")  # noqa: SIM115
        self._tables: dict[str, tuple[list[bytes], list[int], list[int], list[bool]]] = {}

    def add(self, fieldname: str, term: bytes, docnums: Sequence[int], weights: Sequence[float]) -> None:
        """One term's postings (docnums ascending); terms of fields not kept are ignored."""
        if fieldname not in self.fields:
            return
        terms, starts, counts, wide = self._tables.setdefault(fieldname, ([], [], [], []))
        values = np.array(weights, dtype=np.float64)
        narrow = values.astype(np.float32)
        exact = bool(np.array_equal(narrow, values))
        terms.append(term)
        starts.append(self._out.tell())
        counts.append(len(docnums))
        wide.append(not exact)
        self._out.write(np.array(docnums, dtype=np.uint32).tobytes())
        self._out.write((narrow if exact else values).tobytes())

    def finish(self) -> None:
        """Write the tables and the footer, then put the file in place (atomically)."""
        out = self._out
        tables = {}
        for fieldname, (terms, starts, counts, wide) in self._tables.items():
            width = max(map(len, terms), default=1)
            columns = {
                "terms": np.array(terms, dtype=f"S{width}"),
                "starts": np.array(starts, dtype=np.int64),
                "counts": np.array(counts, dtype=np.int64),
                "wide": np.array(wide, dtype=np.bool_),
            }
            tables[fieldname] = {name: _write_array(out, values) for name, values in columns.items()}
        footer = json.dumps({"version": VERSION, "segment": self.segment, "fields": tables}).encode()
        out.write(footer)
        out.write(_TAIL.pack(len(footer), _MAGIC))
        out.flush()
        os.fsync(out.fileno())
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


class SegmentArrays:
    """One segment's arrays file, mapped: a term's docnums and weights as slices of it."""

    def __init__(self, buffer: Buffer, fields: dict[str, dict[str, npt.NDArray[Any]]]) -> None:
        self._buffer = buffer
        self._fields = fields

    @classmethod
    def open(cls, buffer: Buffer, segment: str) -> SegmentArrays | None:
        """The file (its bytes, mapped) checked, or None (damaged, another version or segment)."""
        try:
            size = len(buffer)
            length, magic = _TAIL.unpack_from(buffer, size - _TAIL.size)
            if magic != _MAGIC or length > size - _TAIL.size:
                return None
            footer = json.loads(bytes(buffer[size - _TAIL.size - length : size - _TAIL.size]))
            if (footer["version"], footer["segment"]) != (VERSION, segment):
                return None
            fields = {
                name: {key: _read_array(buffer, place) for key, place in table.items()}
                for name, table in footer["fields"].items()
            }
            for table in fields.values():
                ends = table["starts"] + table["counts"] * np.where(table["wide"], 12, 8)
                if len(ends) and (table["starts"].min() < 0 or ends.max() > size):
                    return None
        except (struct.error, ValueError, KeyError, TypeError):
            return None
        return cls(buffer, fields)

    def get(
        self, fieldname: str, term: bytes
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """The term's segment-local docnums and weights, or None if the file does not hold it."""
        table = self._fields.get(fieldname)
        if table is None:
            return None
        terms = table["terms"]
        at = int(np.searchsorted(terms, term))
        if at >= len(terms) or terms[at] != term:
            return None
        start, count = int(table["starts"][at]), int(table["counts"][at])
        ids = np.frombuffer(self._buffer, dtype=np.uint32, count=count, offset=start)
        kind = np.float64 if table["wide"][at] else np.float32
        weights = np.frombuffer(self._buffer, dtype=kind, count=count, offset=start + 4 * count)
        return ids.astype(np.int64), weights.astype(np.float64)


def _read_array(buffer: Buffer, place: dict[str, Any]) -> npt.NDArray[Any]:
    dtype = np.dtype(place["dtype"])
    if dtype.hasobject:
        raise ValueError("an array of objects")
    return np.frombuffer(buffer, dtype=dtype, count=int(place["count"]), offset=int(place["offset"]))
