"""Keeping an index up to date with folders that fill all day (``searchidx watch``).

A scraper or a mail rule drops articles into a folder; :func:`watch` indexes
what appears, changes or disappears there. File events (watchfiles: inotify,
FSEvents or polling) are gathered into batches, and each batch is one ordinary
update of the watched roots, so one commit: at most every
``commit_seconds`` after the first change of a batch, or at once when
``commit_files`` files changed. Searches and the TUI in other processes see
each commit (they re-open the index when its generation moves). An update
reads only the files whose size or modification time changed since the last
commit, so a batch costs what changed, not the whole folder (but each commit
also refreshes collection-wide files, such as the entity resolution, whose
cost grows with the index).

The watcher listens before the first scan, so a file that lands during it is
not missed; stopping commits whatever landed since the last commit.

Feed URLs among the roots are polled every ``feed_seconds`` (a conditional GET:
a feed that has not changed costs one request and commits nothing), by a thread
of their own and without the write lock: a feed server that is slow to answer
delays no commit of the folders; what a poll brings is then one ordinary update.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .index import Index
from .models import IndexReport

if TYPE_CHECKING:
    from .polling import Polled

__all__ = ["watch"]

#: Seconds from a batch's first change to its commit.
COMMIT_SECONDS = 1.0
#: Changed files that commit a batch at once.
COMMIT_FILES = 500
#: Seconds between two polls of the watched feed URLs.
FEED_SECONDS = 600.0
#: At most this long between two looks at the clock while waiting for changes.
_WAKE_SECONDS = 0.2


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
    feed_seconds: float = FEED_SECONDS,
) -> None:
    """Index ``roots`` now, then again after every batch of changes, and once more when ``stop`` is set.

    Args:
        index_path: The index (created if missing, as by :meth:`Index.build`).
        roots: Folders (or files) to watch, and feed URLs to poll; they are recorded as the
            index's roots.
        on_commit: Told the report of every update (the first one included; later feed polls
            and the last one, when stopping, only if they changed something or had a problem,
            a feed poll only for a problem the poll before did not have).
        stop: Set it (from another thread or a signal handler) to end the watch cleanly:
            the current commit ends, then one more commits what landed since.
        commit_seconds: At most this long from a batch's first change to its commit.
        commit_files: A batch of this many changed files commits at once.
        entities: As for :meth:`Index.build`.
        workers: Processes for indexing (default: one per CPU, at most 2).
        columns: CSV/TSV column mapping, as for :meth:`Index.build`.
        force_polling: Poll the file system instead of using its change notifications
            (network file systems, some containers).
        feed_seconds: Seconds between two polls of the feed URLs among ``roots``.

    Raises:
        SearchidxError: From the updates (the index is locked, the disk is full ...).
    """
    from .fetch import is_url
    from .ingest import is_article_file

    stop = stop or threading.Event()
    feeds = [str(root) for root in roots if is_url(root)]
    paths = [Path(os.path.abspath(root)) for root in roots if not is_url(root)]
    index: Index | None = None
    said: set[str] = set()  # the feeds' problems of the last poll: a feed failing again is not news

    def update(
        sources: Sequence[str | Path], always: bool, polls: Mapping[str, Polled] | None = None
    ) -> None:
        """One update of ``sources`` (the feeds when ``polls`` holds their answers), reported if news."""
        nonlocal said
        assert index is not None
        done = index.update(sources, workers=workers, columns=columns, polls=polls)
        problems = {str(p) for p in done.problems}
        news = bool(problems) if polls is None else bool(problems - said)
        if polls is not None:
            said = problems
        if always or done.added or done.updated or done.removed or news:
            on_commit(done)

    with contextlib.ExitStack() as stack:
        poller = _Poller(Path(index_path), feeds, feed_seconds, stop)
        stack.callback(poller.join)
        batch = _Batch(commit_seconds, commit_files)
        for changes in _changes(paths, stop, commit_seconds, force_polling):
            if index is None:
                # The watcher listens from the first step: a file that lands while the
                # folders are scanned is its next change, not missed until another comes.
                batch.committing(time.monotonic())
                # With folders, the feeds' first poll is the poller's, at once: a slow feed
                # server does not hold the folders' first commit.
                first = [*paths] if paths else [*feeds]
                index = stack.enter_context(
                    Index.build(index_path, first, entities=entities, workers=workers, columns=columns)
                )
                assert index.last_report is not None
                on_commit(index.last_report)
                said = {str(p) for p in index.last_report.problems}
                poller.start(at_once=bool(paths))
                continue  # what landed before the scan began, the scan has read
            batch.add({path for _change, path in changes if is_article_file(path)}, time.monotonic())
            if batch.due(time.monotonic()):
                batch.committing(time.monotonic())
                update(paths, always=True)
            polls = poller.take()
            if polls is not None and not all(p.not_modified for p in polls.values()):
                update(feeds, always=False, polls=polls)  # only the write holds the lock
            if stop.is_set():
                break
        if index is not None and paths:
            # Stopping: commit what landed since the last commit, noticed yet or not
            # (the watcher forgets what it had not reported). Nothing changed: no commit, no line.
            update(paths, always=False)


def _changes(
    paths: Sequence[Path], stop: threading.Event, commit_seconds: float, force_polling: bool
) -> Iterator[set[tuple[Any, str]]]:
    """Batches of file changes under ``paths``, and an empty one at least every :data:`_WAKE_SECONDS`.

    Without paths (only feeds are watched) there is nothing to listen to: just the wake-ups.
    """
    if not paths:
        yield set()
        while not stop.wait(_WAKE_SECONDS):
            yield set()
        return
    import watchfiles

    yield from watchfiles.watch(
        *paths,
        stop_event=stop,
        yield_on_timeout=True,
        # Wake often enough to commit a batch when it falls due, not up to a second late.
        rust_timeout=int(min(commit_seconds / 4, _WAKE_SECONDS) * 1000),
        debounce=int(min(commit_seconds, 1.6) * 1000),
        force_polling=force_polling or None,
        raise_interrupt=False,
    )


class _Poller:
    """Polls the feeds every ``seconds`` in a thread of its own, outside the write lock.

    A round's answers wait in :meth:`take` for the watch loop, which writes them in one
    update; the next round waits until they are taken. Validators come from ``feeds.json``.
    """

    def __init__(self, where: Path, feeds: Sequence[str], seconds: float, stop: threading.Event) -> None:
        self.where, self.feeds, self.seconds, self.stop = where, list(feeds), seconds, stop
        self._rounds: queue.Queue[dict[str, Polled]] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="searchidx-feed-poller", daemon=True)
        self._first = seconds

    def start(self, at_once: bool) -> None:
        """Start polling: the first round at once, or after ``seconds``."""
        self._first = 0.0 if at_once else self.seconds
        if self.feeds:
            self._thread.start()

    def join(self) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout=1)  # a fetch in flight ends within its own timeout

    def take(self) -> dict[str, Polled] | None:
        """The answers of the last round, once (None: no round has ended since)."""
        try:
            return self._rounds.get_nowait()
        except queue.Empty:
            return None

    def _run(self) -> None:
        from .fetch import Fetcher
        from .polling import poll
        from .storage import FEEDS_FILE, read_json_object

        pause = self._first
        while not self.stop.wait(pause):
            pause = self.seconds
            state = read_json_object(self.where / FEEDS_FILE)
            fetcher = Fetcher()
            answers = {}
            for url in self.feeds:
                recorded = state.get(url)
                answers[url] = poll(fetcher, url, recorded if isinstance(recorded, dict) else None)
                if self.stop.is_set():
                    return
            while not self.stop.is_set():  # until the last round is taken
                try:
                    self._rounds.put(answers, timeout=_WAKE_SECONDS)
                    break
                except queue.Full:
                    continue


class _Batch:
    """The changed files waiting for a commit, and since when they wait.

    Changes are seen only when the watch waits for them again, so one that
    landed while a commit (or the first scan) ran has waited since that began:
    its batch counts from then, not from when it was seen, and a slow commit
    is not followed by a whole ``seconds`` of waiting.
    """

    def __init__(self, seconds: float, files: int) -> None:
        self.seconds = seconds
        self.files = files
        self.paths: set[str] = set()
        self.first = 0.0
        self.busy_since: float | None = None  # a commit began then; its changes are not looked at yet

    def add(self, paths: set[str], now: float) -> None:
        """Changes seen at ``now`` (the first look after a commit may hold some that landed during it)."""
        if paths and not self.paths:
            self.first = now if self.busy_since is None else self.busy_since
        self.paths |= paths
        self.busy_since = None

    def due(self, now: float) -> bool:
        return bool(self.paths) and (len(self.paths) >= self.files or now - self.first >= self.seconds)

    def committing(self, now: float) -> None:
        """A commit (or the first scan) begins at ``now``: it reads every change so far."""
        self.paths.clear()
        self.busy_since = now
