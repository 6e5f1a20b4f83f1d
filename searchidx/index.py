"""The :class:`Index` facade: create, open, update, search and describe an index.

The facade only delegates: :mod:`searchidx.opening` checks and opens an index
and keeps its :class:`~searchidx.snapshot.Snapshot` current across commits,
:mod:`searchidx.writing` writes (under the lock, one commit per run), and the
queries (:class:`~searchidx.index_queries.IndexQueries`, a base class) hand the
snapshot to :mod:`searchidx.search` and :mod:`searchidx.facets`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import IndexNotFound, IndexOptionError
from .filters import DateLike as DateLike
from .filters import Sort as Sort
from .index_queries import IndexQueries
from .models import IndexReport, IndexStats
from .opening import DEFAULT_INDEX, LOCK_TIMEOUT, Reader, open_checked, recorded_meta, resolve_index_path
from .storage import META_FILE, check_apart, inspect_location, write_lock
from .writing import Progress, Run, committed, create, split_sources, versions, write

__all__ = ["DEFAULT_INDEX", "META_FILE", "Index", "resolve_index_path"]


class Index(IndexQueries):
    """A searchidx index on disk.

    Use :meth:`open` for an existing index and :meth:`build` to create or
    refresh one from article files; :meth:`search`, :meth:`count`,
    :meth:`facets` and :meth:`document` come from :class:`IndexQueries`. An
    ``Index`` is a context manager.

    One ``Index`` serves one thread at a time (Whoosh readers share file
    positions): guard it with a lock, as the TUI does, or open one per thread.
    Other processes may search and write the same directory concurrently.
    """

    def __init__(self, path: Path, whoosh_index: Any, meta: dict[str, Any]) -> None:
        self.path = path
        self._meta = meta
        self._reader = Reader(path, whoosh_index, entities=self.has_entities)

    @property
    def _ix(self) -> Any:
        """The open Whoosh ``FileIndex`` (what a writer opens)."""
        return self._reader.ix

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
        where = Path(path)
        ix, meta = open_checked(where)
        return cls(where, ix, meta)

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], *, entities: bool | None = None, lock_timeout: float = LOCK_TIMEOUT
    ) -> Index:
        """Create an empty index at ``path`` (a new or empty directory; an index is kept).

        Args:
            path: A new or empty directory (a mount point will do).
            entities: Extract people, places and organisations while indexing (default yes).
            lock_timeout: Seconds to wait for another writer.

        Raises:
            IndexLocationError: ``path`` is a file or a directory holding anything else.
            IndexOptionError: ``entities`` differs from the existing index's setting.
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
        entities: bool | None = None,
        workers: int | None = None,
        should_stop: Callable[[], bool] | None = None,
        follow_symlinks: bool = False,
        columns: Mapping[str, str] | None = None,
        fetch_pages: bool = False,
        dask: str | None = None,
    ) -> Index:
        """Create (or refresh, or with ``rebuild`` replace) an index from article files and directories.

        ``path`` must be new, an empty directory, or a searchidx index: anything
        else is refused untouched. A new or rebuilt index is one commit under
        the write lock: readers see the old index until it is complete, and a
        failed run leaves the old one (or, for a new index, nothing) behind.
        The run's :class:`IndexReport` is in :attr:`last_report`.

        ``entities`` (extract people, places and organisations) defaults to the
        existing index's setting, or yes for a new one; a different explicit
        value on an existing index needs ``rebuild``. ``columns`` maps CSV/TSV
        columns to article fields, ``sources`` may hold feed URLs, and ``dask`` names a
        Dask scheduler whose workers write the new segments, as for :meth:`update`.

        Raises:
            IndexOptionError: ``entities`` differs from the index's and ``rebuild`` is not set.
            IndexLocationError: ``path`` is not ours to write, or overlaps a source.
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
            IndexWriteError: The disk is full or the directory read-only.
        """
        where = Path(path)
        roots, feeds = split_sources(sources)
        run = Run(progress, workers, should_stop, follow_symlinks, columns, feeds, fetch_pages, dask)
        check_apart(where, roots)
        state = inspect_location(where)
        if state == "index" and committed(where) and not rebuild:
            index = cls.open(where)
            if entities is not None and entities != index.has_entities:
                index.close()
                flag = "--no-entities" if not entities else "--entities"
                raise IndexOptionError(
                    str(where),
                    f"was built {'with' if index.has_entities else 'without'} entities",
                    f"rebuild it to change that: searchidx index --rebuild {flag}",
                )
            index.last_report = index._update(roots, lock_timeout, run)
            return index
        if entities is None:  # a rebuild keeps the index's choice (read without opening: it may be damaged)
            recorded = recorded_meta(where) if state == "index" else {}
            entities = not recorded or bool(recorded.get("entity_model"))

        def update_existing() -> IndexReport:
            current = cls.open(where)
            return write(current.path, current._ix, current._meta, roots, run)

        _mapped_reads()
        report = create(
            where,
            roots,
            state,
            rebuild=rebuild,
            entities=entities,
            lock_timeout=lock_timeout,
            run=run,
            update_existing=update_existing,
        )
        index = cls.open(where)
        index.last_report = report
        return index

    last_report: IndexReport | None = None

    def close(self) -> None:
        """Release the searcher (the index stays on disk)."""
        self._reader.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def roots(self) -> tuple[str, ...]:
        """Directories, files and feed URLs indexed so far (a bare ``searchidx index`` reads them again)."""
        return tuple(self._meta.get("roots", ()))

    @property
    def has_entities(self) -> bool:
        """Whether people, places and organisations were extracted (not built with ``--no-entities``)."""
        return bool(self._meta.get("entity_model"))

    @staticmethod
    def recorded_roots(path: str | os.PathLike[str]) -> tuple[str, ...]:
        """Read the indexed roots without opening the index (works across versions)."""
        if not (Path(path) / META_FILE).is_file():
            raise IndexNotFound(str(path))
        return tuple(str(r) for r in recorded_meta(Path(path)).get("roots", []))

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
        columns: Mapping[str, str] | None = None,
        fetch_pages: bool = False,
        dask: str | None = None,
        polls: Mapping[str, Any] | None = None,
    ) -> IndexReport:
        """Bring the index up to date with ``sources`` in one atomic commit.

        New articles are added, changed ones (by content hash) replaced, and
        articles whose file vanished from under a source directory removed.
        Unreadable files are reported in the result and never cause removals.

        A feed URL (``http://`` or ``https://``) is fetched, conditionally when
        it was polled before (see :mod:`searchidx.polling`); its new and changed
        entries are added, and entries gone from it stay. A feed that fails is
        one problem in the report; it is remembered as a root once it answers.

        Args:
            sources: Files and directories of articles, and feed URLs.
            progress: Called with (bytes read, bytes to read) as files are read.
            lock_timeout: Seconds to wait for another writer.
            workers: Processes for indexing (default: one per CPU, at most 2).
            should_stop: Polled per file and per article until the commit starts; True
                abandons the run (:class:`IndexingInterrupted`) with nothing committed.
            follow_symlinks: Index links to files outside the source directories too
                (by default they are skipped with a problem).
            columns: For CSV/TSV files: article field (``title``, ``date``, ``text``, ``url``,
                ``id``, ``source``, ``author``) -> column name, for names not recognised.
            fetch_pages: For feed URLs: also fetch each new or changed entry's page (robots.txt
                honoured) and index its article text instead of the feed's summary.
            dask: A Dask scheduler's address (``tcp://HOST:8786``): its workers write the new
                segments, into the index directory on storage they share (``pip install
                "searchidx[dask]"``). A worker lost mid-run leaves the index at its last commit.
            polls: Feed URL -> its answer (:class:`searchidx.polling.Polled`), fetched before the
                call (outside the write lock, as ``searchidx watch`` does): not fetched again.

        Raises:
            SearchidxError: A URL that is not http or https.
            IndexLocked: Another writer held the lock for ``lock_timeout`` seconds.
            IndexVersionError: The index was built with another entity model.
            IndexLocationError: A source contains the index, or is inside it.
            IndexWriteError: The disk is full or the index read-only (nothing was committed).
        """
        roots, feeds = split_sources(sources)
        run = Run(progress, workers, should_stop, follow_symlinks, columns, feeds, fetch_pages, dask, polls)
        return self._update(roots, lock_timeout, run)

    def _update(self, roots: Sequence[Path], lock_timeout: float, run: Run) -> IndexReport:
        check_apart(self.path, roots)
        _mapped_reads()
        with write_lock(self.path, lock_timeout):
            report = write(self.path, self._ix, self._meta, roots, run)
        self._reader.refresh()
        return report

    # ---- describing (the queries are IndexQueries') -------------------------------------

    def stats(self) -> IndexStats:
        """Return document and story counts, date range, size on disk and versions."""
        with self._reader.using() as snapshot:
            first, last, undated = snapshot.dates.summary()
            documents = snapshot.doc_count()
            stories = snapshot.stories().told(documents)
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        recorded = {
            **versions(),
            "created_by": str(self._meta.get("created_by", "?")),
            "entity_model": str(self._meta.get("entity_model") or "none"),
        }
        return IndexStats(
            path=str(self.path),
            documents=documents,
            first_date=first,
            last_date=last,
            undated=undated,
            size_bytes=size,
            versions=recorded,
            roots=self.roots,
            stories=stories,
        )


def _mapped_reads() -> None:
    """Read segments through their maps, as searches do, in the indexing runs too.

    A run reads the index (its manifest, the commit's stories, entities and vocabulary): with
    Whoosh's copies of each segment file, adding 10 articles to 304,688 peaked at 1.8 GB (350
    MB through the maps).
    """
    from .snapshot import install_mapped_reads

    install_mapped_reads()
