"""One indexing run: read sources, extract entities, add/replace/remove, commit once.

Entity extraction is the slow part of a run, so it can run in worker
processes while this process feeds Whoosh. Nothing is committed unless the
whole run succeeds; unreadable files never cause removals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import analysis
from .errors import IndexingInterrupted
from .ingest import discover, read_file
from .models import Article, CanonicalEntity, IndexReport, Problem
from .schema import ENTITY_FIELDS, encode_entities, live_column
from .segments import PARALLEL_MIN, write_segments
from .workers import start_worker

__all__ = ["Progress", "run_update"]

Progress = Callable[[int, int], None]
CHUNK = 64  # articles per task sent to a worker


def _annotate_many(batch: list[tuple[str, str, bool]]) -> list[list[CanonicalEntity]]:
    from .entities import annotate

    return [annotate(title, body, title_derived=derived) for title, body, derived in batch]


def _entities(articles: Sequence[Article], workers: int) -> Iterator[list[CanonicalEntity]]:
    """Canonical entities per article, in order; in ``workers`` processes when > 1."""
    jobs = [(a.title, a.body, a.title_derived) for a in articles]
    batches = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    if workers <= 1 or len(batches) < 2:
        for batch in batches:
            yield from _annotate_many(batch)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        initializer=start_worker,
        initargs=(os.getpid(), analysis.lean_nltk_import_enabled()),
    )
    try:
        for result in pool.map(_annotate_many, batches):
            yield from result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # an interrupted run drops queued work


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
    kept_paths: set[str] = set()  # files with unreadable parts: none of their articles is removed
    pending: list[tuple[Article, bool]] = []  # article, replaces an older version
    unchanged = 0
    for root in roots:
        for found in discover(root, follow_symlinks=follow_symlinks):
            if isinstance(found, Problem):
                problems.append(found)
                continue
            check()
            articles, trouble = read_file(found, root)
            problems.extend(trouble)
            seen_paths.add(str(found))
            if any(p.skipped for p in trouble):
                # Part of the file could not be read: keep every earlier article from it.
                kept_paths.add(str(found))
            for article in articles:
                old = known.get(article.id)
                if article.id in seen_ids or _taken(old, article, roots):
                    where = article.id if old is None else f"{article.id} (from {old[1]})"
                    problems.append(Problem(article.path, f"duplicate id {where!r}: skipped", article.line))
                    continue
                seen_ids.add(article.id)
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
    removed = _remove_missing(writer, known, roots, seen_ids, seen_paths - kept_paths, kept_paths)
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
