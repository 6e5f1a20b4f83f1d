"""TUI memory: resident size of the real app after N typed queries (issue 14: < 400 MB at 76k).

Usage: python -m bench.tui_memory --index /tmp/ix76 [--queries 100] [--trace] [--delay 0.03]

Drives the app the CLI builds (``create_app``) through Textual's pilot: each query
(the TUI latency bench's list, cycled) is typed a key at a time, then the bench waits
for the preview, facets and timeline that follow the pause. Along the way it does what
a reader does: every 4th query ticks the top place in the filter panel (and clears it
with ``x`` at the next), every 5th opens the highlighted article full screen (enter,
``n``, esc), every 6th moves down the results (loading more pages) and every 9th sorts
by date and back. After every 10 queries it prints the process's memory from
``/proc/self/status``:

- ``VmHWM`` (max RSS, what the issue's bound is judged on) and ``VmRSS`` (now);
- ``RssAnon``: memory only this process holds (Python objects, caches);
- ``RssFile``: pages of mapped files (the index's segments, read through the map:
  shared and reclaimable, the system drops them under pressure and reads them again);

and the bytes each cache of the index's snapshot holds against its budget
(:meth:`searchidx.snapshot.Snapshot.cache_bytes`, :mod:`searchidx.snapshot.budget`).
``--trace`` also runs tracemalloc and prints the top allocation sites at the end.
``--keep-pages`` stops the app from unmapping the index pages it read when typing
pauses (:func:`searchidx.snapshot.release_pages`), to see what they add.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.tui_latency import QUERIES

MB = 1024 * 1024


def status() -> dict[str, int]:
    """``/proc/self/status`` memory lines, in kB."""
    found: dict[str, int] = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                found[key] = int(value.split()[0])
    return found


STARTED = time.monotonic()


def memory_line(done: int) -> str:
    s = status()
    return (
        f"{done:4d} queries ({time.monotonic() - STARTED:4.0f} s): "
        f"max RSS (VmHWM) {s['VmHWM'] / 1024:6.0f} MB  RSS {s['VmRSS'] / 1024:6.0f} MB  "
        f"anon {s['RssAnon'] / 1024:6.0f} MB  file {s['RssFile'] / 1024:6.0f} MB"
    )


def cache_line(app: Any) -> str:
    """What each cache of the index's open snapshot holds (estimated MB) against its budget."""
    snapshot = app.index._reader._snapshot  # peeked at between queries (no search is running)
    if snapshot is None or not hasattr(snapshot, "cache_bytes"):
        return ""
    held = snapshot.cache_bytes()
    budgets = snapshot.budgets
    parts = "  ".join(
        f"{name} {size / MB:.1f}/{getattr(budgets, name) / MB:.0f}" for name, size in held.items()
    )
    total = f"total {sum(held.values()) / MB:.1f}/{budgets.total / MB:.0f}"
    return f"      caches MB (held/budget): {parts}  {total}"


def _walked(*roots: object) -> int:
    """sys.getsizeof of everything reachable from ``roots``, each object once (shared ones too)."""
    import sys
    from types import FunctionType, MethodType, ModuleType

    seen: set[int] = set()
    stack, total = list(roots), 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType | FunctionType | MethodType):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def widget_line(screen: Any) -> str:
    """What Textual keeps in the big widgets' render and line caches (MB, an upper bound)."""
    names = ("_option_render_cache", "_line_cache", "_render_cache", "_styles_cache", "_content_cache")
    parts = []
    for pane in ("results", "preview", "filters"):
        widget = screen.query_one(f"#{pane}")
        widgets = [widget, *widget.walk_children()]
        caches = [getattr(w, name) for w in widgets for name in names if hasattr(w, name)]
        parts.append(f"{pane} {_walked(*caches) / MB:.1f} ({len(widgets)} widgets)")
    return "      Textual caches MB: " + "  ".join(parts)


async def settle(app: Any, timeout: float = 8.0) -> None:
    """Wait until the current query's results and its details (preview, facets) are on screen."""
    screen = app.screen
    deadline = time.monotonic() + timeout
    await asyncio.sleep(0.05)
    while time.monotonic() < deadline:
        busy = any(w.is_running for w in app.workers)
        if not busy and getattr(screen, "_details", None) is None and screen._pause_timer is None:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.02)


async def drive(where: Path, count: int, delay: float, every: int, top: int) -> list[str]:
    from textual.widgets import SelectionList

    from searchidx.tui import create_app
    from searchidx.tui.screens.search import SearchScreen
    from searchidx.tui.widgets import FilterPanel, QueryBar

    lines: list[str] = []

    def report(done: int, app: Any) -> None:
        for line in (memory_line(done), cache_line(app)):
            if line:
                print(line, flush=True)
                lines.append(line)

    app = create_app(str(where), timings=False)  # as ``searchidx tui --index`` builds it
    print(f"{app.index.stats().documents} articles in {where}; {count} queries", flush=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        report(0, app)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        bar = screen.query_one(QueryBar)
        panel = screen.query_one(FilterPanel)
        ticked = False
        for done in range(count):
            query = QUERIES[done % len(QUERIES)]
            if done >= len(QUERIES):
                query += f" {QUERIES[(done * 7) % len(QUERIES)].split()[0]}"
            bar.input.focus()
            bar.input.value = ""
            await pilot.pause(0.05)
            for key in query:
                await pilot.press(key if key != " " else "space")
                await asyncio.sleep(delay)
            await settle(app)
            if ticked:
                screen.action_clear_filters()  # x
                ticked = False
                await settle(app)
            elif done % 4 == 3:
                places = panel.query_one("#facet-place", SelectionList)
                if places.option_count:
                    places.select(places.get_option_at_index(0).value)
                    ticked = True
                    await settle(app)
            if done % 5 == 4:
                await pilot.press("enter")  # the article full screen
                await settle(app)
                await pilot.press("n", "n")
                await pilot.press("escape")
                await settle(app)
            if done % 6 == 5:
                for _ in range(4):
                    await pilot.press("pagedown")  # previews follow, more pages load
                    await settle(app)
            if done % 9 == 8:
                panel.set_sort("newest")
                await settle(app)
                panel.set_sort("relevance")
                await settle(app)
            if (done + 1) % every == 0:
                report(done + 1, app)
        print(widget_line(screen), flush=True)
        if tracemalloc.is_tracing():
            gc.collect()
            print_trace(top)
    return lines


def _short(filename: str) -> str:
    return filename.split("site-packages/")[-1].split("/work/main/")[-1]


def print_trace(top: int) -> None:
    """The top allocation sites still alive (the app still running), with the line that called them."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    )
    traced, peak = tracemalloc.get_traced_memory()
    print(f"tracemalloc: {traced / MB:.1f} MB traced, peak {peak / MB:.1f} MB; top sites:")
    for stat in snapshot.statistics("traceback")[:top]:
        frames = [f"{_short(f.filename)}:{f.lineno}" for f in stat.traceback]
        print(f"{stat.size / MB:8.1f} MB {stat.count:9d}  " + " <- ".join(reversed(frames[-3:])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.03, help="seconds between keystrokes")
    parser.add_argument("--every", type=int, default=10, help="report memory every N queries")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: top allocation sites at the end")
    parser.add_argument("--top", type=int, default=25, help="allocation sites shown with --trace")
    parser.add_argument("--keep-pages", action="store_true", help="never unmap the index pages read")
    args = parser.parse_args()
    if args.keep_pages:
        import searchidx.tui.app

        searchidx.tui.app.release_pages = lambda: 0  # type: ignore[assignment]
    if args.trace:
        tracemalloc.start(8)
    asyncio.run(drive(args.index, args.queries, args.delay, args.every, args.top))


if __name__ == "__main__":
    main()
