"""The key hints line: the keys that matter where focus is, ``F1 help`` always shown."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["HINTS", "KeyHints"]

# Most useful first: what does not fit the width is left off, from the end.
HINTS: dict[str, list[tuple[str, str]]] = {
    "query": [("↑↓", "select"), ("⏎", "open"), ("tab", "panes"), ("^↑↓", "history"), ("f2", "commands")],
    "results": [
        ("⏎", "open"),
        ("v", "view"),
        ("f", "filters"),
        ("s", "sort"),
        ("esc", "query"),
        ("o", "pager"),
        ("c", "copies"),  # from about 90 columns
    ],
    "preview": [("n/N", "match"), ("v", "view"), ("esc", "query"), ("o", "pager"), ("y", "copy path")],
    "filters": [("space", "tick"), ("x", "clear"), ("esc", "back"), ("s", "sort")],
    "full": [
        ("esc", "back"),
        ("n/N", "match"),
        ("↑↓", "scroll"),
        ("v", "view"),
        ("o", "pager"),
        ("c", "copies"),
    ],
}
ALWAYS = [("f1", "help"), ("^q", "quit")]


def hint_text(hints: list[tuple[str, str]], width: int) -> Text:
    """Hints that fit ``width``, with ``F1 help`` (and quit, if room) right-aligned."""

    def render(pairs: list[tuple[str, str]]) -> Text:
        out = Text()
        for key, what in pairs:
            out.append(f" {key}", style="bold")
            out.append(f" {what} ")
        return out

    right = render(ALWAYS)
    if right.cell_len > width:
        right = render(ALWAYS[:1])
    left = Text()
    for pair in hints:
        piece = render([pair])
        if left.cell_len + piece.cell_len + right.cell_len > width:
            break
        left.append_text(piece)
    gap = max(0, width - left.cell_len - right.cell_len)
    return Text.assemble(left, " " * gap, right)


class KeyHints(Widget):
    """One line at the bottom; ``context`` is set by the screen when focus moves."""

    context: reactive[str] = reactive("query")

    def render(self) -> Text:
        return hint_text(HINTS.get(self.context, []), self.size.width)
