"""Whoosh's posting pool kept per term: fewer objects per posting, runs read back cheaply.

Whoosh's ``SegmentWriter`` keeps every posting as a ``(field, term, docnum, weight,
value)`` tuple, sorts them all when the segment is finished and, past its memory
limit, spills sorted runs to disk with one pickle record per posting. Writing and
reading those runs was a quarter of the CPU of indexing Reuters (19,043 articles,
2 processes, no entities: the workers' CPU 35.6-39.1 s with Whoosh's pool, 28.1-30.6 s
with this one, which spills nothing there). Here a term's postings are one flat list
(docnum, weight, value, ...): a segment's documents arrive in docnum order, so each
list is already sorted and only the terms are; a run holds one record per term. The
codec receives the same stream of tuples as from Whoosh's pool (a test compares
them), so the segment files are the same.

The same stream, term by term, is written as the segment's arrays file
(:mod:`searchidx.postings_arrays`: what searches score from, without decoding blocks).

The codec asks the segment's field length of every posting's document (for each block's
shortest and longest), each time through the per-document column reader: a tenth of an
indexing run. :class:`FieldLengths` reads each field's lengths once per segment.

Whoosh deflates every posting block (its own "under 20 bytes" test is overwritten on the
next line), and zlib's set-up costs more than it saves on a small block: a term in one
article (most terms) is a ~70-byte block that deflating does not shrink. :class:`SmallBlockWriter`
stores a block under :data:`SMALL_BLOCK` bytes as it is (a block says whether it is
compressed: Whoosh and :mod:`searchidx.snapshot.postings` read both).
"""

from __future__ import annotations

import heapq
import marshal
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3PostingsWriter, _lenfield
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool

from .position_values import values_positions
from .schema import TEXT_FIELDS

if TYPE_CHECKING:
    from .postings_arrays import ArraysWriter

__all__ = ["SMALL_BLOCK", "FieldLengths", "SmallBlockWriter", "TermPostingPool", "install"]

# Bytes counted per posting and per term, roughly what CPython holds for them: three list
# slots, an int, a float and a bytes object's header; a dict entry, its key tuple and list.
_POSTING = 3 * 8 + 28 + 24 + 33
_TERM = 64 + 56 + 33 + 56
#: At most this many runs are read at once (Whoosh's own limit); more are merged first.
_MAX_OPEN = 128
#: A posting block whose pickle is shorter is not deflated. All of Reuters with 2 processes:
#: finishing a worker's segment 0.2-0.45 s faster (of ~4), the index 0.1% larger.
SMALL_BLOCK = 128
#: The length each one-byte code in a lengths column stands for (code 0: an empty field, None).
_CODE_LENGTHS = [None, *(byte_to_length(code) for code in range(1, 256))]

_term = itemgetter(0, 1)

#: What Whoosh's pools hold and yield: (fieldname, tbytes, docnum, weight, vbytes).
_Posting = tuple[str, bytes, int, float, Any]


class TermPostingPool(PostingPool):  # type: ignore[misc]
    """A ``whoosh.writing.PostingPool`` that groups postings by (field, term); same interface."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, folder: Path | None = None) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self.groups: dict[tuple[str, bytes], list[Any]] = {}
        self.runs: list[str] = []
        self.folder = folder  # where the segment is written: its arrays file goes beside it

    def add(self, item: _Posting) -> None:
        """Add one ``(fieldname, tbytes, docnum, weight, vbytes)`` posting."""
        fieldname, text, docnum, weight, value = item
        key = (fieldname, text)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = group = []
            self.fieldnames.add(fieldname)
            self.currentsize += _TERM + len(text)
        group += (docnum, weight, value)
        self.currentsize += _POSTING + (len(value) if value else 0)
        if self.currentsize > self.limit:
            self.save()

    def save(self) -> None:
        """Write the postings held in memory to a new run (sorted by field and term)."""
        if self.groups:
            groups, self.groups = self.groups, {}
            self._write((*key, groups[key]) for key in sorted(groups))
        self.currentsize = 0

    def _write(self, records: Iterable[tuple[str, bytes, list[Any]]]) -> None:
        path, handle = self._new_run()
        dump = marshal.dump
        try:
            for record in records:
                dump(record, handle, 2)
        finally:
            handle.close()
        self.runs.append(path)

    def iter_postings(self) -> Iterator[_Posting]:
        """All postings in (field, term, docnum) order, as Whoosh's pool yields them.

        Read to the end (the segment written), they are also in the segment's arrays file.
        """
        sink = None if self.folder is None or self.segment is None else self._arrays_writer
        if not self.runs:
            groups, self.groups = self.groups, {}
            return _postings(((*key, groups[key]) for key in sorted(groups)), sink)
        self.save()
        while len(self.runs) > _MAX_OPEN:  # merge the oldest runs into one, kept first
            oldest, rest = self.runs[:_MAX_OPEN], self.runs[_MAX_OPEN:]
            self.runs = []
            self._write(_merged(oldest, self._read))
            self.runs += rest
        runs, self.runs = self.runs, []
        return _postings(_merged(runs, self._read), sink)

    def _arrays_writer(self) -> ArraysWriter:
        """The writer of this segment's arrays file (opened when its first posting is read)."""
        from .postings_arrays import SUFFIX, ArraysWriter
        from .storage import file_mode

        assert self.folder is not None
        name = self.segment.segment_id()
        return ArraysWriter(self.folder / f"{name}{SUFFIX}", name, TEXT_FIELDS, file_mode(self.folder))

    def _read(self, path: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        """One run's records, then the run is removed."""
        handle = self._open_run(path)
        load = marshal.load
        try:
            while True:
                try:
                    yield load(handle)
                except EOFError:
                    return
        finally:
            handle.close()
            self._remove_run(path)

    # Whoosh's SortingPool API, unused here: everything goes through add/save/iter_postings.
    def items(self, maxfiles: int = _MAX_OPEN) -> Iterator[_Posting]:
        """The same as :meth:`iter_postings`."""
        return self.iter_postings()


def _merged(runs: list[str], read: Any) -> Iterator[tuple[str, bytes, list[Any]]]:
    """The runs' records by (field, term); one term's records in run order, joined."""
    merged = heapq.merge(*(read(path) for path in runs), key=_term)
    for key, records in groupby(merged, key=_term):
        parts = [record[2] for record in records]
        flat = parts[0]
        for part in parts[1:]:
            flat += part
        yield (*key, flat)


def _postings(
    records: Iterable[tuple[str, bytes, list[Any]]], opened: Callable[[], ArraysWriter] | None
) -> Iterator[_Posting]:
    # The arrays file is opened here, inside the generator: whatever stops it removes the file.
    sink = None if opened is None else opened()
    finished = False
    try:
        for fieldname, text, flat in records:
            docnums, weights, values = flat[0::3], flat[1::3], flat[2::3]
            if docnums != sorted(docnums):  # postings merged in from other segments out of order
                triples = sorted(zip(docnums, weights, values, strict=True), key=itemgetter(0))
                docnums, weights, values = ([t[k] for t in triples] for k in range(3))
            if sink is not None:
                # positions for phrases: read from the values here, once, not at every search
                positions = values_positions(values) if fieldname in sink.fields else None
                sink.add(fieldname, text, docnums, weights, positions)
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, text, docnum, weight, value
        if sink is not None:
            sink.finish()
        finished = True
    finally:
        if sink is not None and not finished:
            sink.abandon()


class FieldLengths:
    """A segment's per-document reader for its posting writer: each field's lengths read once.

    ``doc_field_length`` gives what the wrapped reader gives (``None`` for an empty field,
    as Whoosh's W3 reader does; ``default`` for a field without lengths), from a list made
    on the field's first posting out of the lengths column's bytes (Whoosh reads one
    document at a time, and looks for a missing column's file at every one of them).
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._fields: dict[tuple[str, int], list[Any]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        """The document's length in the field (Whoosh's ``PerDocumentReader.doc_field_length``)."""
        lengths = self._fields.get((fieldname, default))
        if lengths is None:
            lengths = self._fields[fieldname, default] = self._lengths(fieldname, default)
        return lengths[docnum]

    def _lengths(self, fieldname: str, default: int) -> list[Any]:
        count = self._reader.doc_count_all()
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return [default] * count
        codes = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        return [_CODE_LENGTHS[code] for code in codes] + [None] * (count - column._count)

    def close(self) -> None:
        """Close the wrapped reader."""
        self._reader.close()


class SmallBlockWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's W3 posting writer, but a block under :data:`SMALL_BLOCK` bytes is stored undeflated.

    Otherwise the block Whoosh writes, byte for byte (a test compares them).
    """

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:  # a term's first block follows the format's magic number
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
        compression = self._compression if len(data) >= SMALL_BLOCK else 0
        if compression:
            data = zlib.compress(data, compression)
        ids = self._ids
        info = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                compression,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)  # the last block's size is negative
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class _SmallBlocks:
    """A segment writer's codec as its field writer sees it: postings through :class:`SmallBlockWriter`."""

    def __init__(self, codec: Any) -> None:
        self._codec = codec

    def __getattr__(self, name: str) -> Any:
        if name == "_codec" or name.startswith("__"):  # not set yet (a copy, an unpickling)
            raise AttributeError(name)
        return getattr(self._codec, name)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> SmallBlockWriter:
        """What ``W3Codec.postings_writer`` makes, with the same settings."""
        codec = self._codec
        return SmallBlockWriter(
            dbfile,
            blocklimit=codec._blocklimit,
            byteids=byteids,
            compression=codec._compression,
            inlinelimit=codec._inlinelimit,
        )


def install(writer: Any) -> Any:
    """Give a Whoosh ``SegmentWriter`` this module's posting pool, field lengths and block writer."""
    folder = getattr(writer.storage, "folder", None)  # "" or None: an index in memory (no arrays file)
    arrays = Path(folder) if folder else None
    writer.pool = TermPostingPool(writer._tempstorage, writer.newsegment, folder=arrays)
    per_document_reader = writer.per_document_reader
    writer.per_document_reader = lambda: FieldLengths(per_document_reader())
    writer.fieldwriter._codec = _SmallBlocks(writer.fieldwriter._codec)  # the segment keeps Whoosh's
    return writer
