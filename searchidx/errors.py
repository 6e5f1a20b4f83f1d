"""One exception tree for everything searchidx raises on purpose.

Every message says what went wrong *and* how to fix it, so the CLI can print
``str(error)`` as a one-line diagnostic and exit 2.
"""

from __future__ import annotations

import errno

__all__ = [
    "ClusterError",
    "EntityModelError",
    "FetchError",
    "IndexCorrupt",
    "IndexInUse",
    "IndexLocationError",
    "IndexLocked",
    "IndexNotFound",
    "IndexOptionError",
    "IndexUntrusted",
    "IndexVersionError",
    "IndexWriteError",
    "IndexingInterrupted",
    "QueryError",
    "SearchCancelled",
    "SearchOptionError",
    "SearchidxError",
    "SourceNotFound",
]


class SearchidxError(Exception):
    """Root of every error searchidx raises deliberately."""


class QueryError(SearchidxError, ValueError):
    """A query that cannot be understood.

    The message names the 1-based :attr:`column` (``invalid query at column 8:
    ...``), as editors and compilers count; :attr:`position` is the same place
    as a 0-based offset, for slicing the query.

    Attributes:
        query: The query text as given.
        position: 0-based character offset of the problem, or ``None``.
        problem: What is wrong, without the column prefix.
    """

    def __init__(self, problem: str, query: str = "", position: int | None = None) -> None:
        self.problem = problem
        self.query = query
        self.position = position
        where = f" at column {position + 1}" if position is not None else ""
        super().__init__(f"invalid query{where}: {problem}")

    @property
    def column(self) -> int | None:
        """1-based column of the problem (``position + 1``), as in the message, or ``None``."""
        return None if self.position is None else self.position + 1

    def caret(self) -> str:
        """Return the query with a ``^`` line under the offending character."""
        if self.position is None:
            return self.query
        return f"{self.query}\n{' ' * self.position}^"


class SearchOptionError(SearchidxError, ValueError):
    """An argument of a search out of its range (sort, mode, limit, offset, prefix_terms).

    The caller's mistake, not the query's, so not a :class:`QueryError`: the
    command line never raises it (click checks its options as it reads them).
    """


class FetchError(SearchidxError):
    """A URL that cannot be fetched, or gave nothing: ``str()`` says what went wrong and how to fix it.

    A feed or page that fails while indexing becomes a :class:`~searchidx.Problem`
    of the run; a URL that is not http(s) or has no host is refused up front.

    Attributes:
        status: The HTTP status, when the server answered (0 otherwise).
    """

    def __init__(self, reason: str, status: int = 0) -> None:
        super().__init__(reason)
        self.status = status


class IndexNotFound(SearchidxError, FileNotFoundError):
    """No index at the given location."""

    def __init__(self, path: str, reason: str = "") -> None:
        self.path = path
        if reason:
            # Something else is there: never suggest building over it.
            super().__init__(
                f"no index at {path} ({reason}): point --index or $SEARCHIDX_INDEX at an index, "
                "or build one in a new directory with `searchidx index ARTICLES --index NEWDIR`"
            )
        else:
            super().__init__(
                f"no index at {path}: build one with `searchidx index ARTICLES --index {path}` "
                "(or point --index / $SEARCHIDX_INDEX at an existing one)"
            )


class IndexLocationError(SearchidxError):
    """The index location holds something that is not a searchidx index, or overlaps the articles.

    searchidx never deletes, moves or writes into such a place.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"refusing to use {path} as an index: {reason}; "
            "choose a new or empty directory with --index (nothing was changed)"
        )


class IndexInUse(SearchidxError):
    """One ``Index`` object was used by two threads at once (it serves one at a time)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"the Index for {path} is busy in another thread: open one Index per thread, "
            "or guard a shared one with a lock (the index itself is fine)"
        )


class IndexWriteError(SearchidxError):
    """Writing the index failed for lack of space or permission; the run's files were removed."""

    def __init__(self, path: str, error: OSError) -> None:
        self.path = path
        self.errno = error.errno
        where = f" while writing {path}"
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            hint = f"no space left on device{where}: free space and run again"
        elif error.errno == errno.EROFS:
            hint = f"read-only file system{where}: index somewhere writable with --index"
        elif error.errno in (errno.EACCES, errno.EPERM):
            hint = f"permission denied{where}: make the index directory writable, or use another --index"
        elif error.errno == errno.EFBIG:
            hint = f"file too large{where}: raise the file size limit (ulimit -f) and run again"
        else:
            hint = f"{error.strerror or error}{where}: fix that and run again"
        super().__init__(f"{hint} (the last commit is intact)")


class IndexVersionError(SearchidxError):
    """The index was written by an incompatible schema, analyzer or model version."""

    def __init__(self, path: str, what: str, found: object, expected: object) -> None:
        self.path = path
        super().__init__(
            f"index at {path} has {what} {found}, this searchidx needs {expected}: "
            "rebuild with `searchidx index --rebuild`"
        )


class IndexCorrupt(SearchidxError):
    """The index exists but cannot be read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(
            f"index at {path} cannot be read ({reason}): rebuild with `searchidx index --rebuild`"
        )


class IndexLocked(SearchidxError):
    """Another writer holds the index lock for longer than we were willing to wait."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        super().__init__(
            f"index at {path} is being written by another process (waited {timeout:g}s): "
            "try again when it finishes, or raise --lock-timeout"
        )


class SourceNotFound(SearchidxError, FileNotFoundError):
    """A file or folder given to index does not exist (nothing was indexed)."""


class EntityModelError(SearchidxError):
    """An entity model that cannot be read, or training input that cannot be used.

    The message names the file and how to fix it (reinstall, retrain, or give
    CoNLL-format files).
    """


class IndexOptionError(SearchidxError):
    """An option that an existing index cannot take without a rebuild (``--no-entities``)."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        super().__init__(f"index at {path} {problem}: {fix} (nothing was changed)")


class IndexUntrusted(SearchidxError):
    """The index directory could have been written by someone else.

    Whoosh keeps pickled objects in an index, so opening one runs code it
    contains: like git's ``safe.directory``, searchidx refuses directories
    owned by another user or writable by others unless told to trust them.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(
            f"refusing to open index at {path}: {reason}; opening an index runs code stored in it, "
            f"so if you trust it, set SEARCHIDX_TRUSTED_INDEXES={path} (or '*')"
        )


class SearchCancelled(SearchidxError):
    """A search stopped early because its ``should_stop`` callback said so (not a failure)."""

    def __init__(self) -> None:
        super().__init__("search cancelled: a newer search replaced it")


class IndexingInterrupted(SearchidxError):
    """An indexing run stopped on request (Ctrl-C) before it committed anything."""

    def __init__(self) -> None:
        super().__init__("interrupted: nothing from this run was committed")


class ClusterError(SearchidxError):
    """The Dask cluster of ``--dask`` cannot be used, or lost a worker: nothing from the run was committed."""
