"""Write many new articles on several cores: one Whoosh segment per worker process.

Each worker keeps one segment writer open for the whole run, takes batches of
articles from its own bounded queue, analyses them (entities included) and,
at the end, returns the finished segment's description. The queues hold at
most two batches each, so a run's memory is bounded by the batch size, not
by the collection. Nothing is visible until the parent's commit lists those
segments in the table of contents, so the run stays one atomic commit: an
interrupted or failed run leaves only unlisted files, which the parent
removes. The parent holds the write lock throughout.

The one place that writes Whoosh's internals (``tests/test_layering.py``:
:mod:`searchidx.snapshot` reads them, :mod:`.schema` defines the format). Here:
``SegmentWriter(_lk=False)`` (:func:`segment_writer`: the caller holds
searchidx's lock), ``_finalize_segment`` (a finished segment, not yet listed),
``_close_segment`` (a worker with nothing to hand over), a ``FileIndex`` that
ignores the table of contents (:func:`whoosh_index` with ``fresh``: a rebuild),
``TOC._latest_generation`` and ``clean_files`` (:func:`discard_uncommitted`);
``tests/test_whoosh_shape.py`` fails if Whoosh changes them.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from . import analysis
from .errors import IndexingInterrupted
from .models import Article
from .storage import (
    ENTITIES_FILE,
    FEEDS_FILE,
    FILES_FILE,
    INDEX_NAME,
    META_FILE,
    OURS_RE,
    STEMS_FILE,
)
from .workers import start_worker

__all__ = [
    "PARALLEL_MIN",
    "SegmentPool",
    "discard_uncommitted",
    "segment_writer",
    "start_indexing_worker",
    "whoosh_index",
]

#: New articles in one batch before worker processes start: starting workers and
#: keeping one more segment is not worth it for a small run.
PARALLEL_MIN = 2_000
POLL_SECONDS = 0.1
QUEUED_BATCHES = 2  # per worker: the bound on articles waiting in memory
#: Articles whose sentences are tagged together (the entity tagger's arrays amortise over them).
TAG_CHUNK = 64


def start_indexing_worker(parent: int, lean: bool, entities: bool) -> None:
    """Set up a worker of either pool (the segment writers here, ``update``'s entity pool).

    :func:`~searchidx.workers.start_worker`, then the entity model is loaded, when
    entities are extracted. The parent loads it before starting the workers
    (:func:`~searchidx.entities.tagger.preload`), so a forked worker inherits it
    loaded and only another start method loads it here.
    """
    start_worker(parent, lean)
    if entities:
        from .entities.tagger import preload

        preload()


def _serve(folder: str, entities: bool, inbox: Any, outbox: Any, stop: Any, parent: int, lean: bool) -> None:
    """A worker's life: add every batch from ``inbox`` to one new segment, report it on ``outbox``.

    A batch's entities are all extracted before its articles are written: each
    of the two stays in the processor's caches for a whole batch.
    """
    from .schema import build_schema, document

    start_indexing_worker(parent, lean, entities)
    annotate: Callable[..., Any] | None = None
    if entities:
        from .entities import annotate_many as annotate
    writer: Any = None
    # This process's share of the run's vocabulary (its memos also hold the parent's words).
    vocabulary = analysis.recording()
    recorded = vocabulary.__enter__()  # for the process's whole life: never left
    try:
        # The parent holds the lock; a fresh index object never reads the table of contents.
        writer = segment_writer(whoosh_index(Path(folder), build_schema(), fresh=True))
        written = 0
        while (batch := inbox.get()) is not None:
            found: list[Any] = []
            for start in range(0, len(batch), TAG_CHUNK):  # tagged together, a stop heard between
                if stop.is_set():
                    break
                chunk = batch[start : start + TAG_CHUNK]
                if annotate is None:
                    found += [()] * len(chunk)
                else:
                    found += annotate([(a.title, a.body, a.title_derived) for a in chunk])
            for article, names in zip(batch, found, strict=False):  # fewer when stopped
                if stop.is_set():
                    break
                writer.add_document(**document(article, names))
                written += 1
            if stop.is_set():
                writer._close_segment()  # not cancel(): that removes the temp dir others use
                outbox.put(("stopped", None))
                return
        if written:
            outbox.put(("segment", (writer._finalize_segment(), recorded)))
        else:
            writer._close_segment()
            outbox.put(("segment", None))
    except BaseException as exc:
        if writer is not None:
            writer._close_segment()
        outbox.put(("error", exc))


class SegmentPool:
    """Worker processes, each writing one new segment from the batches it is sent.

    Args:
        writer: The parent's open Whoosh writer (holding the lock): its directory
            receives the segments, and :meth:`finish` lists them in it.
        entities: Extract entities in the workers too.
        workers: Number of processes (and of new segments).
        should_stop: Polled while waiting; True stops the workers.
    """

    def __init__(self, writer: Any, *, entities: bool, workers: int, should_stop: Callable[[], bool]) -> None:
        context = multiprocessing.get_context()
        self.writer = writer
        self.should_stop = should_stop
        self.stop = context.Event()
        self.outbox: Any = context.Queue()
        self.inboxes: list[Any] = [context.Queue(maxsize=QUEUED_BATCHES) for _ in range(workers)]
        lean = analysis.lean_nltk_import_enabled()
        if entities:  # once here, not in every worker: a forked worker inherits the model
            from .entities.tagger import preload

            preload()
        self.procs = [
            context.Process(
                target=_serve,
                args=(writer.storage.folder, entities, inbox, self.outbox, self.stop, os.getpid(), lean),
                daemon=True,
            )
            for inbox in self.inboxes
        ]
        for proc in self.procs:
            proc.start()
        self.results: list[tuple[str, Any]] = []
        self.finished = False

    def send(self, articles: Sequence[Article]) -> None:
        """Share ``articles`` (new ones only: replacements need deletes) between the workers.

        Blocks while the workers are :data:`QUEUED_BATCHES` batches behind.
        """
        share = -(-len(articles) // len(self.inboxes))
        for number, inbox in enumerate(self.inboxes):
            chunk = list(articles[number * share : (number + 1) * share])
            if chunk:
                self._put(inbox, chunk)

    def _put(self, inbox: Any, item: Any) -> None:
        while True:
            self._check()
            try:
                inbox.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _check(self) -> None:
        """Raise a worker's error, or IndexingInterrupted when told to stop or a worker died."""
        # Exit codes first: a worker that exits normally has already sent its result,
        # so after draining, a finished worker without a result really was lost.
        codes = [p.exitcode for p in self.procs]
        try:
            while True:
                self.results.append(self.outbox.get_nowait())
        except queue.Empty:
            pass
        for kind, value in self.results:
            if kind == "error":
                raise value
        if self.should_stop() or any(kind == "stopped" for kind, _ in self.results):
            raise IndexingInterrupted()
        lost = any(code not in (None, 0) for code in codes)  # killed (the OOM killer, say)
        if lost or (None not in codes and len(self.results) < len(self.procs)):
            raise IndexingInterrupted()

    def finish(self) -> int:
        """Wait for every worker's segment and add them to the writer; return segments added.

        Raises:
            IndexingInterrupted: ``should_stop`` said so; nothing was added to the writer.
        """
        try:
            for inbox in self.inboxes:
                self._put(inbox, None)
            while len(self.results) < len(self.procs):
                self._check()
                try:
                    self.results.append(self.outbox.get(timeout=POLL_SECONDS))
                except queue.Empty:
                    continue
            self._check()
            self.finished = True
        finally:
            self.close()
        added = 0
        for _kind, value in self.results:
            if value is not None:
                segment, recorded = value
                analysis.absorb(recorded)
                self.writer.segments.append(segment)
                added += 1
        return added

    def close(self) -> None:
        """Reap the workers; an abandoned run's are killed (its segments stay unlisted, then removed)."""
        self.stop.set()
        for proc in self.procs:
            if not self.finished:
                proc.kill()
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for channel in (*self.inboxes, self.outbox):
            channel.cancel_join_thread()  # queued batches nobody will read must not block exit
            channel.close()


def segment_writer(ix: Any) -> Any:
    """A Whoosh ``SegmentWriter`` over ``ix`` that takes no lock: the caller holds searchidx's."""
    from whoosh.writing import SegmentWriter

    return SegmentWriter(ix, _lk=False)


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
        for name in (META_FILE, STEMS_FILE, ENTITIES_FILE, FILES_FILE, FEEDS_FILE):
            _remove(path / name)


def _remove(item: Path) -> None:
    with suppress(FileNotFoundError):
        item.unlink()
