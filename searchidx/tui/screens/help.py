"""The ``?`` screen: every key."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["KEYS", "HelpScreen"]

KEYS = [
    ("typing", "search as you type (the word being typed is a prefix once it has 3 letters)"),
    ("↑ ↓  ^p ^n", "in the query bar: move the selection in the results (focus stays there)"),
    ("enter", "open the highlighted article full screen (the query also runs as typed, into history)"),
    ("^↑ ^↓  alt+↑ ↓", "in the query bar: older / newer queries"),
    ("tab  shift+tab", "move between query, results, preview and filters"),
    ("esc", "back one level: close the filters drawer, leave full screen, return to the query"),
    ("/", "back to the query bar"),
    ("v", "preview: right of the results, below them, or full screen"),
    ("p", "show or hide the preview"),
    ("f", "filters: a panel from 120 columns, a drawer over the results below that"),
    ("n  N", "next / previous match in the preview"),
    ("s", "sort: relevance, newest, oldest"),
    ("x", "clear all filters"),
    ("c", "a story's other copies (+N copies): enter opens one in the preview"),
    ("o", "open the article (or the copy open) in $PAGER"),
    ("e", "open the file in $EDITOR, at the article's line"),
    ("y", "copy the file path (path:line for a line of a file)"),
    ("space", "in the filter panel: tick or untick a person, place or organisation"),
    ("f1  ?", "this help (? outside the query bar)"),
    ("f2  :", "command palette: every action with its key (: outside the query bar)"),
    ("^q  ^c", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """Lists every key; any of escape, q, ? or f1 closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("f1", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(title="searchidx keys", show_header=False, expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with VerticalScroll(id="help"):
            yield Static(table)
