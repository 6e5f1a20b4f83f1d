"""The filter panel: sort, date range and entity facets that toggle filters."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, SelectionList
from textual.widgets.selection_list import Selection

from ...filters import SORTS as SORT_ORDERS
from ...filters import Filters
from ...models import Facets, FacetValue
from ...render import neutralise
from ..messages import FiltersChanged

__all__ = ["FilterPanel"]

SORTS = [("relevance", "relevance"), ("newest first", "newest"), ("oldest first", "oldest")]
KINDS = (("people", "person"), ("places", "place"), ("orgs", "org"))


class FilterPanel(VerticalScroll, can_focus=False):
    """Facets with counts for the current query; ticked names become filters.

    Not a focus stop itself (its fields are): Tab lands on something that reacts.
    """

    @property
    def _focus_sort_key(self) -> tuple[int, int]:
        # Textual orders Tab by screen position; docked on the left, the panel would come
        # first. Tab goes query, results, preview, then filters.
        return (1 << 30, 0)

    def focus_first(self) -> None:
        """Focus the first field (the sort order)."""
        self.query_one("#sort", Select).focus()

    def compose(self) -> ComposeResult:
        yield Label("sort")
        yield Select(SORTS, value="relevance", allow_blank=False, id="sort")
        yield Label("dates")
        yield Input(placeholder="since YYYY[-MM[-DD]]", id="since")
        yield Input(placeholder="until YYYY[-MM[-DD]]", id="until")
        for title, kind in KINDS:
            yield Label(title)
            yield SelectionList[str](id=f"facet-{kind}")

    def selected(self, kind: str) -> tuple[str, ...]:
        """Names ticked under ``kind`` (``person``, ``place`` or ``org``)."""
        return tuple(self.query_one(f"#facet-{kind}", SelectionList).selected)

    def show(self, facets: Facets) -> None:
        """Refresh the facet lists, keeping ticked names at the top and ticked.

        Re-ticking posts ``SelectedChanged`` messages, handled after the refill: the
        ``FiltersChanged`` they lead to changes nothing, and the screen starts no search for it.
        """
        for label, values in (("person", facets.people), ("place", facets.places), ("org", facets.orgs)):
            self._fill(self.query_one(f"#facet-{label}", SelectionList), values)

    @staticmethod
    def _fill(widget: SelectionList[str], values: tuple[FacetValue, ...]) -> None:
        ticked = list(widget.selected)
        counts = {v.name: v.count for v in values}
        names = ticked + [v.name for v in values if v.name not in ticked]
        widget.clear_options()
        widget.add_options(
            # The count first: a long name is cut at the panel's edge, the count never is.
            Selection(Text(f"{counts.get(name, 0):>4} {neutralise(name)}"), name, name in ticked)
            for name in names
        )
        if widget.has_focus:
            _highlight_first(widget)

    def _changed(self) -> None:
        chosen = self.query_one("#sort", Select).value
        sort = SORT_ORDERS[SORT_ORDERS.index(chosen)] if chosen in SORT_ORDERS else "relevance"
        filters = Filters(
            since=self.query_one("#since", Input).value.strip() or None,
            until=self.query_one("#until", Input).value.strip() or None,
            people=self.selected("person"),
            places=self.selected("place"),
            orgs=self.selected("org"),
        )
        self.post_message(FiltersChanged(filters, sort))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, SelectionList):
            _highlight_first(event.widget)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._changed()

    def set_sort(self, sort: str) -> None:
        """Select a sort order (posts FiltersChanged through the Select)."""
        self.query_one("#sort", Select).value = sort


def _highlight_first(widget: SelectionList[str]) -> None:
    """A list entered (or refilled) with no row highlighted highlights its first: space then ticks it."""
    if widget.highlighted is None and widget.option_count:
        widget.highlighted = 0
