"""Keeping an index up to date with folders that fill all day (``searchidx watch``).

A scraper or a mail rule drops articles into a folder; :func:`watch` indexes
what appears, changes or disappears there. File events (watchfiles: inotify,
FSEvents or polling) are gathered into batches, and each batch is one ordinary
update of the watched roots, so one commit: at most every
``commit_seconds`` after the first change of a batch, or at once when
``commit_files`` files changed. Searches and the TUI in other processes see
each commit (they re-open the index when its generation moves). An update
reads only the files whose size or modification time changed since the last
commit, so a batch costs what changed, not the whole folder.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .index import Index
from .ingest import is_article_file
from .models import IndexReport

__all__ = ["watch"]

#: Seconds from a batch's first change to its commit.
COMMIT_SECONDS = 5.0
#: Changed files that commit a batch at once.
COMMIT_FILES = 500


def watch(
    index_path: str | os.PathLike[str],
    roots: Sequence[str | os.PathLike[str]],
    *,
    on_commit: Callable[[IndexReport], None],
    stop: threading.Event | None = None,
    commit_seconds: float = COMMIT_SECONDS,
    commit_files: int = COMMIT_FILES,
    entities: bool | None = None,
    workers: int | None = None,
    columns: Mapping[str, str] | None = None,
    force_polling: bool = False,
) -> None:
    """Index ``roots`` now, then again after every batch of changes, until ``stop`` is set.

    Args:
        index_path: The index (created if missing, as by :meth:`Index.build`).
        roots: Folders (or files) to watch; they are recorded as the index's roots.
        on_commit: Told the report of every update (the first one included).
        stop: Set it (from another thread or a signal handler) to end the watch cleanly.
        commit_seconds: At most this long from a batch's first change to its commit.
        commit_files: A batch of this many changed files commits at once.
        entities: As for :meth:`Index.build`.
        workers: Processes for indexing (default: one per CPU, at most 2).
        columns: CSV/TSV column mapping, as for :meth:`Index.build`.
        force_polling: Poll the file system instead of using its change notifications
            (network file systems, some containers).

    Raises:
        SearchidxError: From the updates (the index is locked, the disk is full ...).
    """
    import watchfiles

    stop = stop or threading.Event()
    paths = [Path(os.path.abspath(root)) for root in roots]
    with Index.build(index_path, paths, entities=entities, workers=workers, columns=columns) as index:
        assert index.last_report is not None
        on_commit(index.last_report)
        pending: set[str] = set()
        first = 0.0
        for changes in watchfiles.watch(
            *paths,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=int(min(commit_seconds, 1.0) * 1000),
            debounce=int(min(commit_seconds, 1.6) * 1000),
            force_polling=force_polling or None,
            raise_interrupt=False,
        ):
            fresh = {path for _change, path in changes if is_article_file(path)}
            if fresh and not pending:
                first = time.monotonic()
            pending |= fresh
            due = pending and (len(pending) >= commit_files or time.monotonic() - first >= commit_seconds)
            if due or (pending and stop.is_set()):
                pending.clear()
                on_commit(index.update(paths, workers=workers, columns=columns))
            if stop.is_set():
                break
