"""What every command line shares: one-line errors, exit codes, output, common options.

The contract (as ripgrep): exit 0 = hits, 1 = none, 2 = error; a closed pipe
exits quietly; every message is one line that says how to fix the problem.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from .dates import date_bound
from .errors import IndexingInterrupted, QueryError, SearchidxError, SearchOptionError
from .filters import Filters
from .index import Index
from .ingest_csv import parse_columns
from .render import caret, json_line, neutralise

__all__ = [
    "EXIT_ERROR",
    "EXIT_HITS",
    "EXIT_NONE",
    "choice_option",
    "columns_mapping",
    "columns_option",
    "emit",
    "emit_bytes",
    "fail",
    "guard",
    "index_option",
    "json_errors",
    "json_option",
    "open_for_search",
    "say",
    "since_option",
    "until_option",
    "workers_option",
]

EXIT_HITS, EXIT_NONE, EXIT_ERROR = 0, 1, 2
_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def say(prog: str, message: str) -> None:
    """One line on stderr, ``PROG: MESSAGE``; the message may hold paths, so it is neutralised."""
    click.echo(f"{prog}: {neutralise(message)}", err=True)


def fail(prog: str, message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Say ``message`` (one line) and exit with ``code``."""
    say(prog, message)
    sys.exit(code)


def emit(lines: Iterable[str]) -> None:
    """Write lines to stdout (a closed pipe surfaces as BrokenPipeError, which :func:`guard` quiets)."""
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()


def emit_bytes(data: bytes) -> None:
    """Write raw bytes to stdout (paths as the file system spells them, for ``-l0``)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@contextmanager
def guard(prog: str) -> Iterator[None]:
    """Map errors to one-line messages and exit 2; handle pipes and Ctrl-C.

    Anything unexpected is a bug: one line names it (the traceback with
    ``SEARCHIDX_DEBUG=1``), still exit 2, never a wall of traceback.
    """
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as grep does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_HITS)
    except KeyboardInterrupt:
        fail(prog, "interrupted", 130)  # indexing says more: it raises IndexingInterrupted
    except IndexingInterrupted as exc:
        fail(prog, str(exc), 130)
    except QueryError as exc:
        if sys.stderr.isatty() and exc.position is not None:
            click.echo("  " + caret(exc.query, exc.position).replace("\n", "\n  "), err=True)
        fail(prog, str(exc))
    except SearchidxError as exc:
        fail(prog, str(exc))
    except click.ClickException:
        raise  # usage errors: click prints them
    except Exception as exc:  # a bug: say so in one line
        if os.environ.get("SEARCHIDX_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        what = " ".join(f"{type(exc).__name__}: {exc}".split())
        fail(prog, f"internal error: {what} (please report this; set SEARCHIDX_DEBUG=1 for the traceback)")


@contextmanager
def json_errors(enabled: bool) -> Iterator[None]:
    """With ``--json``, a failure still ends stdout with a record (``error``) before exit 2."""
    try:
        yield
    except SearchidxError as exc:
        if enabled:
            emit([json_line("error", {"message": str(exc), "column": getattr(exc, "column", None)})])
        raise


def open_for_search(index_dir: str | None, prog: str) -> Index:
    """Open the index to search, building the bundled one on first use (its notes go to stderr)."""
    return Index.open_for_search(index_dir, functools.partial(say, prog))


index_option = click.option(
    "--index",
    "index_dir",
    metavar="DIR",
    help="Index directory [default: $SEARCHIDX_INDEX or ./index].",
)
since_option = click.option(
    "--since", metavar="DATE", help="Only articles on or after DATE (YYYY[-MM[-DD]])."
)
until_option = click.option("--until", metavar="DATE", help="Only articles on or before DATE.")


def option_filters(since: str | None, until: str | None, **names: tuple[str, ...]) -> Filters:
    """``--since``, ``--until`` (and ``--person``-style names) as Filters.

    Raises:
        SearchOptionError: A date that cannot be read, naming its option (not an
            "invalid query": the query is fine).
    """
    for option, value, end in (("--since", since, False), ("--until", until, True)):
        try:
            date_bound(value, end=end)
        except QueryError as exc:
            raise SearchOptionError(f"{option}: {exc.problem}") from None
    return Filters(since=since, until=until, **names)


def json_option(text: str) -> _Decorator:
    """``--json``, stored as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=text)


def choice_option(*decls: str, choices: tuple[str, ...], text: str | None = None) -> _Decorator:
    """An option taking one of ``choices``, the first by default."""
    return click.option(*decls, type=click.Choice(choices), default=choices[0], show_default=True, help=text)


workers_option = click.option(
    "--workers", type=click.IntRange(min=1), help="Processes for indexing [default: CPUs, max 2]."
)
columns_option = click.option(
    "--columns",
    "columns_spec",
    metavar="FIELD=COLUMN,...",
    help="CSV/TSV columns with other names, e.g. title=headline,date=pubdate,text=story "
    "(fields: title, date, text, url, id, source, author).",
)


def columns_mapping(prog: str, spec: str | None) -> dict[str, str] | None:
    """The ``--columns`` value as a mapping (None when not given); a bad one fails in one line."""
    try:
        return parse_columns(spec) if spec is not None else None
    except ValueError as exc:
        fail(prog, f"--columns: {exc}")
