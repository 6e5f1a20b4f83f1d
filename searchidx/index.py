"""The :class:`Index` facade: create, open, update, search and describe an index.

Only this module and :mod:`searchidx.search` touch Whoosh indexes. Whoosh
commits atomically (segments first, then a new table of contents), so a
crashed run leaves the previous commit intact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from . import __version__, analysis
from .errors import (
    IndexCorrupt,
    IndexInUse,
    IndexLocationError,
    IndexNotFound,
    IndexVersionError,
    IndexWriteError,
    SearchidxError,
)
from .models import Document, Facets, IndexReport, IndexStats, SearchResults
from .schema import SCHEMA_VERSION, build_schema
from .storage import (
    LOCK_FILE,
    META_FILE,
    STEMS_FILE,
    check_apart,
    check_trusted,
    discard_uncommitted,
    file_mode,
    fsync_tree,
    inspect_location,
    reading,
    whoosh_index,
    write_lock,
)

__all__ = ["DEFAULT_INDEX", "Index", "resolve_index_path"]

DEFAULT_INDEX = "index"
LOCK_TIMEOUT = 10.0
STEM_FILE_WORD_CHARS = 24  # longer words are stemmed (NLTK) when searched, not kept in stems.json
REOPEN_ATTEMPTS = 3  # when a concurrent commit removes files we were about to open
#: Failures to write that are the machine's state, not a bug: reported in one line.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})
Progress = Callable[[int, int], None]
DateLike = str | dt.date | dt.datetime | None
Sort = Literal["relevance", "newest", "oldest"]


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


def _versions() -> dict[str, str]:
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer": analysis.ANALYZER_NAME,
        "analyzer_version": analysis.ANALYZER_VERSION,
    }


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode(path.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False, sort_keys=True))
    os.replace(tmp, path)


@dataclasses.dataclass(frozen=True, slots=True)
class _Run:
    """How one indexing run reads and reports (the options every writing path passes on)."""

    progress: Progress | None = None
    workers: int | None = None
    should_stop: Callable[[], bool] | None = None
    follow_symlinks: bool = False


def _roots(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    return [Path(os.path.abspath(s)) for s in sources]


def _committed(where: Path) -> bool:
    """True once an index directory has a table of contents (its first commit finished)."""
    return any(where.glob("_MAIN_*.toc"))


def _remove_created(where: Path) -> None:
    """Undo the creation of a directory by a first build that failed: only if nothing else is in it."""
    with suppress(OSError):
        (where / LOCK_FILE).unlink()
        where.rmdir()


def _identity(where: Path) -> tuple[int, int] | None:
    try:
        info = where.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Index:
    """A searchidx index on disk.

    Use :meth:`open` for an existing index and :meth:`build` to create or
    refresh one from article files. An ``Index`` is a context manager.

    One ``Index`` serves one thread at a time (Whoosh readers share file
    positions): guard it with a lock, as the TUI does, or open one per thread.
    Other processes may search and write the same directory concurrently.
    """

    def __init__(self, path: Path, whoosh_index: Any, meta: dict[str, Any]) -> None:
        self.path = path
        self._ix = whoosh_index
        self._meta = meta
        self._searcher: Any = None
        self._search_cache: Any = None
        self._stems_loaded = False
        self._identity = _identity(path)
        self._busy = threading.Lock()

    # ---- lifecycle ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Index:
        """Open an existing index.

        Raises:
            IndexNotFound: Nothing is there, or it is not a searchidx index.
            IndexVersionError: Written by an incompatible schema or analyzer.
            IndexCorrupt: Present but unreadable.
            IndexUntrusted: Owned by another user or writable by others.
        """
        from whoosh import index as windex

        where = Path(path)
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
        for key, expected in _versions().items():
            if meta.get(key) != expected:
                raise IndexVersionError(str(where), key.replace("_", " "), meta.get(key), expected)
        check_trusted(where)
        try:
            ix = windex.open_dir(str(where))
        except windex.EmptyIndexError:
            raise IndexNotFound(str(where), "its first indexing run did not finish") from None
        except Exception as exc:  # Whoosh raises anything from OSError to unpickling errors
            raise IndexCorrupt(str(where), f"{type(exc).__name__}: {exc}") from None
        tokenizer = ix.schema["body"].analyzer
        if getattr(tokenizer, "version", None) != analysis.ANALYZER_VERSION:
            found = getattr(tokenizer, "version", "unknown")
            raise IndexVersionError(str(where), "analyzer version", found, analysis.ANALYZER_VERSION)
        return cls(where, ix, meta)

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], *, entities: bool = True, lock_timeout: float = LOCK_TIMEOUT
    ) -> Index:
        """Create an empty index at ``path`` (a new or empty directory; an index is kept).

        Args:
            path: A new or empty directory (a mount point will do).
            entities: Extract people, places and organisations while indexing.
            lock_timeout: Seconds to wait for another writer.

        Raises:
            IndexLocationError: ``path`` is a file or a directory holding anything else.
        """
        return cls.build(path, [], entities=entities, lock_timeout=lock_timeout)

    @classmethod
    def build(
        cls,
        path: str | os.PathLike[str],
        sources: Iterable[str | os.PathLike[str]],
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
        entities: bool = True,
        workers: int | None = None,
        should_stop: Callable[[], bool] | None = None,
        follow_symlinks: bool = False,
    ) -> Index:
        """Create (or refresh, or with ``rebuild`` replace) an index from article files and directories.

        ``path`` must be new, an empty directory, or a searchidx index: anything
        else is refused untouched. A new or rebuilt index is one commit under
        the write lock: readers see the old index until it is complete, and a
        failed run leaves the old one (or, for a new index, nothing) behind.
        The run's :class:`IndexReport` is in :attr:`last_report`.

        Raises:
            IndexLocationError: ``path`` is not ours to write, or overlaps a source.
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
            IndexWriteError: The disk is full or the directory read-only.
        """
        where = Path(path)
        roots = _roots(sources)
        check_apart(where, roots)
        state = inspect_location(where)
        if state == "index" and _committed(where) and not rebuild:
            index = cls.open(where)
            index.last_report = index.update(
                roots,
                progress=progress,
                lock_timeout=lock_timeout,
                workers=workers,
                should_stop=should_stop,
                follow_symlinks=follow_symlinks,
            )
            return index
        if state != "index":
            for root in roots:
                if not root.exists():
                    raise SearchidxError(f"{root}: no such file or directory; nothing was indexed")
        if state == "missing":
            try:
                where.mkdir(mode=0o700, parents=True, exist_ok=True)  # index files hold the articles
            except OSError as exc:
                raise IndexWriteError(str(where), exc) from None
        check_trusted(where)
        run = _Run(progress, workers, should_stop, follow_symlinks)
        try:
            with write_lock(where, lock_timeout):
                # Another writer may have created the index while we waited.
                if inspect_location(where) == "index" and _committed(where) and not rebuild:
                    index = cls.open(where)
                    report = index._write(roots, run)
                else:
                    report = cls._fresh(where, roots, entities, run)
        except BaseException:
            if state == "missing":
                _remove_created(where)
            raise
        index = cls.open(where)
        index.last_report = report
        return index

    @classmethod
    def _fresh(
        cls,
        where: Path,
        roots: Sequence[Path],
        entities: bool,
        run: _Run,
    ) -> IndexReport:
        """Write a whole new index in one commit (caller holds the lock)."""
        meta: dict[str, Any] = {**_versions(), "created_by": f"searchidx {__version__}", "roots": []}
        if entities:
            from .entities import model_info

            meta["entity_model"] = model_info()
        first = not _committed(where)
        try:
            if first:
                _write_json(where / META_FILE, meta)  # marks the directory as ours before anything else
            fresh = cls(where, whoosh_index(where, build_schema(), fresh=True), meta)
            return fresh._write(roots, run, fresh=True)
        except BaseException:
            with suppress(OSError):
                discard_uncommitted(where, everything=first)
            raise

    last_report: IndexReport | None = None

    def close(self) -> None:
        """Release the searcher (the index stays on disk)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def roots(self) -> tuple[str, ...]:
        """Directories and files indexed so far (a bare ``searchidx index`` re-scans them)."""
        return tuple(self._meta.get("roots", ()))

    @staticmethod
    def recorded_roots(path: str | os.PathLike[str]) -> tuple[str, ...]:
        """Read the indexed roots without opening the index (works across versions)."""
        try:
            meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise IndexNotFound(str(path)) from None
        roots = meta.get("roots", []) if isinstance(meta, dict) else []
        return tuple(str(r) for r in roots)

    # ---- writing -----------------------------------------------------------------------

    def update(
        self,
        sources: Iterable[str | os.PathLike[str]],
        *,
        progress: Progress | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
        workers: int | None = None,
        should_stop: Callable[[], bool] | None = None,
        follow_symlinks: bool = False,
    ) -> IndexReport:
        """Bring the index up to date with ``sources`` in one atomic commit.

        New articles are added, changed ones (by content hash) replaced, and
        articles whose file vanished from under a source directory removed.
        Unreadable files are reported in the result and never cause removals.

        Args:
            sources: Files and directories of articles.
            progress: Called with (bytes read, bytes to read) as files are read.
            lock_timeout: Seconds to wait for another writer.
            workers: Processes for indexing (default: one per CPU, at most 2).
            should_stop: Polled per file and per article until the commit starts; True
                abandons the run (:class:`IndexingInterrupted`) with nothing committed.
            follow_symlinks: Index links to files outside the source directories too
                (by default they are skipped with a problem).

        Raises:
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
            IndexVersionError: The index was built with another entity model.
            IndexLocationError: A source contains the index, or is inside it.
            IndexWriteError: The disk is full or the index read-only (nothing was committed).
        """
        roots = _roots(sources)
        check_apart(self.path, roots)
        with write_lock(self.path, lock_timeout):
            return self._write(roots, _Run(progress, workers, should_stop, follow_symlinks))

    def _write(
        self,
        roots: Sequence[Path],
        run: _Run,
        *,
        fresh: bool = False,
    ) -> IndexReport:
        """One indexing run and its commit; the caller holds the write lock.

        Whatever fails, the files this run wrote are removed before the lock is
        released; lack of space or permission becomes :class:`IndexWriteError`.
        """
        from whoosh.writing import SegmentWriter

        from .update import manifest, run_update

        entities = bool(self._meta.get("entity_model"))
        if entities and not fresh:
            self._check_entity_model()
        started = time.perf_counter()
        writer: Any = None
        try:
            try:
                writer = SegmentWriter(self._ix, _lk=False)
                known: dict[str, tuple[str, str]] = {}
                if not fresh:
                    with reading(self.path), self._ix.reader() as reader:
                        known = manifest(reader)
                report = run_update(
                    writer,
                    known,
                    roots,
                    entities=entities,
                    workers=run.workers if run.workers is not None else min(2, os.cpu_count() or 1),
                    progress=run.progress,
                    should_stop=run.should_stop,
                    follow_symlinks=run.follow_symlinks,
                )
                if fresh or report.added or report.updated or report.removed:
                    writer.commit()
                    fsync_tree(self.path)  # Whoosh does not: make the finished commit durable
                else:
                    writer.cancel()
                    discard_uncommitted(self.path)  # a writer creates empty segment files up front
            except BaseException:
                if writer is not None and not writer.is_closed:
                    with suppress(Exception):
                        writer.cancel()
                if not fresh:  # a fresh build cleans up after itself
                    with suppress(OSError):
                        discard_uncommitted(self.path)
                raise
            self._after_commit(roots, fresh=fresh)
        except OSError as exc:
            if exc.errno in WRITE_ERRNOS:
                raise IndexWriteError(str(self.path), exc) from None
            raise
        return dataclasses.replace(report, elapsed_s=time.perf_counter() - started)  # commit included

    def _check_entity_model(self) -> None:
        from .entities import model_info

        current = model_info()
        if self._meta.get("entity_model") != current:
            raise IndexVersionError(str(self.path), "entity model", self._meta.get("entity_model"), current)

    def _after_commit(self, roots: Sequence[Path], *, fresh: bool = False) -> None:
        known = list(self._meta.get("roots", []))
        for root in roots:
            if root.exists() and str(root) not in known:
                known.append(str(root))
        if fresh or known != self._meta.get("roots"):
            self._meta["roots"] = known
            _write_json(self.path / META_FILE, self._meta)
        # A new index starts a new memo (the old one may come from another analyzer version).
        table = {} if fresh else self._load_stems_file()
        # Only word-sized entries: every search loads this file, so junk must not grow it.
        seen = {w: t for w, t in analysis.stem_table().items() if len(w) <= STEM_FILE_WORD_CHARS}
        if fresh or not seen.keys() <= table.keys():
            table.update(seen)
            _write_json(self.path / STEMS_FILE, table)
        self._refresh()

    def _load_stems_file(self) -> dict[str, str]:
        try:
            data = json.loads((self.path / STEMS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # ---- reading -----------------------------------------------------------------------

    def _refresh(self) -> None:
        identity = _identity(self.path)
        if identity != self._identity:
            # The directory itself was replaced (deleted and built anew): generations restart,
            # so Whoosh's up_to_date() cannot tell. Read the new one from scratch.
            from whoosh import index as windex

            self._identity = identity
            self._ix = windex.open_dir(str(self.path))
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._search_cache = None
            return
        if self._searcher is not None and not self._searcher.up_to_date():
            # Not Searcher.refresh(): Whoosh reuses a segment's reader when the segment id is
            # unchanged, so documents deleted from it since stay visible (and readers of
            # segments merged away are kept). A fresh searcher costs a few milliseconds.
            self._searcher.close()
            self._searcher = None
            self._search_cache = None

    def _whoosh_searcher(self) -> Any:
        from whoosh import index as windex

        from .search import RobertsonBM25F

        with reading(self.path):
            for attempt in range(REOPEN_ATTEMPTS):
                try:
                    self._refresh()
                    if self._searcher is None:
                        check_trusted(self.path)  # a commit since open() brought new files to unpickle
                        self._searcher = self._ix.searcher(weighting=RobertsonBM25F())
                        self._search_cache = None
                    return self._searcher
                except FileNotFoundError:
                    if attempt == REOPEN_ATTEMPTS - 1:
                        raise
                    # Another process committed between our reading its table of contents
                    # and opening a segment that commit then deleted: read the new one.
                    self._searcher = None
                    self._ix = windex.open_dir(str(self.path))
        raise AssertionError("unreachable")

    def _cache(self) -> Any:
        from .cache import SearchCache

        searcher = self._whoosh_searcher()
        if self._search_cache is None:
            if not self._stems_loaded:
                analysis.preload_stems(self._load_stems_file())
                self._stems_loaded = True
            self._search_cache = SearchCache(searcher)
        return self._search_cache

    @contextmanager
    def _in_use(self) -> Iterator[None]:
        """One caller at a time (Whoosh readers share file positions); read errors become IndexCorrupt."""
        if not self._busy.acquire(blocking=False):
            raise IndexInUse(str(self.path))
        try:
            with reading(self.path):
                yield
        finally:
            self._busy.release()

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        since: DateLike = None,
        until: DateLike = None,
        sort: Sort = "relevance",
        mode: Literal["all", "any"] = "all",
        highlight: bool = True,
        people: Sequence[str] = (),
        places: Sequence[str] = (),
        orgs: Sequence[str] = (),
        prefix_terms: int = 16,
        should_stop: Callable[[], bool] | None = None,
    ) -> SearchResults:
        """Search the index.

        Args:
            query: Query text (see the README's query syntax).
            limit: Maximum hits to return.
            offset: Hits to skip (for paging).
            since: Earliest date included (``YYYY[-MM[-DD]]``, date or datetime).
            until: Latest date included.
            sort: ``"relevance"``, ``"newest"`` or ``"oldest"``.
            mode: ``"all"`` terms must match, or ``"any"`` (ranked OR).
            highlight: Build snippets and match offsets (off saves ~1 ms a hit).
            people: Only articles mentioning every one of these people.
            places: Only articles mentioning every one of these places.
            orgs: Only articles mentioning every one of these organisations.
            prefix_terms: How many of the most frequent completions a ``word*`` expands to.
            should_stop: Polled while matching; when it returns True the search raises
                :class:`SearchCancelled` (live search abandons searches a keystroke made stale).

        Returns:
            Frozen results; nothing in them refers to the open index.

        Raises:
            QueryError: The query, a date or an option cannot be understood.
        """
        from .search import run_search

        with self._in_use():
            return run_search(
                self._cache(),
                query,
                limit=limit,
                offset=offset,
                since=since,
                until=until,
                sort=sort,
                mode=mode,
                highlight=highlight,
                entities=_entity_filters(people, places, orgs),
                prefix_terms=prefix_terms,
                should_stop=should_stop,
            )

    def facets(
        self,
        query: str = "",
        *,
        limit: int = 10,
        since: DateLike = None,
        until: DateLike = None,
        mode: Literal["all", "any"] = "all",
        people: Sequence[str] = (),
        places: Sequence[str] = (),
        orgs: Sequence[str] = (),
        should_stop: Callable[[], bool] | None = None,
    ) -> Facets:
        """Top people, places and organisations among the matching articles, and a month histogram.

        An empty ``query`` means every article. Other arguments filter as in :meth:`search`.

        Raises:
            SearchCancelled: ``should_stop`` returned True while counting.
        """
        from .facets import run_facets

        with self._in_use():
            return run_facets(
                self._cache(),
                query,
                limit=limit,
                since=since,
                until=until,
                mode=mode,
                entities=_entity_filters(people, places, orgs),
                should_stop=should_stop,
            )

    def document(self, doc_id: str, query: str = "") -> Document | None:
        """Return one whole article with the offsets of every match of ``query``.

        Returns ``None`` when no article has that id. An invalid ``query`` gives no matches.
        """
        from .search import load_document

        with self._in_use():
            return load_document(self._cache(), doc_id, query)

    @classmethod
    def open_for_search(
        cls, explicit: str | os.PathLike[str] | None = None, announce: Callable[[str], None] | None = None
    ) -> Index:
        """Open the configured index; build the default one from the bundled seeds if missing.

        Args:
            explicit: ``--index`` value, if any (then nothing is built).
            announce: Told, in one line, when the bundled seeds are being indexed.
        """
        from .ingest import bundled_seeds

        path, configured = resolve_index_path(explicit)
        if not configured and not path.exists():
            if announce is not None:
                announce(f"no index at ./{path}; building one from the bundled seed articles")
            return cls.build(path, [bundled_seeds()])
        return cls.open(path)

    def stats(self) -> IndexStats:
        """Return document count, date range, size on disk and versions."""
        with self._in_use():
            cache = self._cache()
            first, last, undated = cache.dates.summary()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        versions = {
            **_versions(),
            "created_by": str(self._meta.get("created_by", "?")),
            "entity_model": str(self._meta.get("entity_model") or "none"),
        }
        return IndexStats(
            path=str(self.path),
            documents=cache.searcher.doc_count(),
            first_date=first,
            last_date=last,
            undated=undated,
            size_bytes=size,
            versions=versions,
            roots=self.roots,
        )


def _entity_filters(people: Sequence[str], places: Sequence[str], orgs: Sequence[str]) -> list[Any]:
    from .query import entity_query

    return [
        entity_query(field, name)
        for field, names in (("person", people), ("place", places), ("org", orgs))
        for name in names
    ]
