"""Whoosh's index objects, segment writers and files: how searchidx opens, writes and cleans them.

The one place, with :mod:`.posting_pool`, that writes Whoosh's internals
(``tests/test_layering.py``: :mod:`searchidx.snapshot` reads them, :mod:`.schema`
defines the format). Here: ``SegmentWriter(_lk=False)`` (:func:`segment_writer`:
the caller holds searchidx's lock), ``_finalize_segment`` (:func:`finalize_segment`:
a finished segment, not yet listed), ``_close_segment`` (:func:`close_segment`: a
worker with nothing to hand over), a ``FileIndex`` that ignores the table of
contents (:func:`whoosh_index` with ``fresh``: a rebuild), ``TOC._latest_generation``
and ``clean_files`` (:func:`discard_uncommitted`); ``tests/test_whoosh_shape.py``
fails if Whoosh changes them.
"""

from __future__ import annotations

import os
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

from .storage import (
    ENTITIES_FILE,
    FEEDS_FILE,
    FILES_FILE,
    INDEX_NAME,
    META_FILE,
    OURS_RE,
    STEMS_FILE,
    STORIES_FILE,
)

__all__ = ["close_segment", "discard_uncommitted", "finalize_segment", "segment_writer", "whoosh_index"]


def segment_writer(ix: Any) -> Any:
    """A Whoosh ``SegmentWriter`` over ``ix`` that takes no lock: the caller holds searchidx's."""
    from whoosh.writing import SegmentWriter

    from .posting_pool import install

    return install(SegmentWriter(ix, _lk=False))


def finalize_segment(writer: Any) -> Any:
    """Finish the writer's segment without listing it (a later commit lists it); return the segment."""
    return writer._finalize_segment()


def close_segment(writer: Any) -> None:
    """Close an unfinished segment's files (not ``cancel()``: that removes the temp dir others use)."""
    writer._close_segment()


class _Fresh:
    """A table of contents that starts over: no segments, the next generation after every file's."""

    def __init__(self, storage: Any, schema: Any) -> None:
        from whoosh.index import TOC

        self.generation = TOC._latest_generation(storage, INDEX_NAME)
        self.schema = schema
        self.segments: list[Any] = []


def whoosh_index(path: Path, schema: Any, *, fresh: bool = False) -> Any:
    """A Whoosh index object over ``path`` that uses ``schema`` (never the pickled one).

    With ``fresh``, a writer from it ignores the current table of contents: its
    commit lists only the segments it wrote, replacing the whole index in one
    atomic step (how a rebuild works, even over a damaged or foreign index).
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import FileIndex

    storage = FileStorage(str(path))
    if not fresh:
        return FileIndex(storage, schema=schema, indexname=INDEX_NAME)

    class FreshIndex(FileIndex):  # type: ignore[misc]
        def __init__(self) -> None:  # FileIndex's own would read the table of contents
            self.storage, self._schema, self.indexname = storage, schema, INDEX_NAME

        def _read_toc(self) -> Any:
            return _Fresh(self.storage, self._schema)

    return FreshIndex()


def discard_uncommitted(path: Path, *, everything: bool = False) -> None:
    """Delete files a failed or empty run left: segments no commit lists, temporary files.

    Call it holding the write lock (another writer's segments would look
    unlisted). With ``everything``, remove all of searchidx's files (a first
    build that failed leaves the directory as it found it, lock file aside).
    Only names searchidx and Whoosh create are touched.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC, clean_files

    storage = FileStorage(str(path))
    generation, segments = -1, []
    if not everything:
        generation = TOC._latest_generation(storage, INDEX_NAME)
        if generation >= 0:
            from .schema import build_schema

            segments = TOC.read(storage, INDEX_NAME, generation, schema=build_schema()).segments
    clean_files(storage, INDEX_NAME, generation, segments)
    for name in os.listdir(path):
        if OURS_RE.match(name) and (".toc." in name or name.endswith(".tmp")):
            _remove(path / name)
    shutil.rmtree(path / f"{INDEX_NAME}.tmp", ignore_errors=True)
    if everything:
        for name in (META_FILE, STEMS_FILE, ENTITIES_FILE, FILES_FILE, FEEDS_FILE, STORIES_FILE):
            _remove(path / name)


def _remove(item: Path) -> None:
    with suppress(FileNotFoundError):
        item.unlink()
