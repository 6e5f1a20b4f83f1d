"""Finding article files under the paths a user names: sorted, hidden files and links handled.

A directory is walked in sorted order; hidden entries are skipped; links to
directories are never followed and links to files outside the directory are
skipped unless asked; a file name that is not UTF-8 is a problem, not a crash.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .ingest import is_article_file
from .models import Problem

__all__ = ["discover", "printable_path"]


def printable_path(path: str | os.PathLike[str]) -> str:
    """A path as text that can always be printed: undecodable bytes become escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _undecodable(path: Path) -> Problem | None:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return Problem(printable_path(path), "file name is not valid UTF-8: rename it (e.g. with convmv)")
    return None


def discover(root: Path, *, follow_symlinks: bool = False) -> Iterator[Path | Problem]:
    """Yield article files under ``root`` (sorted), or problems with directories.

    Hidden files and directories are skipped; symbolic links to directories
    are not followed (no loops), and links to files outside ``root`` are
    skipped with a problem unless ``follow_symlinks`` (an index is often more
    readable than the files it was built from). A file named explicitly is
    always taken.
    """
    if root.is_file():
        yield _undecodable(root) or root
        return
    if not root.is_dir():
        yield Problem(str(root), "no such file or directory")
        return
    inside = os.path.realpath(root) + os.sep
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            # Compressed files count by the format inside: news.jsonl.gz, export.csv.zst.
            if not name.startswith(".") and is_article_file(name):
                found = Path(dirpath, name)
                yield _undecodable(found) or _outside(found, inside, follow_symlinks) or found
    for err in errors:
        yield Problem(str(err.filename or root), f"cannot list directory: {err.strerror}")


def _outside(found: Path, inside: str, follow: bool) -> Problem | None:
    if follow or not found.is_symlink() or os.path.realpath(found).startswith(inside):
        return None
    return Problem(
        printable_path(found),
        f"symbolic link to {printable_path(os.path.realpath(found))}, outside the indexed directory: "
        "skipped (index it with --follow-symlinks)",
    )
