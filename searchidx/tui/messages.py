"""Messages the widgets (and the search screen's workers) post up to the search screen.

Attributes go down, messages up.
"""

from __future__ import annotations

from textual.message import Message

from ..filters import Filters, Sort
from ..models import Document, Hit

__all__ = [
    "CopiesLoaded",
    "FiltersChanged",
    "LoadMore",
    "MoveSelection",
    "OpenSelected",
    "QuerySubmitted",
    "TypingPaused",
]


class QuerySubmitted(Message):
    """The query bar settled on a query (debounced while typing, or Enter)."""

    def __init__(self, query: str, typed: str) -> None:
        super().__init__()
        self.query = query
        self.typed = typed


class FiltersChanged(Message):
    """Entity filters, dates or sort order changed in the filter panel: all of them, as set now."""

    def __init__(self, filters: Filters, sort: Sort) -> None:
        super().__init__()
        self.filters = filters
        self.sort = sort


class LoadMore(Message):
    """The results list was scrolled near its end."""


class TypingPaused(Message):
    """Results stayed current for a moment (the search screen tells the app)."""


class MoveSelection(Message):
    """Move the results highlight by ``step`` (the query bar keeps focus, as in fzf)."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step


class OpenSelected(Message):
    """Enter in the query bar: open the highlighted article."""


class CopiesLoaded(Message):
    """The other copies of a hit's story came back from the library, in the hit's order."""

    def __init__(self, hit: Hit, copies: tuple[Document, ...]) -> None:
        super().__init__()
        self.hit = hit
        self.copies = copies
