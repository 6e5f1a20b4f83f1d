"""The :class:`Index` facade: create, open, update, search and describe an index.

Only this module and :mod:`searchidx.search` touch Whoosh indexes. Whoosh
commits atomically (segments first, then a new table of contents), so a
crashed run leaves the previous commit intact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from . import __version__, analysis
from .errors import IndexCorrupt, IndexLocked, IndexNotFound, IndexVersionError, SearchidxError
from .models import Document, Facets, IndexReport, IndexStats, SearchResults
from .schema import SCHEMA_VERSION, build_schema
from .storage import check_trusted, fsync_tree, reading, recover

__all__ = ["DEFAULT_INDEX", "Index", "resolve_index_path"]

DEFAULT_INDEX = "index"
META_FILE = "searchidx.json"
STEMS_FILE = "stems.json"
LOCK_TIMEOUT = 10.0
REOPEN_ATTEMPTS = 3  # when a concurrent commit removes files we were about to open
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
    tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


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

    # ---- lifecycle ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Index:
        """Open an existing index.

        Raises:
            IndexNotFound: Nothing is there.
            IndexVersionError: Written by an incompatible schema or analyzer.
            IndexCorrupt: Present but unreadable.
            IndexUntrusted: Owned by another user or writable by others.
        """
        from whoosh import index as windex

        where = Path(path)
        recover(where)
        meta_path = where / META_FILE
        if not meta_path.is_file():
            if where.is_dir() and any(where.glob("*.toc")):
                raise IndexVersionError(str(where), "no searchidx metadata", "none", META_FILE)
            raise IndexNotFound(str(where))
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(str(where), f"unreadable {META_FILE}: {exc}") from None
        for key, expected in _versions().items():
            if meta.get(key) != expected:
                raise IndexVersionError(str(where), key.replace("_", " "), meta.get(key), expected)
        check_trusted(where)
        try:
            ix = windex.open_dir(str(where))
        except windex.EmptyIndexError:
            raise IndexNotFound(str(where)) from None
        except Exception as exc:  # Whoosh raises anything from OSError to unpickling errors
            raise IndexCorrupt(str(where), f"{type(exc).__name__}: {exc}") from None
        tokenizer = ix.schema["body"].analyzer
        if getattr(tokenizer, "version", None) != analysis.ANALYZER_VERSION:
            found = getattr(tokenizer, "version", "unknown")
            raise IndexVersionError(str(where), "analyzer version", found, analysis.ANALYZER_VERSION)
        return cls(where, ix, meta)

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, entities: bool = True) -> Index:
        """Create an empty index at ``path`` (which must not hold anything else).

        Args:
            path: A new or empty directory.
            entities: Extract people, places and organisations while indexing.
        """
        from whoosh import index as windex

        where = Path(path)
        if where.exists() and (not where.is_dir() or any(where.iterdir())):
            raise SearchidxError(
                f"{where} exists and is not an empty directory: choose another --index location"
            )
        where.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {**_versions(), "created_by": f"searchidx {__version__}", "roots": []}
        if entities:
            from .entities import model_info

            meta["entity_model"] = model_info()
        ix = windex.create_in(str(where), build_schema())
        _write_json(where / META_FILE, meta)
        return cls(where, ix, meta)

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
    ) -> Index:
        """Create (or refresh) an index from article files and directories.

        A new or rebuilt index is written beside ``path`` and moved into place
        only when complete, so a failed build never damages an existing one.
        The run's :class:`IndexReport` is in :attr:`last_report`.
        """
        where = Path(path)
        recover(where)
        if where.exists() and not rebuild:
            index = cls.open(where)
            index.last_report = index.update(
                sources,
                progress=progress,
                lock_timeout=lock_timeout,
                workers=workers,
                should_stop=should_stop,
            )
            return index
        staging = where.with_name(f".{where.name}.building-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            fresh = cls.create(staging, entities=entities)
            report = fresh.update(
                sources,
                progress=progress,
                lock_timeout=lock_timeout,
                workers=workers,
                should_stop=should_stop,
            )
            fresh.close()
            old = where.with_name(f".{where.name}.old-{os.getpid()}")
            if where.exists():
                os.replace(where, old)
            os.replace(staging, where)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        index = cls.open(where)
        index.last_report = report
        return index

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
    ) -> IndexReport:
        """Bring the index up to date with ``sources`` in one atomic commit.

        New articles are added, changed ones (by content hash) replaced, and
        articles whose file vanished from under a source directory removed.
        Unreadable files are reported in the result and never cause removals.

        Args:
            sources: Files and directories of articles.
            progress: Called with (articles written, articles to write).
            lock_timeout: Seconds to wait for another writer.
            workers: Processes for indexing (default: one per CPU, at most 2).
            should_stop: Polled per file and per article until the commit starts; True
                abandons the run (:class:`IndexingInterrupted`) with nothing committed.

        Raises:
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
            IndexVersionError: The index was built with another entity model.
        """
        from whoosh.writing import LockError

        from .update import manifest, run_update

        entities = bool(self._meta.get("entity_model"))
        if entities:
            self._check_entity_model()
        roots = [Path(os.path.abspath(s)) for s in sources]
        started = time.perf_counter()
        try:
            writer = self._ix.writer(timeout=lock_timeout, delay=0.1)
        except LockError:
            raise IndexLocked(str(self.path), lock_timeout) from None
        try:
            with reading(self.path), self._ix.reader() as reader:
                known = manifest(reader)
            report = run_update(
                writer,
                known,
                roots,
                entities=entities,
                workers=workers if workers is not None else min(2, os.cpu_count() or 1),
                progress=progress,
                should_stop=should_stop,
            )
            if report.added or report.updated or report.removed:
                writer.commit()
                fsync_tree(self.path)  # Whoosh does not: make the finished commit durable
            else:
                writer.cancel()
        except BaseException:
            writer.cancel()
            raise
        self._after_commit(roots)
        return dataclasses.replace(report, elapsed_s=time.perf_counter() - started)  # commit included

    def _check_entity_model(self) -> None:
        from .entities import model_info

        current = model_info()
        if self._meta.get("entity_model") != current:
            raise IndexVersionError(str(self.path), "entity model", self._meta.get("entity_model"), current)

    def _after_commit(self, roots: Sequence[Path]) -> None:
        known = list(self._meta.get("roots", []))
        for root in roots:
            if root.exists() and str(root) not in known:
                known.append(str(root))
        if known != self._meta.get("roots"):
            self._meta["roots"] = known
            _write_json(self.path / META_FILE, self._meta)
        table = self._load_stems_file()
        fresh = analysis.stem_table()
        if not fresh.keys() <= table.keys():
            table.update(fresh)
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

        with reading(self.path):
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

        with reading(self.path):
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

        with reading(self.path):
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
        cache = self._cache()
        with reading(self.path):
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
