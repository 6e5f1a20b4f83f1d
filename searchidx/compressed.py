"""Compressed article files (``.gz``, ``.bz2``, ``.xz``, ``.zst``), read as streams.

A compressed file is read through a decompressing stream, so a multi-GB dump
costs memory for one record at a time, never for the whole file. Damage
(corrupt data, a truncated download) surfaces as an exception while reading;
:func:`damage` tells it from an ordinary read error so the readers can report
it once and keep what came before.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import zstandard

__all__ = ["COMPRESSIONS", "READ_ERRORS", "damage", "open_binary", "split_suffix"]

#: Compression suffix -> the name used in messages.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
#: What reading a (possibly compressed) file can raise: damage or an ordinary I/O error.
READ_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zstandard.ZstdError,
)
_CHUNK = 2**16
_MAGIC = 0xFD2FB528
_SKIPPABLE = 0x184D2A50


def split_suffix(name: str | os.PathLike[str]) -> tuple[str, str | None]:
    """Split a file name into its format suffix and its compression.

    Returns:
        The lower-cased suffix of the content (``.jsonl`` for ``news.jsonl.gz``)
        and the compression name, or ``None`` for an uncompressed file.
    """
    stem, suffix = os.path.splitext(os.fspath(name))
    compression = COMPRESSIONS.get(suffix.lower())
    if compression is None:
        return suffix.lower(), None
    return os.path.splitext(stem)[1].lower(), compression


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open ``path`` for reading, decompressing as it is read when its suffix says so."""
    compression = split_suffix(path)[1]
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bzip2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zstd":
        raw = path.open("rb")
        try:
            return io.BufferedReader(_ZstdReader(raw), _CHUNK)
        except BaseException:
            raw.close()
            raise
    return path.open("rb")


def damage(exc: BaseException, compression: str | None) -> str:
    """Describe a read error for a user: damaged compressed data, or the system's reason."""
    if compression is not None and not (isinstance(exc, OSError) and exc.errno is not None):
        detail = str(exc) or type(exc).__name__
        return f"{compression} data is damaged or truncated ({detail})"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"cannot read: {exc}"


class _ZstdReader(io.RawIOBase):
    """Zstandard frames decompressed a block at a time, raising on a truncated frame.

    ``zstandard``'s ``stream_reader`` ends quietly when the input stops
    mid-frame, so a cut-off download would look complete; and its
    ``decompressobj`` returns all the output of the input it is given, which
    for a repetitive dump can be megabytes from a few bytes. Walking the frame
    format (RFC 8878) and feeding one block at a time bounds each step's output
    by the block size (128 KiB), and the end of the input inside a frame is an
    :class:`EOFError`, as for gzip, bzip2 and xz.
    """

    def __init__(self, raw: io.BufferedIOBase) -> None:
        super().__init__()
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._units = self._frames()
        self._pending = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._pending):
            unit = next(self._units, None)
            if unit is None:
                return 0
            self._pending, self._offset = unit, 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = self._pending[self._offset : self._offset + size]
        self._offset += size
        return size

    def _read(self, size: int) -> bytes:
        data = self._raw.read(size)
        if len(data) < size:
            raise EOFError("compressed file ended before the end-of-frame marker")
        return data

    def _frames(self) -> Iterator[bytes]:
        while magic := self._raw.read(4):
            magic += self._read(4 - len(magic)) if len(magic) < 4 else b""
            number = int.from_bytes(magic, "little")
            if number & 0xFFFFFFF0 == _SKIPPABLE:  # metadata frames: not content
                self._read(int.from_bytes(self._read(4), "little"))
                continue
            if number != _MAGIC:
                raise zstandard.ZstdError("not zstd data (unknown frame magic number)")
            obj = self._dctx.decompressobj()
            descriptor = self._read(1)[0]
            single, checksum, dict_flag, size_flag = (
                descriptor & 32,
                descriptor & 4,
                descriptor & 3,
                descriptor >> 6,
            )
            header = (0 if single else 1) + (0, 1, 2, 4)[dict_flag] + (1 if single else 0, 2, 4, 8)[size_flag]
            yield obj.decompress(magic + bytes([descriptor]) + self._read(header))
            last = False
            while not last:
                block = self._read(3)
                bits = int.from_bytes(block, "little")
                last, kind, size = bool(bits & 1), (bits >> 1) & 3, bits >> 3
                if kind == 3:
                    raise zstandard.ZstdError("corrupt zstd block (reserved block type)")
                yield obj.decompress(block + self._read(1 if kind == 1 else size))
            if checksum:
                yield obj.decompress(self._read(4))
            if not obj.eof:
                raise zstandard.ZstdError("corrupt zstd frame")

    def close(self) -> None:
        self._raw.close()
        super().close()
