"""The ``?`` screen: every key."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["KEYS", "HelpScreen"]

KEYS = [
    ("typing", "search as you type (the word being typed is a prefix once it has 3 letters)"),
    ("enter", "run the query as typed, strictly; keep it in history"),
    ("up / down", "in the query bar: older / newer queries"),
    ("tab / shift+tab", "move between query, filters, results and preview"),
    ("escape", "back to the query bar"),
    ("p", "show or hide the preview"),
    ("f", "show or hide the filter panel (hidden at first below 110 columns)"),
    ("n / N", "next / previous match in the preview"),
    ("s", "sort: relevance, newest, oldest"),
    ("x", "clear all filters"),
    ("o", "open the article in $PAGER"),
    ("e", "open the file in $EDITOR"),
    ("y", "copy the file path"),
    ("space", "in the filter panel: tick or untick a person, place or organisation"),
    ("? / f1", "this help"),
    ("ctrl+q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """Lists every key; any of escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(title="searchidx keys", show_header=False, expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical(id="help"):
            yield Static(table)
