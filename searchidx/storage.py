"""On-disk safety for an index directory: trust, recovery, durability, damage.

Whoosh pickles objects into an index and never fsyncs; these helpers decide
whether a directory may be opened, finish or undo an interrupted rebuild,
flush a finished commit, and turn low-level read failures into one error.
"""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexCorrupt, IndexUntrusted

__all__ = ["check_trusted", "fsync_tree", "reading", "recover"]


# What Whoosh raises when a file under it is truncated, missing or garbled.
_DAMAGE = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn low-level read failures into :class:`IndexCorrupt` (with the rebuild hint)."""
    try:
        yield
    except _DAMAGE as exc:
        raise IndexCorrupt(str(path), f"{type(exc).__name__}: {exc}") from None


def check_trusted(path: Path) -> None:
    """Refuse an index directory (or table of contents) owned by another user or writable by others.

    ``$SEARCHIDX_TRUSTED_INDEXES`` lists trusted directories (``os.pathsep``-separated), or ``*``.
    """
    trusted = os.environ.get("SEARCHIDX_TRUSTED_INDEXES", "")
    entries = [e for e in trusted.split(os.pathsep) if e]
    if "*" in entries or any(os.path.realpath(e) == os.path.realpath(path) for e in entries):
        return
    uid = os.geteuid()
    where = os.path.abspath(path)
    for item in [path, *path.glob("*.toc")]:
        try:
            info = item.stat()
        except FileNotFoundError:
            continue  # an older table of contents replaced by a concurrent commit
        if info.st_uid != uid:
            raise IndexUntrusted(where, f"{item.name} is owned by another user (uid {info.st_uid})")
        if info.st_mode & 0o002:
            raise IndexUntrusted(where, f"{item.name} is writable by any user")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(path: Path) -> None:
    """Finish or undo a rebuild that a dead process left half done.

    A rebuild moves the old index to ``.NAME.old-PID`` and the new one into
    place: if the process died between the two, the old index comes back.
    Staging directories of dead builds are removed.
    """
    for leftover in sorted(path.parent.glob(f".{path.name}.*-*")):
        kind, _, pid = leftover.name.rpartition("-")
        if not pid.isdigit() or _pid_alive(int(pid)):
            continue
        if kind.endswith(".old") and not path.exists():
            os.replace(leftover, path)
        elif kind.endswith((".old", ".building")):
            shutil.rmtree(leftover, ignore_errors=True)


def fsync_tree(path: Path) -> None:
    """Flush every file of the index and the directory entry to disk."""
    for item in path.iterdir():
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())
    handle_dir = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle_dir)
    finally:
        os.close(handle_dir)
