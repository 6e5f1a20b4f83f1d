"""Finding, checking and opening an index on disk, and keeping its snapshot current across commits.

:func:`open_checked` is everything :meth:`searchidx.Index.open` verifies before
trusting a directory (location, metadata, versions, ownership, the analyzer);
a :class:`Reader` then holds the open Whoosh index and hands out the current
:class:`~searchidx.snapshot.Snapshot`, replacing it when another process has
committed. Reading itself is the snapshot's; writing is :mod:`searchidx.writing`'s.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import analysis
from .errors import IndexCorrupt, IndexInUse, IndexLocationError, IndexNotFound, IndexVersionError
from .storage import META_FILE, check_trusted, inspect_location, read_json_object, read_vocabulary, reading
from .writing import versions

if TYPE_CHECKING:
    from .snapshot import Snapshot

__all__ = [
    "DEFAULT_INDEX",
    "LOCK_TIMEOUT",
    "REOPEN_ATTEMPTS",
    "Reader",
    "identity",
    "open_checked",
    "recorded_meta",
    "resolve_index_path",
]

DEFAULT_INDEX = "index"
LOCK_TIMEOUT = 10.0
REOPEN_ATTEMPTS = 3  # when a concurrent commit removes files we were about to open


def resolve_index_path(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """Return the index location and whether it was configured.

    Order: ``explicit`` (``--index``), then ``$SEARCHIDX_INDEX``, then
    ``./index``. The flag is False only for the implicit default.
    """
    if explicit:
        return Path(explicit), True
    env = os.environ.get("SEARCHIDX_INDEX")
    if env:
        return Path(env), True
    return Path(DEFAULT_INDEX), False


def identity(where: Path) -> tuple[int, int] | None:
    """The directory's device and inode (None if it is gone): a rebuilt-from-scratch index has new ones."""
    try:
        info = where.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def recorded_meta(where: Path) -> dict[str, Any]:
    """``searchidx.json`` as recorded (empty when missing or unreadable)."""
    return read_json_object(where / META_FILE)


def open_checked(where: Path) -> tuple[Any, dict[str, Any]]:
    """Open the Whoosh index at ``where`` after checking it is a trusted searchidx index of this version.

    Returns:
        The Whoosh ``FileIndex`` and the recorded metadata (``searchidx.json``).

    Raises:
        IndexNotFound: Nothing is there, or it is not a searchidx index.
        IndexVersionError: Written by an incompatible schema or analyzer.
        IndexCorrupt: Present but unreadable.
        IndexUntrusted: Owned by another user or writable by others.
    """
    from whoosh import index as windex

    try:
        state = inspect_location(where)
    except IndexLocationError as exc:
        raise IndexNotFound(str(where), exc.reason) from None
    if state != "index":
        raise IndexNotFound(str(where))
    try:
        meta = json.loads((where / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(str(where), f"unreadable {META_FILE}: {exc}") from None
    for key, expected in versions().items():
        if meta.get(key) != expected:
            raise IndexVersionError(str(where), key.replace("_", " "), meta.get(key), expected)
    check_trusted(where)
    for attempt in range(REOPEN_ATTEMPTS):
        try:
            ix = windex.open_dir(str(where))
            # Whoosh reads the newest table of contents again for the schema: inside the retry.
            tokenizer = ix.schema["body"].analyzer
            break
        except windex.EmptyIndexError:
            raise IndexNotFound(str(where), "its first indexing run did not finish") from None
        except FileNotFoundError as exc:
            # A commit between listing the tables of contents and reading the newest one
            # deleted it: read the newer one.
            if attempt == REOPEN_ATTEMPTS - 1:
                raise IndexCorrupt(str(where), f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # Whoosh raises anything from OSError to unpickling errors
            raise IndexCorrupt(str(where), f"{type(exc).__name__}: {exc}") from None
    if getattr(tokenizer, "version", None) != analysis.ANALYZER_VERSION:
        found = getattr(tokenizer, "version", "unknown")
        raise IndexVersionError(str(where), "analyzer version", found, analysis.ANALYZER_VERSION)
    return ix, meta


class Reader:
    """An open index's Whoosh ``FileIndex`` and its current :class:`~searchidx.snapshot.Snapshot`.

    A snapshot is made on first use and kept until a commit (by this process
    or another) makes it stale; the stem memo is loaded once, with the first.
    :meth:`using` lends it to one caller at a time.
    """

    def __init__(self, path: Path, whoosh_index: Any, *, entities: bool) -> None:
        self.path = path
        self.ix = whoosh_index
        self.entities = entities
        self._snapshot: Snapshot | None = None
        self._stems_loaded = False
        self._identity = identity(path)
        self._busy = threading.Lock()

    @contextmanager
    def using(self) -> Iterator[Snapshot]:
        """The current snapshot, for one caller at a time (Whoosh readers share file positions).

        Raises:
            IndexInUse: Another caller (thread) is using it.
            IndexCorrupt: A read failed (:func:`searchidx.storage.reading`).
        """
        if not self._busy.acquire(blocking=False):
            raise IndexInUse(str(self.path))
        try:
            with reading(self.path):
                yield self.snapshot()
        finally:
            self._busy.release()

    def close(self) -> None:
        """Close the snapshot's searcher (a later :meth:`snapshot` opens a new one)."""
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None

    def refresh(self) -> None:
        """Drop the snapshot if a commit made it stale, and reopen the index if it was replaced."""
        found = identity(self.path)
        if found != self._identity:
            # The directory itself was replaced (deleted and built anew): generations restart,
            # so Whoosh's up_to_date() cannot tell. Read the new one from scratch.
            from whoosh import index as windex

            self._identity = found
            self.ix = windex.open_dir(str(self.path))
            self.close()
            return
        if self._snapshot is not None and not self._snapshot.up_to_date():
            # Not Searcher.refresh(): Whoosh reuses a segment's reader when the segment id is
            # unchanged, so documents deleted from it since stay visible (and readers of
            # segments merged away are kept). A fresh searcher costs a few milliseconds.
            self.close()

    def snapshot(self) -> Snapshot:
        """The current snapshot: the one open, or a new one if a commit happened since."""
        current = self._current()
        if not self._stems_loaded:
            vocabulary = read_vocabulary(self.path)
            analysis.preload_stems(vocabulary)  # its words are stemmed without loading NLTK
            if current.vocabulary is None:
                current.vocabulary = vocabulary  # read once: suggestions use the same table
            self._stems_loaded = True
        return current

    def _current(self) -> Snapshot:
        from whoosh import index as windex

        from .ranking import RobertsonBM25F
        from .snapshot import Snapshot

        with reading(self.path):
            for attempt in range(REOPEN_ATTEMPTS):
                try:
                    self.refresh()
                    if self._snapshot is None:
                        check_trusted(self.path)  # a commit since open() brought new files to unpickle
                        self._snapshot = Snapshot.open(
                            self.ix, RobertsonBM25F(), entities=self.entities, path=self.path
                        )
                    return self._snapshot
                except FileNotFoundError:
                    if attempt == REOPEN_ATTEMPTS - 1:
                        raise
                    # Another process committed between our reading its table of contents
                    # and opening a segment that commit then deleted: read the new one.
                    self._snapshot = None
                    with suppress(FileNotFoundError):  # yet another commit: the next attempt reads it
                        self.ix = windex.open_dir(str(self.path))
        raise AssertionError("unreachable")
