"""The :class:`Index` facade: create, open, update, search and describe an index.

Only this module and :mod:`searchidx.search` touch Whoosh indexes. Whoosh
commits atomically (segments first, then a new table of contents), so a
crashed run leaves the previous commit intact.
"""

from __future__ import annotations

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
from .ingest import discover, read_file
from .models import Article, IndexReport, IndexStats, Problem, SearchResults
from .schema import SCHEMA_VERSION, build_schema

__all__ = ["DEFAULT_INDEX", "Index", "resolve_index_path"]

DEFAULT_INDEX = "index"
META_FILE = "searchidx.json"
STEMS_FILE = "stems.json"
LOCK_TIMEOUT = 10.0
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
        """
        from whoosh import index as windex

        where = Path(path)
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
    def create(cls, path: str | os.PathLike[str]) -> Index:
        """Create an empty index at ``path`` (which must not hold anything else)."""
        from whoosh import index as windex

        where = Path(path)
        if where.exists() and (not where.is_dir() or any(where.iterdir())):
            raise SearchidxError(
                f"{where} exists and is not an empty directory: choose another --index location"
            )
        where.mkdir(parents=True, exist_ok=True)
        meta = {**_versions(), "created_by": f"searchidx {__version__}", "roots": []}
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
    ) -> Index:
        """Create (or refresh) an index from article files and directories.

        A new or rebuilt index is written beside ``path`` and moved into place
        only when complete, so a failed build never damages an existing one.
        The run's :class:`IndexReport` is in :attr:`last_report`.
        """
        where = Path(path)
        if where.exists() and not rebuild:
            index = cls.open(where)
            index.last_report = index.update(sources, progress=progress, lock_timeout=lock_timeout)
            return index
        staging = where.with_name(f".{where.name}.building-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            fresh = cls.create(staging)
            report = fresh.update(sources, progress=progress, lock_timeout=lock_timeout)
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
    ) -> IndexReport:
        """Bring the index up to date with ``sources`` in one atomic commit.

        New articles are added, changed ones (by content hash) replaced, and
        articles whose file vanished from under a source directory removed.
        Unreadable files are reported in the result and never cause removals.

        Raises:
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
        """
        from whoosh.writing import LockError

        started = time.perf_counter()
        roots = [Path(os.path.abspath(s)) for s in sources]
        problems: list[Problem] = []
        files: list[tuple[Path, Path]] = []
        for root in roots:
            for found in discover(root):
                if isinstance(found, Problem):
                    problems.append(found)
                else:
                    files.append((found, root))
        try:
            writer = self._ix.writer(timeout=lock_timeout, delay=0.1)
        except LockError:
            raise IndexLocked(str(self.path), lock_timeout) from None
        try:
            counts, seen_paths = self._apply(writer, files, problems, progress)
            counts["removed"] = self._remove_missing(writer, roots, seen_paths)
            if counts["added"] or counts["updated"] or counts["removed"]:
                writer.commit()
            else:
                writer.cancel()
        except BaseException:
            writer.cancel()
            raise
        self._after_commit(roots)
        return IndexReport(
            added=counts["added"],
            updated=counts["updated"],
            removed=counts["removed"],
            unchanged=counts["unchanged"],
            problems=tuple(problems),
            elapsed_s=time.perf_counter() - started,
        )

    def _manifest(self) -> dict[str, tuple[str, str]]:
        """Return ``{id: (hash, path)}`` for live documents, read from columns."""
        with self._ix.reader() as reader:
            if reader.doc_count() == 0:
                return {}
            ids = reader.column_reader("id")
            hashes = reader.column_reader("hash")
            paths = reader.column_reader("path")
            return {ids[d]: (hashes[d], paths[d]) for d in reader.all_doc_ids()}

    def _apply(
        self,
        writer: Any,
        files: Sequence[tuple[Path, Path]],
        problems: list[Problem],
        progress: Progress | None,
    ) -> tuple[dict[str, int], set[str]]:
        self._manifest_cache = manifest = self._manifest()
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        seen_paths: set[str] = set()  # files read (or failed): their documents are accounted for
        self._seen_ids: set[str] = set()
        for done, (path, root) in enumerate(files, start=1):
            articles, found = read_file(path, root)
            problems.extend(found)
            seen_paths.add(str(path))
            if not articles and any(p.skipped for p in found):
                self._seen_ids.update(i for i, (_h, p) in manifest.items() if p == str(path))
            for article in articles:
                if article.id in self._seen_ids:
                    problems.append(
                        Problem(article.path, f"duplicate id {article.id!r}: skipped", article.line)
                    )
                    continue
                self._seen_ids.add(article.id)
                old = manifest.get(article.id)
                if old is not None and old[0] == article.content_hash and old[1] == article.path:
                    counts["unchanged"] += 1
                elif old is not None:
                    writer.update_document(**_fields(article))
                    counts["updated"] += 1
                else:
                    writer.add_document(**_fields(article))
                    counts["added"] += 1
            if progress is not None:
                progress(done, len(files))
        return counts, seen_paths

    def _remove_missing(self, writer: Any, roots: Sequence[Path], seen_paths: set[str]) -> int:
        """Delete documents of files gone from under a root, or rows gone from a file read."""
        prefixes = tuple(str(r) + os.sep for r in roots if r.is_dir())
        removed = 0
        for doc_id, (_hash, path) in self._manifest_cache.items():
            if doc_id in self._seen_ids:
                continue
            if path in seen_paths or (path.startswith(prefixes) and not os.path.exists(path)):
                writer.delete_by_term("id", doc_id)
                removed += 1
        return removed

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
            self._searcher = self._searcher.refresh()
            self._search_cache = None

    def _whoosh_searcher(self) -> Any:
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self._search_cache = None
        else:
            self._refresh()
        return self._searcher

    def _cache(self) -> Any:
        from .search import SearchCache

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

        Returns:
            Frozen results; nothing in them refers to the open index.

        Raises:
            QueryError: The query, a date or an option cannot be understood.
        """
        from .search import run_search

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
        )

    def stats(self) -> IndexStats:
        """Return document count, date range, size on disk and versions."""
        cache = self._cache()
        first, last, undated = cache.dates.summary()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        versions = {**_versions(), "created_by": str(self._meta.get("created_by", "?"))}
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


def _fields(article: Article) -> dict[str, Any]:
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
        },
    }
    if article.date is not None:
        fields["date"] = int(article.date.timestamp())
    return fields
