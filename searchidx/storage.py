"""On-disk safety for an index directory: location, lock, trust, cleanup, durability, damage.

Whoosh pickles objects into an index and never fsyncs; these helpers decide
whether a directory may be written or opened, hold the one-writer lock, remove
what a failed run left, flush a finished commit, and turn low-level read
failures into one error. Nothing here deletes or moves a file whose name
searchidx or Whoosh did not give it.

Whoosh's tables of contents and segment files are written and cleaned up by
:mod:`.whoosh_files`, the one place that writes Whoosh's internals.
"""

from __future__ import annotations

import fcntl
import functools
import grp
import json
import os
import pickle
import pwd
import re
import stat
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from .errors import IndexCorrupt, IndexLocationError, IndexLocked, IndexUntrusted, IndexWriteError

__all__ = [
    "OURS_RE",
    "check_apart",
    "check_trusted",
    "file_mode",
    "fsync_tree",
    "inspect_location",
    "read_json_object",
    "read_vocabulary",
    "reading",
    "write_json",
    "write_lock",
]


# What Whoosh raises when a file under it is truncated, missing or garbled.
_DAMAGE = (OSError, EOFError, IndexError, struct.error, zlib.error, pickle.UnpicklingError)


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object file beside the index (empty when missing, unreadable or not an object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_vocabulary(where: Path) -> dict[str, str]:
    """An index's ``stems.json``: word -> stem (empty when missing or unreadable: it is only a cache)."""
    return read_json_object(where / STEMS_FILE)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn low-level read failures into :class:`IndexCorrupt` (with the rebuild hint)."""
    try:
        yield
    except _DAMAGE as exc:
        raise IndexCorrupt(str(path), f"{type(exc).__name__}: {exc}") from None


def check_trusted(path: Path) -> None:
    """Refuse an index whose directory or any file in it another user could have written.

    Whoosh unpickles the table of contents and each segment's header, so every
    file it may load counts: each must be owned by this user and writable by
    nobody else. Group write is accepted only for this user's own private
    group (see :func:`_private_group`). ``$SEARCHIDX_TRUSTED_INDEXES`` lists
    trusted directories (``os.pathsep``-separated), or ``*``.
    """
    trusted = os.environ.get("SEARCHIDX_TRUSTED_INDEXES", "")
    entries = [e for e in trusted.split(os.pathsep) if e]
    if "*" in entries or any(os.path.realpath(e) == os.path.realpath(path) for e in entries):
        return
    uid = os.geteuid()
    where = os.path.abspath(path)
    try:
        names = os.listdir(path)
    except OSError:
        names = []
    for item in [path, *(path / n for n in names)]:
        try:
            info = item.lstat()
        except FileNotFoundError:
            continue  # replaced by a concurrent commit
        label = "the directory" if item == path else item.name
        if stat.S_ISLNK(info.st_mode):
            raise IndexUntrusted(where, f"{label} is a symbolic link")
        if info.st_uid != uid:
            raise IndexUntrusted(where, f"{label} is owned by another user (uid {info.st_uid})")
        if info.st_mode & 0o002:
            raise IndexUntrusted(where, f"{label} is writable by any user")
        if info.st_mode & 0o020 and not _private_group(info.st_gid):
            raise IndexUntrusted(where, f"{label} is writable by group {info.st_gid}, which others share")


@functools.cache
def _private_group(gid: int) -> bool:
    """True for this user's own group: primary for this user alone and with no other members."""
    try:
        me = pwd.getpwuid(os.geteuid()).pw_name
        members = set(grp.getgrgid(gid).gr_mem)
        others = {p.pw_name for p in pwd.getpwall() if p.pw_gid == gid and p.pw_uid != os.geteuid()}
    except (KeyError, OSError):
        return False
    return gid == os.getegid() and members <= {me} and not others


#: Descriptors of write locks this process holds (forked workers close their copies).
held_locks: set[int] = set()
#: Whoosh's own lock file name, so a stock Whoosh writer and searchidx exclude each other.
LOCK_FILE = "MAIN_WRITELOCK"
INDEX_NAME = "MAIN"
META_FILE = "searchidx.json"
STEMS_FILE = "stems.json"
#: One name per entity across the collection, resolved after each commit (entities.collection).
ENTITIES_FILE = "entities.json"
#: Which articles are copies of one story, grouped after each commit (stories.group_collection).
STORIES_FILE = "stories.json"
#: Size and times of each file read cleanly, so an update skips the untouched ones (update.signature).
FILES_FILE = "files.json"
#: ETag and Last-Modified of each feed URL polled cleanly, for the next conditional GET (polling.poll).
FEEDS_FILE = "feeds.json"
_FILES = f"{re.escape(FILES_FILE)}|{re.escape(FEEDS_FILE)}|{re.escape(STORIES_FILE)}"
# Entries that may stand in a directory that is still "empty" for an index: a
# filesystem's own folder, and the lock and scratch space searchidx itself creates.
_IGNORABLE = frozenset({"lost+found", LOCK_FILE, f"{INDEX_NAME}.tmp"})
OURS_RE = re.compile(
    rf"^(?:_{INDEX_NAME}_\d+\.toc(?:\.[\d.]+)?|{INDEX_NAME}_[0-9a-z]+\.[A-Za-z0-9_.]+"
    rf"|\.(?:{re.escape(META_FILE)}|{re.escape(STEMS_FILE)}|{re.escape(ENTITIES_FILE)}|{_FILES})"
    rf"\.\d+\.tmp)$"
)
_META_TMP_RE = re.compile(
    rf"^\.(?:{re.escape(META_FILE)}|{re.escape(STEMS_FILE)}|{re.escape(ENTITIES_FILE)}|{_FILES})"
    rf"\.\d+\.tmp$"
)
Location = Literal["missing", "empty", "index"]


def _listing(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


def inspect_location(path: Path) -> Location:
    """Say what is at an index location, refusing anything that is not ours to write.

    Returns:
        ``"missing"`` (nothing there), ``"empty"`` (a directory with nothing of
        anyone's in it: an empty folder or a mount point) or ``"index"`` (a
        directory holding searchidx's metadata file).

    Raises:
        IndexLocationError: A file, or a directory holding anything else.
    """
    where = os.path.abspath(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise IndexLocationError(where, f"it cannot be inspected ({exc.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise IndexLocationError(where, "it is a file, not a directory")
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        raise IndexLocationError(where, f"it cannot be listed ({exc.strerror})") from None
    if META_FILE in names and (path / META_FILE).is_file():
        return "index"
    # Our own metadata being written (a concurrent first build) is not someone else's file.
    foreign = [
        n + ("/" if (path / n).is_dir() else "")
        for n in names
        if n not in _IGNORABLE and not _META_TMP_RE.match(n)
    ]
    if foreign:
        raise IndexLocationError(where, f"it is not a searchidx index and holds {_listing(foreign)}")
    return "empty"


def check_apart(index: Path, roots: Iterable[Path]) -> None:
    """Refuse an index inside, equal to or containing a directory or file it indexes."""
    where = os.path.realpath(index)
    for root in roots:
        real = os.path.realpath(root)
        if where == real or where.startswith(real + os.sep) or real.startswith(where + os.sep):
            relation = (
                "is" if where == real else "is inside" if where.startswith(real + os.sep) else "contains"
            )
            raise IndexLocationError(
                os.path.abspath(index),
                f"it {relation} the indexed path {root}; keep the index apart from the articles",
            )


@contextmanager
def write_lock(path: Path, timeout: float, delay: float = 0.05) -> Iterator[int]:
    """Hold the index's write lock (``flock`` on Whoosh's lock file); yield its descriptor.

    The descriptor is close-on-exec, and worker processes close their inherited
    copy (:func:`searchidx.workers.start_worker`), so only this process holds
    the lock: when it dies, however it dies, the lock is free.

    Raises:
        IndexLocked: Another writer kept it for ``timeout`` seconds.
        IndexWriteError: The directory is read-only.
    """
    try:
        fd = os.open(path / LOCK_FILE, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise IndexWriteError(str(path), exc) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(str(path), timeout) from None
                time.sleep(delay)
        held_locks.add(fd)
        try:
            yield fd
        finally:
            held_locks.discard(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def file_mode(path: Path) -> int:
    """Permission bits for index files: the directory's, less execute (0600 in a 0700 directory).

    Index files hold the articles' text, so they are as private as the index
    directory: searchidx creates that 0700, and a directory its owner opened
    up on purpose (say 0750 to share with a group) gives matching files.
    """
    return stat.S_IMODE(path.stat().st_mode) & 0o666


def fsync_tree(path: Path) -> None:
    """Flush every file of the index and the directory entry to disk; give files :func:`file_mode`."""
    mode = file_mode(path)
    for item in path.iterdir():
        if item.is_file() and not item.is_symlink():
            if stat.S_IMODE(item.stat().st_mode) != mode:
                item.chmod(mode)
            with item.open("rb") as handle:
                os.fsync(handle.fileno())
    handle_dir = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle_dir)
    finally:
        os.close(handle_dir)


def write_json(path: Path, data: Any) -> None:
    """Replace a JSON file atomically, with the index's file permissions."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode(path.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False, sort_keys=True))
    os.replace(tmp, path)
