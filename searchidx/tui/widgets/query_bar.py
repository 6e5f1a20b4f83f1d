"""The query bar: live, debounced queries, fzf-style selection keys, history, inline errors."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from ...render import neutralise
from ..messages import MoveSelection, OpenSelected, QuerySubmitted
from ..text import live_query

__all__ = ["QueryBar"]

DEBOUNCE_SECONDS = 0.015  # stale searches are cancelled, so the debounce can be short


class QueryBar(Vertical):
    """Input plus a one-line message area (errors, suggestions)."""

    BINDINGS = [
        # As in fzf: the selection in the results moves while the cursor stays here.
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
        Binding("ctrl+n", "move(1)", "Next result", show=False),
        Binding("ctrl+p", "move(-1)", "Previous result", show=False),
        Binding("pagedown", "move(5)", "Results page down", show=False),
        Binding("pageup", "move(-5)", "Results page up", show=False),
        Binding("ctrl+up", "history(-1)", "Older query", show=False),
        Binding("ctrl+down", "history(1)", "Newer query", show=False),
        Binding("alt+up", "history(-1)", "Older query", show=False),
        Binding("alt+down", "history(1)", "Newer query", show=False),
    ]

    def __init__(self, query: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._initial = query
        self._timer: Timer | None = None
        self._last_change = 0.0
        self._submitted: str | None = None
        self.history: list[str] = []
        self._cursor = 0
        self._shown = Text()

    def compose(self) -> ComposeResult:
        yield Input(
            self._initial,
            placeholder='Search: words, "phrases", person:name, date:2019..',
            id="query",
            select_on_focus=False,  # coming back with Esc, typing goes on from the end
        )
        yield Static(id="query-message")

    @property
    def input(self) -> Input:
        return self.query_one("#query", Input)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Debounce on both edges: a key after a pause searches at once, a burst once it ends."""
        event.stop()
        now = time.monotonic()
        burst = now - self._last_change < DEBOUNCE_SECONDS
        self._last_change = now
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if burst:
            self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._submit(trailing=True))
        else:
            self._submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        typed = self.input.value.strip()
        if typed and (not self.history or self.history[-1] != typed):
            self.history.append(typed)
        self._cursor = len(self.history)
        self.post_message(QuerySubmitted(typed, typed))
        self.post_message(OpenSelected())

    def action_move(self, step: int) -> None:
        """Move the selection in the results list (focus stays in the bar)."""
        self.post_message(MoveSelection(step))

    def _submit(self, trailing: bool = False) -> None:
        self._timer = None
        typed = self.input.value
        if trailing and typed == self._submitted:
            return  # the burst's first key already searched for what it ended with
        self._submitted = typed
        self.post_message(QuerySubmitted(live_query(typed.strip()) if typed.strip() else "", typed))

    def action_history(self, step: int) -> None:
        """Walk through earlier queries."""
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.input.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def show_error(self, message: str) -> None:
        """Show a query error inline (the results stay as they were)."""
        self._message(Text(neutralise(message), style="bold red"))
        self.add_class("error")

    def show_note(self, message: str) -> None:
        """Show a neutral note, or clear the line with ``""``."""
        self._message(Text(neutralise(message), style="italic"))
        self.remove_class("error")

    def _message(self, text: Text) -> None:
        # Repainting the bar's full-width line along with new results would make the
        # screen repaint every widget in between, so unchanged text is left alone.
        if text != self._shown:
            self._shown = text
            self.query_one("#query-message", Static).update(text, layout=False)  # height fixed at 1
