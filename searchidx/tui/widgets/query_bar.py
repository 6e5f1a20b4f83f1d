"""The query bar: live, debounced queries, history on up/down, inline errors."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from ...render import neutralise
from ..messages import QuerySubmitted
from ..text import live_query

__all__ = ["QueryBar"]

DEBOUNCE_SECONDS = 0.015  # stale searches are cancelled, so the debounce can be short


class QueryBar(Vertical):
    """Input plus a one-line message area (errors, suggestions)."""

    BINDINGS = [
        Binding("up", "history(-1)", "Older query", show=False),
        Binding("down", "history(1)", "Newer query", show=False),
    ]

    def __init__(self, query: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._initial = query
        self._timer: Timer | None = None
        self.history: list[str] = []
        self._cursor = 0

    def compose(self) -> ComposeResult:
        yield Input(
            self._initial, placeholder='Search: words, "phrases", person:name, date:2019..', id="query"
        )
        yield Static(id="query-message")

    @property
    def input(self) -> Input:
        return self.query_one("#query", Input)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._submit)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        typed = self.input.value.strip()
        if typed and (not self.history or self.history[-1] != typed):
            self.history.append(typed)
        self._cursor = len(self.history)
        self.post_message(QuerySubmitted(typed, typed))

    def _submit(self) -> None:
        typed = self.input.value
        self.post_message(QuerySubmitted(live_query(typed.strip()) if typed.strip() else "", typed))

    def action_history(self, step: int) -> None:
        """Walk through earlier queries."""
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.input.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def show_error(self, message: str, caret: int | None = None) -> None:
        """Show a query error inline (the results stay as they were)."""
        text = Text(neutralise(message), style="bold red")
        self.query_one("#query-message", Static).update(text)
        self.add_class("error")

    def show_note(self, message: str) -> None:
        """Show a neutral note, or clear the line with ``""``."""
        self.query_one("#query-message", Static).update(Text(neutralise(message), style="italic"))
        self.remove_class("error")
