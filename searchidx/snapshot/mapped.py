"""Read a segment's files from Whoosh's memory map without copying them.

Whoosh maps each compound segment file, then wraps every sub-file it opens in
a ``BufferFile`` whose ``io.BytesIO`` copies the whole sub-file into memory:
on 76,172 Reuters articles, a search's first read copied the terms file
(139 MB) and the stored fields (76 MB), over half the process. Here the
sub-file is read through the map itself (behind ``io.BufferedReader``, so
Whoosh's many one-byte reads stay in C); pages the system can drop take the
place of copies it cannot. Installed once, when :mod:`searchidx.snapshot` is
imported (only indexes opened for reading after that use it). Whoosh's
``CompoundStorage.open_file`` and ``BufferFile`` are internals:
``tests/test_whoosh_shape.py`` checks they still have the shape used here.

Pages read through a map count in the process's resident size until it unmaps
them, and reads at random over a segment map most of it: the kernel maps up to
64 KB around each page read (fault-around), so a few thousand stored documents
read map all 72 MB of 76,172 articles' stored fields. :func:`release_pages`
unmaps them from the process (they stay in the page cache, and the next read
maps them again without touching the disk); a long-lived reader such as the
TUI calls it when idle.
"""

from __future__ import annotations

import io
import mmap
import threading
import weakref
from typing import Any

__all__ = ["MappedFile", "install", "release_pages", "track"]

_LINE_CHUNK = 4096
_MAPS: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()  # every segment map read through here
_MAPS_LOCK = threading.Lock()


class MappedFile(io.RawIOBase):
    """A read-only, seekable file over a ``memoryview`` (no copy of the data)."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        """Always True."""
        return True

    def seekable(self) -> bool:
        """Always True."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the current position (all that is left with -1)."""
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the current position; the number of bytes copied."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        """Bytes up to and including the next newline (pickle's text opcodes read lines)."""
        start = self._pos
        limit = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        at = start
        while at < limit:
            chunk = self._view[at : min(limit, at + _LINE_CHUNK)].tobytes()
            found = chunk.find(b"\n")
            if found >= 0:
                limit = at + found + 1
                break
            at += len(chunk)
        return self.read(limit - start)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current position or the end."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        """The current position."""
        return self._pos


def install() -> None:
    """Make Whoosh's compound segments hand out sub-files that read the map (idempotent)."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import BufferFile

    if getattr(CompoundStorage.open_file, "_searchidx_mapped", False):
        return

    class MappedBufferFile(BufferFile):  # type: ignore[misc]
        def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
            # BufferFile's own __init__ would copy ``buf`` into a BytesIO.
            self._buf = buf
            self._name = name
            self.file = io.BufferedReader(MappedFile(memoryview(buf)))  # small reads stay in C
            self.onclose = onclose
            self.is_real = False
            self.is_closed = False

        def subset(self, position: int, length: int, name: str | None = None) -> Any:
            return MappedBufferFile(self.get(position, length), name=name or self._name)

    whoosh_open = CompoundStorage.open_file

    def open_file(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self._source:
            return whoosh_open(self, name, *args, **kwargs)
        if self.is_closed:
            return whoosh_open(self, name, *args, **kwargs)  # Whoosh raises its own error
        offset, length = self.range(name)
        track(self._source)
        return MappedBufferFile(memoryview(self._source)[offset : offset + length], name=name)

    open_file._searchidx_mapped = True  # type: ignore[attr-defined]
    CompoundStorage.open_file = open_file


def track(source: mmap.mmap) -> None:
    """Have :func:`release_pages` unmap this map's pages too (another file the snapshot maps)."""
    with _MAPS_LOCK:
        _MAPS.add(source)


def release_pages() -> int:
    """Unmap the pages of every open segment map from this process; the number of maps released.

    The data stays in the system's page cache: the next read maps its page again (a minor
    fault, no disk read). Safe while another thread reads a map (its next access faults).
    """
    released = 0
    with _MAPS_LOCK:  # a search thread may be adding a map: a WeakSet must not change while copied
        sources = list(_MAPS)
    for source in sources:
        if source.closed:
            continue
        try:
            source.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):  # closed meanwhile, or a system without madvise
            continue
        released += 1
    return released
