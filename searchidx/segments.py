"""Write many new articles on several cores: one Whoosh segment per worker process.

Each worker analyses its share of the articles (entities included), writes a
complete segment into the index directory and returns the segment's
description. Nothing is visible until the parent's commit lists those
segments in the index's table of contents, so the run stays one atomic
commit: an interrupted or failed run leaves only unlisted files, which the
next commit deletes. The parent holds the write lock throughout.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from . import analysis
from .errors import IndexingInterrupted
from .models import Article
from .storage import whoosh_index
from .workers import start_worker

__all__ = ["PARALLEL_MIN", "write_segments"]

#: Fewer new articles than this are written in-process: starting workers and
#: keeping one more segment is not worth it for a small batch.
PARALLEL_MIN = 2_000
POLL_SECONDS = 0.1
REPORT_EVERY = 25  # articles between progress updates from a worker

# Set in each worker by _start_worker (shared objects must be passed at start-up).
_done: Any = None
_stop: Any = None


def _start_worker(done: Any, stop: Any, parent: int, lean: bool) -> None:
    global _done, _stop
    start_worker(parent, lean)
    _done, _stop = done, stop


def _write_segment(folder: str, articles: list[Article], entities: bool) -> tuple[Any, dict[str, str]] | None:
    """Index ``articles`` into a new, unlisted segment; return it and the stems seen.

    Returns None when told to stop (the partial segment is abandoned).
    """
    from whoosh.writing import SegmentWriter

    from .schema import build_schema
    from .update import document

    annotate: Callable[..., Any] | None = None
    if entities:
        from .entities import annotate

    # The parent holds the lock; a fresh index object never reads the table of contents.
    writer = SegmentWriter(whoosh_index(Path(folder), build_schema(), fresh=True), _lk=False)
    reported = 0
    try:
        for number, article in enumerate(articles, start=1):
            if _stop.is_set():
                writer._close_segment()  # not cancel(): that removes the temp dir others use
                return None
            found = (
                annotate(article.title, article.body, title_derived=article.title_derived)
                if annotate is not None
                else ()
            )
            writer.add_document(**document(article, found))
            if number - reported == REPORT_EVERY or number == len(articles):
                with _done.get_lock():
                    _done.value += number - reported
                reported = number
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise
    return segment, analysis.stem_table()


def write_segments(
    writer: Any,
    articles: Sequence[Article],
    *,
    entities: bool,
    workers: int,
    progress: Callable[[int], None],
    should_stop: Callable[[], bool],
) -> None:
    """Index new ``articles`` in ``workers`` processes and add their segments to ``writer``.

    The segments become part of the index when ``writer`` commits. Stems the
    workers computed are merged into this process's memo, so the index's stem
    file covers them.

    Args:
        writer: The parent's open Whoosh writer (holding the lock).
        articles: Articles not yet in the index (no replacements: those need deletes).
        entities: Extract entities in the workers too.
        workers: Number of processes (and of new segments).
        progress: Called with the number of articles written so far.
        should_stop: Polled while waiting; True stops the workers.

    Raises:
        IndexingInterrupted: ``should_stop`` said so; nothing was added to ``writer``.
    """
    share = -(-len(articles) // workers)
    chunks = [list(articles[i : i + share]) for i in range(0, len(articles), share)]
    context = multiprocessing.get_context()
    done = context.Value("i", 0)
    stop = context.Event()
    folder = writer.storage.folder
    with ProcessPoolExecutor(
        len(chunks),
        mp_context=context,
        initializer=_start_worker,
        initargs=(done, stop, os.getpid(), analysis.lean_nltk_import_enabled()),
    ) as pool:
        try:
            futures = [pool.submit(_write_segment, folder, c, entities) for c in chunks]
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                progress(done.value)
                if should_stop() or any(f.exception() for f in finished):
                    break
        finally:
            stop.set()  # also on KeyboardInterrupt: workers finish their article and quit
        errors = [f.exception() for f in futures]
    failure = next((e for e in errors if e is not None), None)
    if failure is not None:
        raise failure
    results = [f.result() for f in futures]
    if should_stop() or None in results:
        raise IndexingInterrupted()
    for segment, stems in results:  # type: ignore[misc]
        analysis.preload_stems(stems)
        writer.segments.append(segment)
