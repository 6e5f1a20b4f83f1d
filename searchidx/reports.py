"""What indexing reports: per-file problems, a run's counts, an index's facts (frozen values)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .frozen import freeze_field, iso_utc

__all__ = ["IndexReport", "IndexStats", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """A per-file (or per-line) problem found while ingesting.

    Attributes:
        path: The file concerned.
        reason: What is wrong and how to fix it.
        line: 1-based line number where it applies, else 0.
        skipped: True when the record was not indexed; False for a warning.
    """

    path: str
    reason: str
    line: int = 0
    skipped: bool = True

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one indexing run did.

    Attributes:
        added: Articles new to the index.
        updated: Articles whose content changed and were replaced.
        removed: Articles whose file disappeared from an indexed root.
        unchanged: Articles seen with the same content hash.
        problems: Files or lines that were skipped or warned about.
        elapsed_s: Wall time of the run.
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    elapsed_s: float = 0.0

    @property
    def skipped(self) -> int:
        """Number of problems that kept a record out of the index."""
        return sum(1 for p in self.problems if p.skipped)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``errors`` counts skipped records)."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "errors": self.skipped,
            "elapsed_s": round(self.elapsed_s, 3),
            "problems": [
                {"path": p.path, "line": p.line, "reason": p.reason, "skipped": p.skipped}
                for p in self.problems
            ],
        }

    def summary(self) -> str:
        """One human line: counts and time."""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {self.skipped} errors in {self.elapsed_s:.2f}s"
        )


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Facts about an index.

    Attributes:
        path: Index directory.
        documents: Number of live articles.
        first_date: Earliest publication date, if any article has one.
        last_date: Latest publication date.
        undated: Articles without a date.
        size_bytes: Bytes on disk.
        versions: Schema, analyzer and library versions recorded in the index.
        roots: Paths that were indexed (re-scanned by a bare ``searchidx index``).
        stories: The stories the articles tell (copies of one story count once).
    """

    path: str
    documents: int
    first_date: dt.datetime | None
    last_date: dt.datetime | None
    undated: int
    size_bytes: int
    versions: Mapping[str, str]
    roots: tuple[str, ...] = ()
    stories: int = 0

    def __post_init__(self) -> None:
        freeze_field(self, "versions", self.versions)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "path": self.path,
            "documents": self.documents,
            "stories": self.stories,
            "first_date": iso_utc(self.first_date),
            "last_date": iso_utc(self.last_date),
            "undated": self.undated,
            "size_bytes": self.size_bytes,
            "versions": dict(self.versions),
            "roots": list(self.roots),
        }
