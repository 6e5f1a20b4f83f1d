"""Command line: ``search`` for scripting and people, ``searchidx`` for the rest.

Each command turns options into one library call and renders the result.
Contract (as ripgrep): exit 0 = hits, 1 = none, 2 = error; ``--json`` is
JSON Lines; colour only on a TTY and never with ``NO_COLOR``; a closed pipe
exits quietly. Textual is never imported here (the TUI lives elsewhere).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NoReturn

import click

from . import __version__, analysis
from .errors import IndexingInterrupted, QueryError, SearchidxError
from .index import Index, resolve_index_path
from .render import (
    Style,
    color_enabled,
    facet_lines,
    hit_lines,
    json_line,
    neutralise,
    results_json,
    stats_lines,
    summary_line,
)

EXIT_HITS, EXIT_NONE, EXIT_ERROR = 0, 1, 2
ALL_HITS = 1_000_000_000


def _fail(prog: str, message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"{prog}: {message}", err=True)
    sys.exit(code)


def _emit(lines: Iterable[str]) -> None:
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()


@contextmanager
def _guard(prog: str) -> Iterator[None]:
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
        _fail(prog, "interrupted", 130)  # indexing says more: it raises IndexingInterrupted
    except IndexingInterrupted as exc:
        _fail(prog, str(exc), 130)
    except QueryError as exc:
        if sys.stderr.isatty() and exc.position is not None:
            click.echo("  " + exc.caret().replace("\n", "\n  "), err=True)
        _fail(prog, str(exc))
    except SearchidxError as exc:
        _fail(prog, str(exc))
    except click.ClickException:
        raise  # usage errors: click prints them
    except Exception as exc:  # a bug: say so in one line
        if os.environ.get("SEARCHIDX_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        what = " ".join(f"{type(exc).__name__}: {neutralise(str(exc))}".split())
        _fail(prog, f"internal error: {what} (please report this; set SEARCHIDX_DEBUG=1 for the traceback)")


def _open_for_search(index_dir: str | None, prog: str) -> Index:
    return Index.open_for_search(index_dir, lambda line: click.echo(f"{prog}: {line}", err=True))


index_option = click.option(
    "--index",
    "index_dir",
    metavar="DIR",
    help="Index directory [default: $SEARCHIDX_INDEX or ./index].",
)


@click.command("search", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("query", nargs=-1)
@index_option
@click.option(
    "-n", "--limit", default=10, show_default=True, type=click.IntRange(min=0), help="Hits to show."
)
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Hits to skip (paging).")
@click.option("--since", metavar="DATE", help="Only articles on or after DATE (YYYY[-MM[-DD]]).")
@click.option("--until", metavar="DATE", help="Only articles on or before DATE.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    default="relevance",
    show_default=True,
)
@click.option("--any", "any_mode", is_flag=True, help="Rank articles matching any word (long queries).")
@click.option("--person", "people", multiple=True, metavar="NAME", help="Only articles naming this person.")
@click.option("--place", "places", multiple=True, metavar="NAME", help="Only articles naming this place.")
@click.option("--org", "orgs", multiple=True, metavar="NAME", help="Only articles naming this organisation.")
@click.option("--facets", "with_facets", is_flag=True, help="Also list top people, places, orgs and months.")
@click.option("--tui", is_flag=True, help="Open the terminal UI instead (QUERY optional).")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one hit per line, then a summary.")
@click.option("-c", "--count", is_flag=True, help="Print only the number of matches.")
@click.option("-l", "--files-with-matches", "files_only", is_flag=True, help="Print only matching paths.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour matches (auto: on a terminal, off with NO_COLOR).",
)
@click.version_option(__version__, "-V", "--version", prog_name="searchidx")
def search_command(
    query: tuple[str, ...],
    index_dir: str | None,
    limit: int,
    offset: int,
    since: str | None,
    until: str | None,
    sort: str,
    any_mode: bool,
    people: tuple[str, ...],
    places: tuple[str, ...],
    orgs: tuple[str, ...],
    with_facets: bool,
    tui: bool,
    as_json: bool,
    count: bool,
    files_only: bool,
    color: str,
) -> None:
    """Search articles for QUERY and print ranked, highlighted hits.

    \b
    QUERY syntax: words (all must match), OR, NOT or -word, (groups),
    "exact phrases", title:word, body:word, prefix*, fuzzy~,
    date:2019-12, date:2019-12-01..2020-01-31, date:2020..,
    person:putin, place:"black sea", org:nato, entity:idlib

    Exit status: 0 if something matched, 1 if nothing did, 2 on error.
    """  # noqa: D301 (click keeps a paragraph unwrapped after a real \b, not a raw r"\b")
    prog = "search"
    text = " ".join(query)
    if tui:
        _run_tui(index_dir, text, prog)
        return
    if not text.strip():
        raise click.UsageError("missing QUERY (use '*' for every article)")
    with _guard(prog):
        index = _open_for_search(index_dir, prog)
        want = 0 if count else (ALL_HITS if files_only and limit == 10 else limit)
        mode: Literal["all", "any"] = "any" if any_mode else "all"
        results = index.search(
            text,
            limit=want,
            offset=offset,
            since=since,
            until=until,
            sort=sort,  # type: ignore[arg-type]
            mode=mode,
            highlight=not (files_only or count),
            people=people,
            places=places,
            orgs=orgs,
        )
        facets = None
        if with_facets:
            started = time.perf_counter()
            facets = index.facets(
                text, since=since, until=until, mode=mode, people=people, places=places, orgs=orgs
            )
            elapsed_ms = results.elapsed_ms + (time.perf_counter() - started) * 1000
            results = dataclasses.replace(results, elapsed_ms=elapsed_ms)  # the summary covers facets
        if as_json:
            records = list(results_json(results))
            if facets is not None:
                records.insert(-1, json_line("facets", facets.to_dict()))
            _emit(records)
        elif count:
            _emit([str(results.total)])
        elif files_only:
            _emit(hit.path for hit in results.hits)
        else:
            style = Style(color_enabled(color, sys.stdout))
            _emit(line for hit in results.hits for line in (*hit_lines(hit, style), ""))
            if facets is not None:
                _emit(facet_lines(facets, style))
            click.echo(summary_line(results), err=True)  # keeps stdout to hits only
        sys.exit(EXIT_HITS if results.total else EXIT_NONE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="searchidx")
def main() -> None:
    """searchidx: full-text search for collections of news articles."""
    analysis.lean_nltk_import()  # this process is ours: skip NLTK's SciPy import


main.add_command(search_command)


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index (after an upgrade or a version error).")
@click.option(
    "--lock-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for another writer.",
)
@click.option(
    "--no-entities", is_flag=True, help="Skip entity extraction (faster; no person:/place:/org: filters)."
)
@click.option("--workers", type=click.IntRange(min=1), help="Processes for indexing [default: CPUs, max 2].")
@click.option(
    "--follow-symlinks", is_flag=True, help="Index links to files outside the given directories too."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
def index_command(
    paths: tuple[Path, ...],
    index_dir: str | None,
    rebuild: bool,
    lock_timeout: float,
    no_entities: bool,
    workers: int | None,
    follow_symlinks: bool,
    as_json: bool,
) -> None:
    """Add, update and remove articles: text files, JSON Lines, directories.

    With no PATH, the directories indexed before are scanned again.
    Exit status: 0 on success, 2 if any file was skipped (the rest is committed).
    """
    prog = "searchidx"
    with _guard(prog):
        path, _configured = resolve_index_path(index_dir)
        sources: list[Any] = list(paths)
        if not sources:
            if not path.exists():
                _fail(prog, "give a PATH to index: searchidx index ARTICLES_DIR")
            sources = list(Index.recorded_roots(path) if rebuild else Index.open(path).roots)
            if not sources and not rebuild:
                _fail(prog, f"{path} has no recorded roots: give a PATH to index")
        with _progress() as progress, _interruptible() as interrupted:
            index = Index.build(
                path,
                sources,
                rebuild=rebuild,
                progress=progress,
                lock_timeout=lock_timeout,
                entities=not no_entities,
                workers=workers,
                should_stop=interrupted.is_set,
                follow_symlinks=follow_symlinks,
            )
        report = index.last_report
        assert report is not None
        for problem in report.problems:
            click.echo(f"{prog}: {'error' if problem.skipped else 'warning'}: {problem}", err=True)
        if as_json:
            data = {
                "added": report.added,
                "updated": report.updated,
                "removed": report.removed,
                "unchanged": report.unchanged,
                "errors": report.skipped,
                "elapsed_s": round(report.elapsed_s, 3),
                "problems": [
                    {"path": p.path, "line": p.line, "reason": p.reason, "skipped": p.skipped}
                    for p in report.problems
                ],
            }
            _emit([json_line("index", data)])
        else:
            _emit([f"{path}: {report.summary()}"])
        sys.exit(EXIT_ERROR if report.skipped else EXIT_HITS)


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """Turn Ctrl-C and SIGTERM (``kill PID``) into a flag the indexer polls.

    Python's default handler raises KeyboardInterrupt wherever the interpreter
    is, and one raised inside a finaliser is printed and lost, letting the run
    go on; a flag is checked from ordinary code instead. SIGTERM would end the
    process at once; stopping at the next article lets it remove its files.
    """
    flag = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda _signum, _frame: flag.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield flag
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _run_tui(index_dir: str | None, query: str, prog: str) -> None:
    with _guard(prog):
        from .tui import create_app  # Textual is imported only here

        create_app(index_dir, query, announce=lambda line: click.echo(f"{prog}: {line}", err=True)).run()


@main.command("tui")
@click.argument("query", nargs=-1)
@index_option
def tui_command(query: tuple[str, ...], index_dir: str | None) -> None:
    """Search interactively: live results, preview, entity and date filters, timeline.

    Press ? inside for every key.
    """
    _run_tui(index_dir, " ".join(query), "searchidx")


@main.command("entities")
@click.argument("query", nargs=-1)
@index_option
@click.option(
    "--type",
    "kind",
    type=click.Choice(["person", "place", "org", "all"]),
    default="all",
    show_default=True,
    help="Which entities to list.",
)
@click.option(
    "-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many of each."
)
@click.option("--since", metavar="DATE", help="Only articles on or after DATE.")
@click.option("--until", metavar="DATE", help="Only articles on or before DATE.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one record per entity.")
def entities_command(
    query: tuple[str, ...],
    index_dir: str | None,
    kind: str,
    limit: int,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """List the people, places and organisations most mentioned in articles matching QUERY.

    With no QUERY, over every article. Counts are articles, not mentions.
    Exit status: 0 if any entity was listed, 1 if none, 2 on error.
    """
    with _guard("searchidx"):
        index = _open_for_search(index_dir, "searchidx")
        facets = index.facets(" ".join(query), limit=limit, since=since, until=until)
        rows = [
            (label, value)
            for label, values in (("person", facets.people), ("place", facets.places), ("org", facets.orgs))
            if kind in ("all", label)
            for value in values
        ]
        if as_json:
            _emit(
                json_line("entity", {"type": label, "name": v.name, "key": v.key, "count": v.count})
                for label, v in rows
            )
        else:
            _emit(f"{v.count:>6}  {label:<6}  {neutralise(v.name)}" for label, v in rows)
        sys.exit(EXIT_HITS if rows else EXIT_NONE)


@main.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line.")
def stats_command(index_dir: str | None, as_json: bool) -> None:
    """Show document count, date range, size on disk and versions."""
    with _guard("searchidx"):
        path, _configured = resolve_index_path(index_dir)
        stats = Index.open(path).stats()
        _emit([json_line("stats", stats.to_dict())] if as_json else stats_lines(stats))


def search_main() -> None:
    """Entry point of the ``search`` console script."""
    analysis.lean_nltk_import()  # a word new to the index is stemmed without SciPy's import
    search_command(prog_name="search")
