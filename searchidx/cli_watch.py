"""``searchidx watch``: keep an index up to date with folders that fill all day."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import click

from .cli_common import columns_mapping, columns_option, fail, guard, index_option, say, workers_option
from .errors import SearchidxError
from .index import Index, resolve_index_path
from .models import IndexReport
from .render import neutralise
from .watch import COMMIT_FILES, COMMIT_SECONDS, FEED_SECONDS, watch

__all__ = ["watch_command"]


def _sources(given: tuple[str, ...]) -> tuple[str, ...]:
    """The watched paths (each must exist) and feed URLs (http or https), as given."""
    from .fetch import check_url, is_url

    for source in given:
        if is_url(source):
            try:
                check_url(source)
            except SearchidxError as exc:
                raise click.BadParameter(str(exc)) from None
        elif not Path(source).exists():
            raise click.BadParameter(f"{source}: no such file or directory")
    return given


@click.command("watch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, callback=lambda _ctx, _param, value: _sources(value))
@index_option
@click.option(
    "--every",
    "seconds",
    default=COMMIT_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds from a batch's first change to its commit.",
)
@click.option(
    "--batch",
    default=COMMIT_FILES,
    show_default=True,
    type=click.IntRange(min=1),
    help="Changed files that commit a batch at once.",
)
@click.option(
    "--feed-every",
    "feed_seconds",
    default=FEED_SECONDS,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds between two polls of the feed URLs among PATHS.",
)
@click.option("--poll", is_flag=True, help="Poll instead of file-system notifications (network drives).")
@workers_option
@columns_option
def watch_command(
    paths: tuple[str, ...],
    index_dir: str | None,
    seconds: float,
    batch: int,
    feed_seconds: float,
    poll: bool,
    workers: int | None,
    columns_spec: str | None,
) -> None:
    """Index PATHS now, then every file that appears, changes or disappears under them.

    Without PATHS, the index's recorded roots (folders and feeds) are watched.

    A feed URL among PATHS is polled every --feed-every seconds. Changes are
    committed in batches (every --every seconds, or at once after
    --batch changed files); searches and the TUI in other processes see each
    commit. One status line per commit; Ctrl-C (or SIGTERM) stops cleanly.
    """
    with guard("searchidx"):
        mapping = columns_mapping("searchidx", columns_spec)
        where, _configured = resolve_index_path(index_dir)
        if not paths:  # the index's own folders and feeds, as for a plain `searchidx index`
            if not where.exists():
                fail("searchidx", "give the folders (or feed URLs) to watch: searchidx watch ~/news")
            paths = _sources(Index.recorded_roots(where))
            if not paths:
                fail("searchidx", f"{where} has no recorded roots: give the folders (or feed URLs) to watch")
        stop = threading.Event()

        def finish(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)

        def report(done: IndexReport) -> None:
            stamp = time.strftime("%H:%M:%S")
            click.echo(f"{stamp} {neutralise(str(where))}: {done.summary()}")
            for problem in done.problems:
                say("searchidx", f"{'error' if problem.skipped else 'warning'}: {problem}")

        click.echo(f"watching {', '.join(neutralise(str(p)) for p in paths)} (Ctrl-C stops)", err=True)
        watch(
            where,
            paths,
            on_commit=report,
            stop=stop,
            commit_seconds=seconds,
            commit_files=batch,
            workers=workers,
            columns=mapping,
            force_polling=poll,
            feed_seconds=feed_seconds,
        )
        click.echo("stopped", err=True)
        sys.exit(0)
