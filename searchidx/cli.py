"""Command line: ``search`` for scripting and people, ``searchidx`` for the rest.

Each command turns options into one library call and renders the result.
Contract (as ripgrep): exit 0 = hits, 1 = none, 2 = error; ``--json`` is
JSON Lines; colour only on a TTY and never with ``NO_COLOR``; a closed pipe
exits quietly. Textual is never imported here (the TUI lives elsewhere).
"""

from __future__ import annotations

import dataclasses
import functools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import click

from . import analysis
from ._version import __version__
from .cli_common import (
    EXIT_ERROR,
    EXIT_HITS,
    EXIT_NONE,
    choice_option,
    columns_mapping,
    columns_option,
    emit,
    emit_bytes,
    fail,
    guard,
    index_option,
    json_errors,
    json_option,
    open_for_search,
    option_filters,
    say,
    since_option,
    until_option,
    workers_option,
)
from .cli_entities import entities_group
from .cli_watch import watch_command
from .filters import Mode, Sort
from .index import Index, resolve_index_path
from .render import (
    Style,
    color_enabled,
    json_line,
    neutralise,
    null_separated,
    report_line,
    results_json,
    results_lines,
    stats_lines,
    summary_line,
)

ALL_HITS = 1_000_000_000


def _release() -> str:
    """``--version``: the release, and whether this install's entity tagger is compiled (a wheel)."""
    folder = Path(__file__).with_name("entities")

    def built(module: str) -> bool:
        return any((folder / f"{module}{suffix}").is_file() for suffix in EXTENSION_SUFFIXES)

    if not built("tagger"):
        return f"{__version__} (entity tagger run as Python source)"
    loops = "scoring loops in C" if built("_crf") else "scoring loops in NumPy"
    return f"{__version__} (entity tagger compiled with mypyc, {loops})"


RELEASE = _release()


@click.command("search", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("query", nargs=-1)
@index_option
@click.option(
    "-n", "--limit", default=10, show_default=True, type=click.IntRange(min=0), help="Hits to show."
)
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Hits to skip (paging).")
@since_option
@until_option
@choice_option("--sort", choices=("relevance", "newest", "oldest"))
@click.option("--any", "any_mode", is_flag=True, help="Rank articles matching any word (long queries).")
@click.option("--person", "people", multiple=True, metavar="NAME", help="Only articles naming this person.")
@click.option("--place", "places", multiple=True, metavar="NAME", help="Only articles naming this place.")
@click.option("--org", "orgs", multiple=True, metavar="NAME", help="Only articles naming this organisation.")
@click.option("--facets", "with_facets", is_flag=True, help="Also list top people, places, orgs and months.")
@click.option(
    "--all-copies",
    is_flag=True,
    help="List and count every copy of a story (by default copies fold into the best-ranked one, "
    "and totals, -c and --facets count stories).",
)
@click.option("--tui", is_flag=True, help="Open the terminal UI instead (QUERY optional).")
@json_option("JSON Lines: one hit per line, then a summary.")
@click.option("-c", "--count", is_flag=True, help="Print only the number of matching stories.")
@click.option("-l", "--files-with-matches", "files_only", is_flag=True, help="Print only matching paths.")
@click.option("-0", "--null", is_flag=True, help="With -l: end each path with NUL, unescaped (xargs -0).")
@choice_option(
    "--color",
    choices=("auto", "always", "never"),
    text="Colour matches (auto: on a terminal, off with NO_COLOR).",
)
@click.version_option(RELEASE, "-V", "--version", prog_name="searchidx")
def search_command(
    query: tuple[str, ...],
    index_dir: str | None,
    limit: int,
    offset: int,
    since: str | None,
    until: str | None,
    sort: Sort,
    any_mode: bool,
    people: tuple[str, ...],
    places: tuple[str, ...],
    orgs: tuple[str, ...],
    with_facets: bool,
    all_copies: bool,
    tui: bool,
    as_json: bool,
    count: bool,
    files_only: bool,
    null: bool,
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
    if null and not files_only:
        fail(prog, "-0/--null goes with -l: search -l0 QUERY | xargs -0 ...")
    with guard(prog), json_errors(as_json):
        index = open_for_search(index_dir, prog)
        mode: Mode = "any" if any_mode else "all"
        filters = option_filters(since, until, people=people, places=places, orgs=orgs)
        want = 0 if count else (ALL_HITS if files_only and limit == 10 else limit)
        results = index.search(
            text,
            filters=filters,
            limit=want,
            offset=offset,
            sort=sort,
            mode=mode,
            highlight=not (files_only or count),
            fold=not (all_copies or files_only),  # -l names every file, copies' too
        )
        facets = None
        if with_facets:
            started = time.perf_counter()
            facets = index.facets(text, filters=filters, mode=mode, fold=not all_copies)
            elapsed_ms = results.elapsed_ms + (time.perf_counter() - started) * 1000
            results = dataclasses.replace(results, elapsed_ms=elapsed_ms)  # the summary covers facets
        if as_json:
            emit(results_json(results, facets))
        elif count:
            emit([str(results.total)])
        elif files_only:
            paths = list(dict.fromkeys(hit.path for hit in results.hits))  # a file once, as grep -l
            if null:
                emit_bytes(null_separated(paths))
            else:
                emit(neutralise(p) for p in paths)
        else:
            emit(results_lines(results, facets, Style(color_enabled(color, sys.stdout))))
            click.echo(summary_line(results), err=True)  # keeps stdout to hits only
        sys.exit(EXIT_HITS if results.total else EXIT_NONE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(RELEASE, "-V", "--version", prog_name="searchidx")
def main() -> None:
    """searchidx: full-text search for collections of news articles."""
    analysis.lean_nltk_import()  # this process is ours: skip NLTK's SciPy import


main.add_command(search_command)


@main.command("index")
@click.argument("paths", nargs=-1, metavar="[PATH|URL]...", type=click.Path())
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
    "--entities/--no-entities",
    default=None,
    help="Extract people, places and organisations (default: as the index was built; yes for a new one). "
    "--no-entities is faster, with no person:/place:/org: filters; changing it needs --rebuild.",
)
@workers_option
@click.option(
    "--follow-symlinks", is_flag=True, help="Index links to files outside the given directories too."
)
@columns_option
@click.option(
    "--fetch-pages",
    is_flag=True,
    help="For feed URLs: also fetch each new entry's page and index its article text (robots.txt honoured).",
)
@click.option(
    "--dask",
    metavar="ADDRESS",
    help="Write the new segments on a Dask cluster, e.g. tcp://HOST:8786: its workers need this "
    'searchidx version and the index directory on shared storage (pip install "searchidx[dask]").',
)
@json_option("Print the report as one JSON line.")
def index_command(
    paths: tuple[str, ...],
    index_dir: str | None,
    rebuild: bool,
    lock_timeout: float,
    entities: bool | None,
    workers: int | None,
    follow_symlinks: bool,
    columns_spec: str | None,
    fetch_pages: bool,
    dask: str | None,
    as_json: bool,
) -> None:
    """Add, update and remove articles: text, JSON Lines, CSV/TSV, web pages, WARC, feeds, directories.

    A URL (http or https) is an RSS or Atom feed: its entries are indexed, and
    it is polled again with the other roots. With no PATH, the paths and feeds
    indexed before are read again.
    Exit status: 0 on success, 2 if any file or feed was skipped (the rest is committed).
    """
    prog = "searchidx"
    with guard(prog):
        columns = columns_mapping(prog, columns_spec)
        path, _configured = resolve_index_path(index_dir)
        sources: list[Any] = list(paths)
        if not sources:
            if not path.exists():
                fail(prog, "give a PATH to index: searchidx index ARTICLES_DIR")
            sources = list(Index.recorded_roots(path) if rebuild else Index.open(path).roots)
            if not sources and not rebuild:
                fail(prog, f"{path} has no recorded roots: give a PATH to index")
        with _progress() as progress, _interruptible() as interrupted:
            index = Index.build(
                path,
                sources,
                rebuild=rebuild,
                progress=progress,
                lock_timeout=lock_timeout,
                entities=entities,
                workers=workers,
                should_stop=interrupted.is_set,
                follow_symlinks=follow_symlinks,
                columns=columns,
                fetch_pages=fetch_pages,
                dask=dask,
            )
        report = index.last_report
        assert report is not None
        for problem in report.problems:
            say(prog, f"{'error' if problem.skipped else 'warning'}: {problem}")
        emit([report_line(str(path), report, as_json=as_json)])
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
    """A progress bar on stderr when it is a terminal (opened at the first report), else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    with ExitStack() as stack:
        bars: list[Any] = []

        def update(done: int, total: int) -> None:
            if not bars:
                bars.append(
                    stack.enter_context(click.progressbar(length=total, label="indexing", file=sys.stderr))
                )
            bars[0].update(done - bars[0].pos)

        yield update


def _run_tui(index_dir: str | None, query: str, prog: str) -> None:
    if not sys.stdout.isatty():  # the escape codes would go into the pipe or file
        fail(prog, "the TUI needs a terminal, and stdout is not one (for a pipe or a file use: search)")
    with guard(prog):
        from .tui import create_app  # Textual is imported only here

        create_app(index_dir, query, announce=functools.partial(say, prog)).run()


@main.command("tui")
@click.argument("query", nargs=-1)
@index_option
def tui_command(query: tuple[str, ...], index_dir: str | None) -> None:
    """Search interactively: live results, preview, entity and date filters, timeline.

    Press F1 inside for every key. Needs a terminal: exits 2 when stdout is not one.
    """
    _run_tui(index_dir, " ".join(query), "searchidx")


main.add_command(entities_group)
main.add_command(watch_command)


@main.command("stats")
@index_option
@json_option("Print one JSON line.")
def stats_command(index_dir: str | None, as_json: bool) -> None:
    """Show document count, date range, size on disk and versions."""
    with guard("searchidx"):
        path, _configured = resolve_index_path(index_dir)
        stats = Index.open(path).stats()
        emit([json_line("stats", stats.to_dict())] if as_json else stats_lines(stats))


def search_main() -> None:
    """Entry point of the ``search`` console script."""
    analysis.lean_nltk_import()  # a word new to the index is stemmed without SciPy's import
    search_command(prog_name="search")
