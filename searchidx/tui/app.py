"""The app and its factory: the CLI and the tests build the app the same way."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..index import Index
from ..ranking import load_arrays
from ..snapshot import release_pages
from .messages import TypingPaused
from .screens import HelpScreen, SearchScreen
from .screens.search import COMMANDS

__all__ = ["SearchApp", "create_app"]

FULL_COLLECTIONS_OFF = 1_000_000  # generation-2 threshold: never reached in practice


class SearchApp(App[None]):
    """searchidx in the terminal: live search, preview, filters, timeline."""

    CSS_PATH = "searchidx.tcss"
    TITLE = "searchidx"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "f2"  # ctrl+p moves the selection up, as in fzf
    BINDINGS = [
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, index: Index, query: str = "", *, timings: bool = True) -> None:
        super().__init__()
        self.index = index
        self.initial_query = query
        self.timings = timings
        self._thresholds: tuple[int, int, int] | None = None

    def on_mount(self) -> None:
        self.push_screen(SearchScreen(self.index, self.initial_query, timings=self.timings))
        self.call_after_refresh(self._defer_full_collections)
        # Live search repeats its words keystroke after keystroke: score them in arrays, cached
        # (NumPy loads once the first screen is painted).
        self.call_after_refresh(lambda: self.run_worker(load_arrays, thread=True, group="arrays"))

    def _defer_full_collections(self) -> None:
        # A full collection walks every tracked object and cost 70-150 ms here (25-45 ms
        # even with the start-up objects frozen), landing on random keystrokes. What exists
        # once the first screen is up lives as long as the app, so it is frozen; full
        # collections then run only from collect_garbage(), when the search screen says
        # typing has paused.
        self._thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(self._thresholds[0], self._thresholds[1], FULL_COLLECTIONS_OFF)

    def collect_garbage(self) -> None:
        """Run a full collection now (the user has paused; nobody waits for the screen).

        And unmap the index pages the last queries read (:func:`searchidx.snapshot.release_pages`):
        they stay in the page cache, but no longer count in the app's resident size, which
        would otherwise come to hold most of the index (~190 MB at 76,172 Reuters articles).
        """
        gc.collect()
        release_pages()

    def on_typing_paused(self, message: TypingPaused) -> None:
        self.collect_garbage()

    def on_unmount(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: every search-screen action with its key, then Textual's own."""
        if isinstance(screen, SearchScreen):
            for key, title, action in COMMANDS:
                yield SystemCommand(f"{title} ({key})", f"key: {key}", _runner(screen, action))
        yield SystemCommand("Help: every key (f1, ?)", "key: f1", self.action_help)
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def _runner(screen: Screen[Any], action: str) -> Callable[[], object]:
    return lambda: screen.run_action(action)


def create_app(
    index_dir: str | None = None,
    query: str = "",
    *,
    index: Index | None = None,
    announce: Callable[[str], None] | None = None,
    timings: bool = True,
) -> SearchApp:
    """Build the TUI for an index (opened as ``search`` would, seeds included).

    Args:
        index_dir: ``--index``; default ``$SEARCHIDX_INDEX`` or ``./index`` (built from the seeds).
        query: Initial query.
        index: An already open index (tests, embedding).
        announce: Told when the bundled seeds are being indexed.
        timings: Show search times (off for reproducible screenshots).
    """
    return SearchApp(index or Index.open_for_search(index_dir, announce), query, timings=timings)
