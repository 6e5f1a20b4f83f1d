"""One indexing run: read sources, extract entities, add/replace/remove, commit once.

Files are read as a stream and written a batch at a time, so memory stays
bounded however large the collection. Entity extraction is the slow part of
a run, so it runs in worker processes while this process feeds Whoosh.
Nothing is committed unless the whole run succeeds; unreadable files never
cause removals. Feed URLs are polled after the files (searchidx.polling); an
entry gone from a feed stays indexed (a feed shows only its latest entries).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import analysis
from .discovery import discover
from .errors import IndexingInterrupted
from .executors import DaskCluster, LocalSlots, connect
from .ingest import iter_file
from .models import Article, CanonicalEntity, IndexReport, Problem
from .schema import document, live_column
from .segments import PARALLEL_MIN, SegmentPool
from .workers import preload_for_workers, start_indexing_worker, thaw

__all__ = ["BATCH", "Progress", "run_update"]

#: Called with (bytes read, bytes to read) as the run goes.
Progress = Callable[[int, int], None]
#: Articles held in memory at once: a run's memory is bounded by this, not by the collection.
BATCH = PARALLEL_MIN
#: Articles per task of the entity pool (replacements, tagged apart from new articles' segments).
ANNOTATE_TASK = 256


def _annotate_many(batch: list[tuple[str, str, bool]]) -> list[list[CanonicalEntity]]:
    from .entities import annotate_many

    return annotate_many(batch)


class _Annotator:
    """Canonical entities per article, in order; in one process pool kept for the run when workers > 1."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.frozen = False  # the collector's objects frozen with the model (thawed at close)

    def __call__(self, articles: Sequence[Article]) -> Iterator[list[CanonicalEntity]]:
        jobs = [(a.title, a.body, a.title_derived) for a in articles]
        batches = [jobs[i : i + ANNOTATE_TASK] for i in range(0, len(jobs), ANNOTATE_TASK)]  # one task each
        if self.workers <= 1 or len(batches) < 2:
            for batch in batches:
                yield from _annotate_many(batch)
            return
        if self.pool is None:
            self.frozen = preload_for_workers()  # once here, not in every worker: forks inherit it
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                initializer=start_indexing_worker,
                initargs=(os.getpid(), analysis.lean_nltk_import_enabled(), True),
            )
        for result in self.pool.map(_annotate_many, batches):
            yield from result

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # an interrupted run drops queued work
            self.pool = None
        thaw(self.frozen)  # also when making the pool failed
        self.frozen = False


class _Sink:
    """Where a run's articles go, :data:`BATCH` at a time.

    Once a batch holds :data:`~searchidx.segments.PARALLEL_MIN` new articles
    (and workers > 1, or a Dask ``cluster``), new articles go to worker processes
    that each write a segment (see segments.py); replacements always stay here,
    as they delete older versions through this writer.
    """

    def __init__(
        self,
        writer: Any,
        *,
        entities: bool,
        workers: int,
        check: Callable[[], None],
        cluster: DaskCluster | None = None,
    ) -> None:
        self.writer = writer
        self.entities = entities
        self.workers = workers
        self.check = check
        self.cluster = cluster
        # No local process pool beside a Dask client: forking next to its threads is not safe.
        self.annotate = _Annotator(1 if cluster is not None else workers)
        self.pool: SegmentPool | None = None
        self.pending: list[tuple[Article, bool]] = []  # article, replaces an older version
        self.added = self.updated = 0

    def put(self, article: Article, replaces: bool) -> None:
        self.pending.append((article, replaces))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        new = [a for a, replaces in batch if not replaces]
        if self.pool is None and (self.cluster or self.workers > 1) and len(new) >= PARALLEL_MIN:
            self.annotate.close()  # the segment workers take the cores from now on
            self.annotate.workers = 1
            slots = self.cluster.slots() if self.cluster else LocalSlots(self.workers, entities=self.entities)
            try:
                self.pool = SegmentPool(self.writer, slots, entities=self.entities, should_stop=self._stopped)
            except BaseException:
                slots.close(abandon=True)  # nothing was sent; the model's freeze is undone
                raise
        if self.pool is not None and new:
            self.pool.send(new)
            self.added += len(new)
            batch = [(a, replaces) for a, replaces in batch if replaces]
        articles = [a for a, _ in batch]
        found = self.annotate(articles) if self.entities else iter([[]] * len(articles))
        for (article, replaces), names in zip(batch, found, strict=True):
            self.check()
            fields = document(article, names)
            if replaces:
                self.writer.update_document(**fields)
                self.updated += 1
            else:
                self.writer.add_document(**fields)
                self.added += 1

    def _stopped(self) -> bool:
        try:
            self.check()
        except IndexingInterrupted:
            return True
        return False

    def finish(self) -> None:
        self.flush()
        if self.pool is not None:
            self.pool.finish()
        self.annotate.close()

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.annotate.close()


def manifest(reader: Any) -> dict[str, tuple[str, str]]:
    """Return ``{id: (hash, path)}`` for live documents, read from columns (no stored bodies)."""
    hashes = dict(live_column(reader, "hash"))
    paths = dict(live_column(reader, "path"))
    return {doc_id: (hashes[d], paths[d]) for d, doc_id in live_column(reader, "id")}


def run_update(
    writer: Any,
    known: dict[str, tuple[str, str]],
    roots: Sequence[Path],
    *,
    entities: bool,
    workers: int,
    progress: Progress | None,
    should_stop: Callable[[], bool] | None = None,
    follow_symlinks: bool = False,
    columns: Mapping[str, str] | None = None,
    signatures: Mapping[str, list[int]] | None = None,
    read: dict[str, list[int]] | None = None,
    feeds: Sequence[str] = (),
    fetch_pages: bool = False,
    feed_state: Mapping[str, Any] | None = None,
    polled: dict[str, dict[str, str]] | None = None,
    dask: str | None = None,
    polls: Mapping[str, Any] | None = None,
) -> IndexReport:
    """Apply ``roots`` to an open Whoosh writer (the caller commits or cancels).

    Files are read as a stream and written :data:`BATCH` articles at a time. A
    file whose :func:`signature` is the one in ``signatures`` (recorded when it
    was last read without a problem) is not read again: its articles count as
    unchanged. ``read`` receives the signature of every file now known clean.

    ``feeds`` are then polled, conditionally with their validators in
    ``feed_state``; ``polled`` receives, for each feed that answered, the
    validators to keep (empty when it had a problem, so the next run reads it whole).
    A feed in ``polls`` (its :class:`~searchidx.polling.Polled` answer, fetched before
    the run) is not fetched again.

    With ``dask`` (a scheduler's address), new segments are written by the
    cluster's workers (:mod:`searchidx.executors`), connected to before anything is read.

    Raises:
        IndexingInterrupted: ``should_stop`` said so (checked per file and per article).
        ClusterError: ``dask`` cannot be used, or a worker was lost (nothing is committed).
    """

    def check() -> None:
        if should_stop is not None and should_stop():
            raise IndexingInterrupted()

    started = time.perf_counter()
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    seen_paths: set[str] = set()  # files read (or failed): their documents are accounted for
    kept_paths: set[str] = set()  # files with unreadable parts: none of their articles is removed
    unchanged = 0
    found_files = [(root, item) for root in roots for item in discover(root, follow_symlinks=follow_symlinks)]
    total = sum(_size(item) for _root, item in found_files if isinstance(item, Path))
    done = 0
    # A new column mapping may read the same bytes differently: then every file is read.
    recorded = signatures if signatures is not None and columns is None else {}
    by_path: dict[str, list[str]] = {}
    for doc_id, (_hash, path) in known.items():
        by_path.setdefault(path, []).append(doc_id)
    read = read if read is not None else {}
    cluster = connect(dask) if dask else None
    sink = _Sink(writer, entities=entities, workers=workers, check=check, cluster=cluster)
    try:
        for root, found in found_files:
            if isinstance(found, Problem):
                problems.append(found)
                continue
            check()
            seen_paths.add(str(found))
            mark = signature(found)
            ids = by_path.get(str(found), [])
            if mark is not None and recorded.get(str(found)) == mark and ids and not seen_ids & set(ids):
                seen_ids.update(ids)  # untouched since read cleanly: nothing to read
                unchanged += len(ids)
                read[str(found)] = mark
                done += _size(found)
                continue
            reading = 0
            before = len(problems)
            for item in iter_file(found, root, columns=columns):
                if isinstance(item, Problem):
                    problems.append(item)
                    if item.skipped:
                        # Part of the file could not be read: keep every earlier article from it.
                        kept_paths.add(str(found))
                    continue
                article = item
                old = known.get(article.id)
                if article.id in seen_ids or _taken(old, article, roots):
                    where = article.id if old is None else f"{article.id} (from {old[1]})"
                    problems.append(Problem(article.path, f"duplicate id {where!r}: skipped", article.line))
                    continue
                seen_ids.add(article.id)
                if old is not None and old == (article.content_hash, article.path):
                    unchanged += 1
                else:
                    sink.put(article, old is not None)
                reading += len(article.body) + len(article.title)  # about the record's bytes
                if progress is not None and len(seen_ids) % 100 == 0:
                    progress(min(done + reading, total), total)
            if mark is not None and len(problems) == before:
                read[str(found)] = mark
            done += _size(found)
            if progress is not None:
                progress(min(done, total), total)
        if feeds:
            feed_run = _FeedRun(sink, known, seen_ids, problems, roots, check)
            unchanged += feed_run.read(feeds, by_path, feed_state or {}, fetch_pages, polls or {})
            if polled is not None:
                polled.update(feed_run.polled)
        removed = _remove_missing(writer, known, roots, seen_ids, seen_paths - kept_paths, kept_paths)
        sink.finish()
    except BaseException:
        sink.abort()
        raise
    finally:
        if cluster is not None:
            cluster.close()
    return IndexReport(
        sink.added, sink.updated, removed, unchanged, tuple(problems), time.perf_counter() - started
    )


class _FeedRun:
    """The feed URLs of a run: their new and changed entries go to the sink, nothing is removed."""

    def __init__(
        self,
        sink: _Sink,
        known: Mapping[str, tuple[str, str]],
        seen_ids: set[str],
        problems: list[Problem],
        roots: Sequence[Path],
        check: Callable[[], None],
    ) -> None:
        self.sink, self.known, self.seen_ids, self.problems = sink, known, seen_ids, problems
        self.roots, self.check = roots, check
        self.polled: dict[str, dict[str, str]] = {}

    def read(
        self,
        feeds: Sequence[str],
        by_path: Mapping[str, list[str]],
        state: Mapping[str, Any],
        fetch_pages: bool,
        polls: Mapping[str, Any],
    ) -> int:
        """Poll every feed; return how many articles are unchanged."""
        from .fetch import Fetcher, is_url
        from .polling import poll, with_page

        fetcher = Fetcher()
        unchanged = 0
        for url in feeds:
            self.check()
            before = len(self.problems)
            recorded = state.get(url)
            result = polls.get(url) or poll(fetcher, url, recorded if isinstance(recorded, dict) else None)
            if result.not_modified:  # 304: what was read from it stands
                ids = by_path.get(url, [])
                self.seen_ids.update(ids)
                unchanged += len(ids)
            for item in result.items:
                if isinstance(item, Problem):
                    self.problems.append(item)
                    continue
                self.check()
                old = self.known.get(item.id)
                if item.id in self.seen_ids:
                    continue  # the same story in another feed of this run (or a file): indexed once
                if _taken(old, item, self.roots):
                    assert old is not None
                    self.problems.append(Problem(url, f"duplicate id {item.id!r} (from {old[1]}): skipped"))
                    continue
                self.seen_ids.add(item.id)
                if old is not None and old[0] == item.content_hash and is_url(old[1]):
                    unchanged += 1  # as read before (here or from another feed)
                    continue
                if fetch_pages:
                    item, notes = with_page(fetcher, item)
                    self.problems.extend(notes)
                self.sink.put(item, old is not None)
            if result.answered:
                clean = not any(p.skipped for p in self.problems[before:])
                self.polled[url] = dict(result.validators) if clean else {}
        return unchanged


def signature(path: Path) -> list[int] | None:
    """What says a file is untouched: size, modification and change times, inode (None: unreadable).

    The change time cannot be set back by ``touch -d`` or a copy that keeps times,
    so a rewritten file is always read again.
    """
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _taken(old: tuple[str, str] | None, article: Article, roots: Sequence[Path]) -> bool:
    """True when the id belongs to a file outside this run that still exists.

    The same relative name under two roots indexed separately: the second must
    not silently replace the first. Files inside this run's roots are settled
    by the run itself (an id seen twice is a duplicate).
    """
    if old is None or old[1] == article.path or not os.path.exists(old[1]):
        return False
    inside = tuple(str(r) + os.sep for r in roots)
    return not old[1].startswith(inside) and old[1] not in {str(r) for r in roots}


def _remove_missing(
    writer: Any,
    known: dict[str, tuple[str, str]],
    roots: Sequence[Path],
    seen_ids: set[str],
    seen_paths: set[str],
    kept_paths: set[str],
) -> int:
    """Delete documents of files gone from under a root, or rows gone from a file read in full."""
    prefixes = tuple(str(r) + os.sep for r in roots if r.is_dir())
    removed = 0
    for doc_id, (_hash, path) in known.items():
        if doc_id in seen_ids or path in kept_paths:
            continue
        if path in seen_paths or (path.startswith(prefixes) and not os.path.exists(path)):
            writer.delete_by_term("id", doc_id)
            removed += 1
    return removed
