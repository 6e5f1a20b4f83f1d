"""The app and its factory: the CLI and the tests build the app the same way."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.binding import Binding

from ..index import Index
from .screens import HelpScreen, SearchScreen

__all__ = ["SearchApp", "create_app"]


class SearchApp(App[None]):
    """searchidx in the terminal: live search, preview, filters, timeline."""

    CSS_PATH = "searchidx.tcss"
    TITLE = "searchidx"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, index: Index, query: str = "", *, timings: bool = True) -> None:
        super().__init__()
        self.index = index
        self.initial_query = query
        self.timings = timings

    def on_mount(self) -> None:
        self.push_screen(SearchScreen(self.index, self.initial_query, timings=self.timings))

    def action_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


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
