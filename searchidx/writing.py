"""Writing an index under its lock: a whole new index in one commit, an update, the files beside it.

A new or rebuilt index is written in place as one commit whose table of
contents lists only its own segments; an update adds to the current one.
Whatever fails, the files the run wrote are removed before the lock is
released, and lack of space or permission is one :class:`IndexWriteError`.
``searchidx.json`` (versions, roots and feed URLs), ``stems.json`` (this
index's vocabulary: the words each run indexed, recorded as it analysed them,
for suggestions and prefix expansion), ``files.json`` and ``feeds.json`` (what the
next run may skip) are rewritten after each commit, and so are ``stories.json`` and
``entities.json`` (one name per entity across the collection), by :mod:`.collection_files`.

Whoosh's internals are not used here: the writer, the fresh index object and
the clean-up of uncommitted files come from :mod:`.whoosh_files`, the one place
that writes them.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from . import analysis
from ._version import __version__
from .collection_files import save_derived
from .errors import IndexVersionError, IndexWriteError, SourceNotFound
from .models import IndexReport
from .schema import SCHEMA_VERSION, TEXT_FIELDS, build_schema
from .storage import (
    FEEDS_FILE,
    FILES_FILE,
    LOCK_FILE,
    META_FILE,
    STEMS_FILE,
    Location,
    fsync_tree,
    inspect_location,
    read_json_object,
    read_vocabulary,
    reading,
    write_json,
    write_lock,
)
from .whoosh_files import discard_uncommitted, segment_writer, whoosh_index

__all__ = [
    "Progress",
    "Run",
    "committed",
    "create",
    "source_roots",
    "split_sources",
    "versions",
    "write",
]

STEM_FILE_WORD_CHARS = 24  # longer words are stemmed (NLTK) when searched, not kept in stems.json
#: Failures to write that are the machine's state, not a bug: reported in one line.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})
#: Called with (bytes read, bytes to read) as the run goes.
Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True, slots=True)
class Run:
    """How one indexing run reads and reports (the options every writing path passes on)."""

    progress: Progress | None = None
    workers: int | None = None
    should_stop: Callable[[], bool] | None = None
    follow_symlinks: bool = False
    #: CSV/TSV article field -> column name, for columns not named as the reader expects.
    columns: Mapping[str, str] | None = None
    #: Feed URLs to poll (http or https), besides the file roots.
    feeds: tuple[str, ...] = ()
    #: Also fetch the page of each new feed entry and index its text (searchidx.polling.with_page).
    fetch_pages: bool = False
    #: A Dask scheduler's address: its workers write the new segments (searchidx.executors).
    dask: str | None = None
    #: Feed URL -> its answer (:class:`searchidx.polling.Polled`) fetched before the run, outside
    #: the write lock (searchidx watch): used instead of polling that feed again.
    polls: Mapping[str, Any] | None = None


def versions() -> dict[str, str]:
    """The versions an index records and must match to be opened."""
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer": analysis.ANALYZER_NAME,
        "analyzer_version": analysis.ANALYZER_VERSION,
    }


def source_roots(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Absolute paths of the files and directories to index."""
    return [Path(os.path.abspath(s)) for s in sources]


def split_sources(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], tuple[str, ...]]:
    """The files and directories to index (absolute), and the feed URLs (each once), in order.

    Raises:
        FetchError: A URL that is not http or https, or has no host.
    """
    from .fetch import check_url, is_url

    paths: list[Path] = []
    urls: list[str] = []
    for source in sources:
        if is_url(source):
            urls.append(check_url(str(source)))
        else:
            paths.append(Path(os.path.abspath(source)))
    return paths, tuple(dict.fromkeys(urls))


def committed(where: Path) -> bool:
    """True once an index directory has a table of contents (its first commit finished)."""
    return any(where.glob("_MAIN_*.toc"))


def create(
    where: Path,
    roots: Sequence[Path],
    state: Location,
    *,
    rebuild: bool,
    entities: bool,
    lock_timeout: float,
    run: Run,
    update_existing: Callable[[], IndexReport],
) -> IndexReport:
    """Build a new index at ``where`` (missing, empty, or an index to replace) in one commit.

    Args:
        where: The index location, already checked by :func:`~searchidx.storage.inspect_location`.
        roots: Sources; for a new index every one must exist.
        state: What :func:`~searchidx.storage.inspect_location` found there.
        rebuild: Replace an existing index (else one that appears meanwhile is updated).
        entities: Extract entities.
        lock_timeout: Seconds to wait for another writer.
        run: Progress, workers, stop flag, symlink policy.
        update_existing: Runs an update instead, under the lock already held, when
            another writer created the index while this one waited (the caller opens it).
    """
    from .storage import check_trusted

    if state != "index":
        for root in roots:
            if not root.exists():
                raise SourceNotFound(f"{root}: no such file or directory; nothing was indexed")
    if state == "missing":
        try:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)  # index files hold the articles
        except OSError as exc:
            raise IndexWriteError(str(where), exc) from None
    check_trusted(where)
    try:
        with write_lock(where, lock_timeout):
            # Another writer may have created the index while we waited.
            if inspect_location(where) == "index" and committed(where) and not rebuild:
                return update_existing()
            return _fresh(where, roots, entities, run)
    except BaseException:
        if state == "missing":  # undo the directory this build created, if nothing else is in it
            with suppress(OSError):
                (where / LOCK_FILE).unlink()
                where.rmdir()
        raise


def _fresh(where: Path, roots: Sequence[Path], entities: bool, run: Run) -> IndexReport:
    """Write a whole new index in one commit (the caller holds the lock)."""
    meta: dict[str, Any] = {**versions(), "created_by": f"searchidx {__version__}", "roots": []}
    if entities:
        from .entities import model_info

        meta["entity_model"] = model_info()
    first = not committed(where)
    try:
        if first:
            write_json(where / META_FILE, meta)  # marks the directory as ours before anything else
        return write(where, whoosh_index(where, build_schema(), fresh=True), meta, roots, run, fresh=True)
    except BaseException:
        with suppress(OSError):
            discard_uncommitted(where, everything=first)
        raise


def write(
    where: Path,
    ix: Any,
    meta: dict[str, Any],
    roots: Sequence[Path],
    run: Run,
    *,
    fresh: bool = False,
) -> IndexReport:
    """One indexing run and its commit; the caller holds the write lock.

    ``meta`` is updated in place (roots). Whatever fails, the files this run
    wrote are removed; lack of space or permission becomes :class:`IndexWriteError`.
    """
    from .update import manifest, run_update

    entities = bool(meta.get("entity_model"))
    if entities and not fresh:
        _check_entity_model(where, meta)
    started = time.perf_counter()
    writer: Any = None
    with analysis.recording() as recorded:  # the words this run analyses: its stems.json entries
        try:
            try:
                writer = segment_writer(ix)
                known: dict[str, tuple[str, str]] = {}
                signatures: dict[str, Any] = {}
                feed_state: dict[str, Any] = {}
                if not fresh:
                    with reading(where), ix.reader() as reader:
                        known = manifest(reader)
                    signatures = read_json_object(where / FILES_FILE)
                    feed_state = read_json_object(where / FEEDS_FILE)
                read: dict[str, list[int]] = {}
                polled: dict[str, dict[str, str]] = {}
                report = run_update(
                    writer,
                    known,
                    roots,
                    entities=entities,
                    workers=run.workers if run.workers is not None else min(2, os.cpu_count() or 1),
                    progress=run.progress,
                    should_stop=run.should_stop,
                    follow_symlinks=run.follow_symlinks,
                    columns=run.columns,
                    signatures=signatures,
                    read=read,
                    feeds=run.feeds,
                    fetch_pages=run.fetch_pages,
                    feed_state=feed_state,
                    polled=polled,
                    polls=run.polls,
                    dask=run.dask,
                )
                if fresh or report.added or report.updated or report.removed:
                    writer.commit()
                    fsync_tree(where)  # Whoosh does not: make the finished commit durable
                else:
                    writer.cancel()
                    discard_uncommitted(where)  # a writer creates empty segment files up front
            except BaseException:
                if writer is not None and not writer.is_closed:
                    with suppress(Exception):
                        writer.cancel()
                if not fresh:  # a fresh build cleans up after itself
                    with suppress(OSError):
                        discard_uncommitted(where)
                raise
            stems, new_stems = _stem_table(where, analysis.vocabulary(recorded), fresh=fresh)

            def bookkeeping() -> None:
                _record(where, meta, [*roots, *polled], stems if new_stems else None, fresh=fresh)
                _record_files(where, signatures, read, roots)
                _record_feeds(where, feed_state, polled)

            if fresh or report.added or report.updated or report.removed:
                save_derived(where, entities=entities, meanwhile=bookkeeping, stems=stems)
            else:
                bookkeeping()
        except OSError as exc:
            if exc.errno in WRITE_ERRNOS:
                raise IndexWriteError(str(where), exc) from None
            raise
        return dataclasses.replace(report, elapsed_s=time.perf_counter() - started)  # commit included


def _record_files(
    where: Path, before: Mapping[str, Any], read: Mapping[str, list[int]], roots: Sequence[Path]
) -> None:
    """After a commit: the signatures of the files read cleanly, so the next run skips them unread.

    Files under this run's roots that it did not find are gone (or unreadable): forgotten.
    """
    inside = tuple(str(root) + os.sep for root in roots)
    named = {str(root) for root in roots}
    kept = {p: s for p, s in before.items() if not (p in named or p.startswith(inside))}
    files = {**kept, **read}
    if files != before:
        write_json(where / FILES_FILE, files)


def _record_feeds(where: Path, before: Mapping[str, Any], polled: Mapping[str, dict[str, str]]) -> None:
    """After a commit: the validators of the feeds polled cleanly, for the next conditional GET.

    A feed polled with a problem (or that sent no ETag or Last-Modified) is
    forgotten, so the next run reads it whole; one that did not answer keeps its own.
    """
    feeds = dict(before)
    for url, validators in polled.items():
        if validators:
            feeds[url] = validators
        else:
            feeds.pop(url, None)
    if feeds != before:
        write_json(where / FEEDS_FILE, feeds)


def _check_entity_model(where: Path, meta: dict[str, Any]) -> None:
    from .entities import model_info

    current = model_info()
    if meta.get("entity_model") != current:
        raise IndexVersionError(str(where), "entity model", meta.get("entity_model"), current)


def _record(
    where: Path,
    meta: dict[str, Any],
    roots: Sequence[Path | str],
    stems: dict[str, str] | None,
    *,
    fresh: bool,
) -> None:
    """After a commit: remember new roots and, when it has grown, the index's stem table.

    A root is a file or directory that exists, or a feed URL that answered (``str``).
    ``stems`` is :func:`_stem_table`'s, ``None`` when unchanged.
    """
    known = list(meta.get("roots", []))
    for root in roots:
        if (isinstance(root, str) or root.exists()) and str(root) not in known:
            known.append(str(root))
    if fresh or known != meta.get("roots"):
        meta["roots"] = known
        write_json(where / META_FILE, meta)
    if stems is not None:
        write_json(where / STEMS_FILE, _own_words(where, stems))


def _stem_table(where: Path, words: Mapping[str, str], *, fresh: bool) -> tuple[dict[str, str], bool]:
    """The index's ``word -> stem`` table with a run's words added, and whether they added any.

    ``words`` are the run's own (:func:`searchidx.analysis.recording`), so searches need not
    import NLTK and suggestions name only words the collection holds. The table may still
    name words whose stems left the index with removed articles (:func:`_own_words` drops
    them when a grown table is written; an unchanged one keeps them).
    """
    # A new index starts a new memo (the old one may come from another analyzer version).
    table = {} if fresh else read_vocabulary(where)
    # Only word-sized entries: every search loads this file, so junk must not grow it.
    seen = {w: t for w, t in words.items() if len(w) <= STEM_FILE_WORD_CHARS}
    if fresh or not seen.keys() <= table.keys():
        table.update(seen)
        return table, True
    return table, False


def _own_words(where: Path, table: dict[str, str]) -> dict[str, str]:
    """The entries of a stem table whose stem this index still holds.

    The table adds each run's words to the earlier runs'; a word whose stem left the
    index with the articles an update removed is dropped here.
    """
    with reading(where), whoosh_index(where, build_schema()).reader() as reader:
        held = {t for field in TEXT_FIELDS for t in reader.field_terms(field)}
    return {word: stem for word, stem in table.items() if stem in held}
