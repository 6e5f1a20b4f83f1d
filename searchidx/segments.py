"""Write many new articles on several cores or machines: one Whoosh segment per worker.

:class:`SegmentPool` shares batches of new articles between *slots*
(:mod:`.executors`: an executor whose tasks all run in one process, a local
worker process or a Dask worker). Each slot's process keeps one segment writer
open across the run (:func:`write_batch`: analysis and entities included) and
at the end finishes it (:func:`finish_segment`), returning the segment's
description. At most two batches wait per slot, so a run's memory is bounded
by the batch size, not by the collection. Nothing is visible until the
parent's commit lists those segments in the table of contents, so the run
stays one atomic commit: an interrupted or failed run, or one that lost a
worker, leaves only unlisted files, which the parent removes. The parent holds
the write lock throughout; the workers write into the index directory (on
storage they share, for a cluster) without it.

Whoosh's internals are not used here: the segment writers, the fresh index
object and finishing or closing a segment come from :mod:`.whoosh_files`.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import analysis
from .errors import ClusterError, IndexingInterrupted
from .models import Article
from .storage import META_FILE
from .whoosh_files import close_segment, finalize_segment, segment_writer, whoosh_index

if TYPE_CHECKING:  # the search side loads this module; executors are for indexing runs only
    from .executors import Slots

__all__ = [
    "PARALLEL_MIN",
    "SegmentJob",
    "SegmentPool",
    "drop_segment",
    "finish_segment",
    "versions",
    "write_batch",
]

#: New articles in one batch before worker processes start: starting workers and
#: keeping one more segment is not worth it for a small run.
PARALLEL_MIN = 2_000
POLL_SECONDS = 0.1
QUEUED_BATCHES = 2  # per slot, besides the batch being written: the bound on articles waiting in memory
#: Seconds an abandoned run waits for remote workers to drop their segments.
DROP_SECONDS = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class SegmentJob:
    """What every task of one slot says about its run (small: sent with each batch).

    A worker process keeps one open segment per ``(run, slot)``; ``expect`` is the
    parent's :func:`versions`, which the process's own must match (a Dask worker
    with another searchidx would write segments the index cannot read).
    """

    run: str
    slot: int
    folder: str
    entities: bool
    expect: tuple[str, ...]


class _Open:
    """A worker process's open segment for one slot of a run."""

    def __init__(self, job: SegmentJob) -> None:
        from .schema import build_schema

        self.lock = threading.Lock()
        # The parent holds the lock; a fresh index object never reads the table of contents.
        self.writer = segment_writer(whoosh_index(Path(job.folder), build_schema(), fresh=True))
        self.recorded: dict[str, str] = {}  # this slot's share of the run's vocabulary
        self.written = 0
        self.used = time.monotonic()


_OPEN: dict[tuple[str, int], _Open] = {}
_DROPPED: collections.deque[str] = collections.deque(maxlen=64)  # abandoned runs: their late tasks do nothing
_OPEN_LOCK = threading.Lock()
#: An open segment unused this long belongs to a run whose parent died: closed when another run opens one.
STALE_SECONDS = 3600.0


def versions(entities: bool) -> tuple[str, ...]:
    """The searchidx, schema and analyzer versions here (and the entity model, with entities)."""
    from ._version import __version__
    from .schema import SCHEMA_VERSION

    found: tuple[str, ...] = (__version__, SCHEMA_VERSION, analysis.ANALYZER_VERSION)
    if entities:
        from .entities import model_info

        found += (model_info(),)
    return found


def _opened(job: SegmentJob) -> _Open | None:
    """The slot's open segment in this process, opened by its run's first batch (None: run abandoned)."""
    key = (job.run, job.slot)
    with _OPEN_LOCK:
        if job.run in _DROPPED:
            return None
        state = _OPEN.get(key)
        if state is None:
            _check_worker(job)
            now = time.monotonic()
            for other, old in list(_OPEN.items()):
                if now - old.used > STALE_SECONDS and old.lock.acquire(blocking=False):
                    del _OPEN[other]
                    try:
                        close_segment(old.writer)
                    finally:
                        old.lock.release()
            state = _OPEN[key] = _Open(job)
        state.used = time.monotonic()
        return state


def _check_worker(job: SegmentJob) -> None:
    """Refuse to write for a run this process cannot share: another version, or no shared index directory."""
    where = f"{socket.gethostname()} (pid {os.getpid()})"
    if versions(job.entities) != job.expect:
        raise ClusterError(
            f"the worker on {where} runs searchidx {', '.join(versions(job.entities))}, the indexer "
            f"{', '.join(job.expect)}: install the same searchidx version on every worker"
        )
    if not (Path(job.folder) / META_FILE).is_file():
        raise ClusterError(
            f"the worker on {where} does not see the index directory {job.folder}: workers need it "
            "on storage they share with the indexer, at the same path"
        )


def write_batch(job: SegmentJob, batch: Sequence[Article]) -> int:
    """A task: add ``batch`` to the slot's open segment in this process; return its articles so far.

    A batch's entities are all extracted before its articles are written: each
    of the two stays in the processor's caches for a whole batch (which
    :func:`~searchidx.entities.annotate_many` tags in chunks).
    """
    from .schema import document

    state = _opened(job)
    if state is None:
        return -1
    with state.lock:
        found: list[Any] = [()] * len(batch)
        if job.entities:
            from .entities import annotate_many

            found = annotate_many([(a.title, a.body, a.title_derived) for a in batch])
        with analysis.recording() as recorded:  # a task may run in any thread of a Dask worker
            for article, names in zip(batch, found, strict=True):
                state.writer.add_document(**document(article, names))
        state.recorded.update(recorded)
        state.written += len(batch)
        state.used = time.monotonic()
        return state.written


def finish_segment(job: SegmentJob) -> tuple[Any, dict[str, str], int]:
    """A task: finish the slot's segment (written, not listed); return it, its vocabulary, its articles.

    A process that never saw the slot's batches (restarted since) returns ``(None, {}, 0)``.
    """
    with _OPEN_LOCK:
        state = _OPEN.pop((job.run, job.slot), None)
    if state is None:
        return None, {}, 0
    with state.lock:
        writer = state.writer
        if not state.written:
            close_segment(writer)
            return None, {}, 0
        return finalize_segment(writer), state.recorded, state.written


def drop_segment(job: SegmentJob) -> None:
    """A task: forget an abandoned run's segment here (the parent removes its files).

    Waits for a batch still being written, so nothing is written after this returns.
    """
    with _OPEN_LOCK:
        if job.run not in _DROPPED:
            _DROPPED.append(job.run)
        state = _OPEN.pop((job.run, job.slot), None)
    if state is not None:
        with state.lock:
            close_segment(state.writer)


class SegmentPool:
    """New segments written by other processes (:mod:`.executors` slots), listed by the parent's commit.

    Batches of new articles are shared between the slots; each slot's process
    adds all of its batches to one open segment. At most :data:`QUEUED_BATCHES`
    batches wait per slot besides the one being written, so a run's memory is
    bounded by the batch size.

    Args:
        writer: The parent's open Whoosh writer (holding the lock): its directory
            receives the segments, and :meth:`finish` lists them in it.
        slots: Where the segments are written (local processes or Dask workers).
        entities: Extract entities in the workers too.
        should_stop: Polled while waiting; True abandons the run.
    """

    def __init__(self, writer: Any, slots: Slots, *, entities: bool, should_stop: Callable[[], bool]) -> None:
        self.writer = writer
        self.slots = slots
        self.should_stop = should_stop
        run = uuid.uuid4().hex
        expect = versions(entities)
        folder = str(Path(writer.storage.folder).absolute())
        self.jobs = [SegmentJob(run, n, folder, entities, expect) for n in range(len(slots.executors))]
        self.pending: list[collections.deque[Future[int]]] = [collections.deque() for _ in self.jobs]
        self.sent = [0] * len(self.jobs)
        self.finished = False
        self.closed = False

    def send(self, articles: Sequence[Article]) -> None:
        """Share ``articles`` (new ones only: replacements need deletes) between the slots.

        Blocks while a slot is :data:`QUEUED_BATCHES` batches behind.
        """
        share = -(-len(articles) // len(self.jobs))
        for number, job in enumerate(self.jobs):
            chunk = list(articles[number * share : (number + 1) * share])
            if not chunk:
                continue
            while len(self.pending[number]) > QUEUED_BATCHES:
                self._wait(self.pending[number][0])
                self._collect(number)
            self.pending[number].append(self.slots.executors[number].submit(write_batch, job, chunk))
            self.sent[number] += len(chunk)

    def _wait(self, future: Future[Any]) -> None:
        """Wait for ``future`` to be done, checking the stop flag, errors and lost workers meanwhile."""
        while not future.done():
            if self.should_stop():
                raise IndexingInterrupted()
            for number in range(len(self.jobs)):
                self._collect(number)
            if (lost := self.slots.lost()) is not None:
                raise lost
            wait([future], timeout=POLL_SECONDS)

    def _collect(self, number: int) -> None:
        """Take the finished batches of slot ``number`` off its queue, raising a failed one's error."""
        queued = self.pending[number]
        while queued and queued[0].done():
            self._result(number, queued.popleft())

    def _result(self, number: int, future: Future[Any]) -> Any:
        try:
            return future.result()
        except BaseException as exc:
            failure = self.slots.failure(number, exc)
            if failure is exc:
                raise
            raise failure from None

    def finish(self) -> int:
        """Wait for every slot's segment and add them to the writer; return segments added.

        Raises:
            IndexingInterrupted: ``should_stop`` said so, or a local worker was lost;
                nothing was added to the writer.
            ClusterError: A Dask worker was lost.
        """
        try:
            for number in range(len(self.jobs)):
                while self.pending[number]:
                    self._wait(self.pending[number][0])
                    self._collect(number)
            futures = [
                executor.submit(finish_segment, job)
                for executor, job in zip(self.slots.executors, self.jobs, strict=True)
            ]
            results = []
            for number, future in enumerate(futures):
                self._wait(future)
                results.append(self._result(number, future))
            for number, (_segment, _recorded, written) in enumerate(results):
                if written != self.sent[number]:  # the process was replaced: its first batches are gone
                    raise self.slots.lost_segment(number)
            self.finished = True
        finally:
            self.close()
        added = 0
        for segment, recorded, _written in results:
            if segment is not None:
                analysis.absorb(recorded)
                self.writer.segments.append(segment)
                added += 1
        return added

    def close(self) -> None:
        """Release the slots; an abandoned run's segments are dropped (their files are left unlisted).

        Local workers are killed; remote ones are asked to drop their segments,
        which waits for the batches they are writing (at most :data:`DROP_SECONDS`).
        """
        if self.closed:
            return
        self.closed = True
        if not self.finished:
            for queued in self.pending:
                for future in queued:
                    future.cancel()
            if self.slots.remote:
                drops = []
                alive = self.slots.alive()
                for executor, job in zip(self.slots.executors, self.jobs, strict=True):
                    if alive[job.slot]:  # a lost worker's task would never run
                        with suppress(Exception):
                            drops.append(executor.submit(drop_segment, job))
                wait(drops, timeout=DROP_SECONDS)
        self.slots.close(abandon=not self.finished)
