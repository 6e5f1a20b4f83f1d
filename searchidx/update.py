"""One indexing run: read sources, extract entities, add/replace/remove, commit once.

Entity extraction is the slow part of a run, so it can run in worker
processes while this process feeds Whoosh. Nothing is committed unless the
whole run succeeds; unreadable files never cause removals.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import analysis
from .errors import IndexingInterrupted
from .ingest import discover, read_file
from .models import Article, CanonicalEntity, IndexReport, Problem
from .schema import ENTITY_FIELDS, encode_entities
from .segments import PARALLEL_MIN, write_segments

__all__ = ["Progress", "run_update"]

Progress = Callable[[int, int], None]
CHUNK = 64  # articles per task sent to a worker


def _annotate_many(batch: list[tuple[str, str, bool]]) -> list[list[CanonicalEntity]]:
    from .entities import annotate

    return [annotate(title, body, title_derived=derived) for title, body, derived in batch]


def _start_worker(lean: bool) -> None:
    # Ctrl-C goes to the whole process group: only the parent reports it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    analysis.lean_nltk_import(lean)


def _entities(articles: Sequence[Article], workers: int) -> Iterator[list[CanonicalEntity]]:
    """Canonical entities per article, in order; in ``workers`` processes when > 1."""
    jobs = [(a.title, a.body, a.title_derived) for a in articles]
    batches = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    if workers <= 1 or len(batches) < 2:
        for batch in batches:
            yield from _annotate_many(batch)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(analysis.lean_nltk_import_enabled(),)
    )
    try:
        for result in pool.map(_annotate_many, batches):
            yield from result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # an interrupted run drops queued work


def manifest(reader: Any) -> dict[str, tuple[str, str]]:
    """Return ``{id: (hash, path)}`` for live documents, read from columns (no stored bodies)."""
    if reader.doc_count() == 0:
        return {}
    ids = reader.column_reader("id")
    hashes = reader.column_reader("hash")
    paths = reader.column_reader("path")
    return {ids[d]: (hashes[d], paths[d]) for d in reader.all_doc_ids()}


def run_update(
    writer: Any,
    known: dict[str, tuple[str, str]],
    roots: Sequence[Path],
    *,
    entities: bool,
    workers: int,
    progress: Progress | None,
    should_stop: Callable[[], bool] | None = None,
) -> IndexReport:
    """Apply ``roots`` to an open Whoosh writer (the caller commits or cancels).

    Raises:
        IndexingInterrupted: ``should_stop`` said so (checked per file and per article).
    """

    def check() -> None:
        if should_stop is not None and should_stop():
            raise IndexingInterrupted()

    started = time.perf_counter()
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    seen_paths: set[str] = set()  # files read (or failed): their documents are accounted for
    pending: list[tuple[Article, bool]] = []  # article, replaces an older version
    unchanged = 0
    for root in roots:
        for found in discover(root):
            if isinstance(found, Problem):
                problems.append(found)
                continue
            check()
            articles, trouble = read_file(found, root)
            problems.extend(trouble)
            seen_paths.add(str(found))
            if not articles and any(p.skipped for p in trouble):
                seen_ids.update(i for i, (_h, p) in known.items() if p == str(found))
            for article in articles:
                if article.id in seen_ids:
                    problems.append(
                        Problem(article.path, f"duplicate id {article.id!r}: skipped", article.line)
                    )
                    continue
                seen_ids.add(article.id)
                old = known.get(article.id)
                if old is not None and old == (article.content_hash, article.path):
                    unchanged += 1
                else:
                    pending.append((article, old is not None))
    total = len(pending)
    # A large batch of new articles is written as segments in worker processes
    # (see segments.py); replacements stay here, as they delete older versions.
    parallel: list[Article] = []
    if workers > 1 and sum(not replaces for _, replaces in pending) >= PARALLEL_MIN:
        parallel = [a for a, replaces in pending if not replaces]
        pending = [(a, replaces) for a, replaces in pending if replaces]
    articles = [a for a, _ in pending]
    annotations = _entities(articles, workers) if entities else iter([[]] * len(articles))
    added = updated = 0
    for done, ((article, replaces), found_entities) in enumerate(
        zip(pending, annotations, strict=True), start=1
    ):
        check()
        fields = document(article, found_entities)
        if replaces:
            writer.update_document(**fields)
            updated += 1
        else:
            writer.add_document(**fields)
            added += 1
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
    removed = _remove_missing(writer, known, roots, seen_ids, seen_paths)
    if parallel:
        first = len(pending)
        write_segments(
            writer,
            parallel,
            entities=entities,
            workers=workers,
            progress=lambda n: progress(first + n, total) if progress is not None else None,
            should_stop=should_stop or (lambda: False),
        )
        added += len(parallel)
    return IndexReport(added, updated, removed, unchanged, tuple(problems), time.perf_counter() - started)


def _remove_missing(
    writer: Any,
    known: dict[str, tuple[str, str]],
    roots: Sequence[Path],
    seen_ids: set[str],
    seen_paths: set[str],
) -> int:
    """Delete documents of files gone from under a root, or rows gone from a file read."""
    prefixes = tuple(str(r) + os.sep for r in roots if r.is_dir())
    removed = 0
    for doc_id, (_hash, path) in known.items():
        if doc_id in seen_ids:
            continue
        if path in seen_paths or (path.startswith(prefixes) and not os.path.exists(path)):
            writer.delete_by_term("id", doc_id)
            removed += 1
    return removed


def document(article: Article, entities: Sequence[CanonicalEntity] = ()) -> dict[str, Any]:
    """The Whoosh fields of one article."""
    names: dict[str, list[str]] = {label: [] for label in ENTITY_FIELDS}
    for entity in entities:
        names[entity.label].append(entity.name)
    fields: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "hash": article.content_hash,
        # A derived title is the body's first sentence: store it for display but
        # do not index it again in the boosted title field.
        "title": "" if article.title_derived else article.title,
        "_stored_title": article.title,
        "body": article.body,
        "source": article.source,
        "extra": {
            "title_derived": article.title_derived,
            "title_start": article.title_start,
            "url": article.url,
            "metadata": article.metadata,
            "entities": names,
        },
        "entities": encode_entities((e.label, e.key, e.name) for e in entities),
    }
    for label, values in names.items():
        if values:
            fields[label] = "\n".join(values)
    if article.date is not None:
        fields["date"] = int(article.date.timestamp())
    return fields
