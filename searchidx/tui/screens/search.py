"""The search screen: layout, keys and actions; widgets post messages up.

What it asks of the library (searches, facets, previews in thread workers) is
:class:`~.live_search.LiveSearchScreen`'s, which this screen extends.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static

from ...filters import Filters
from ...index import Index
from ...models import Document, Hit
from ...render import location, neutralise
from ..editor import editor_command
from ..messages import CopiesLoaded, FiltersChanged, LoadMore, MoveSelection, OpenSelected, QuerySubmitted
from ..widgets import FilterPanel, KeyHints, Preview, QueryBar, ResultsList, Timeline
from .copies import CopiesScreen
from .live_search import (
    FACETS_AFTER_SECONDS,
    PAGE,
    PAUSE_CHECK_SECONDS,
    LiveSearchScreen,
    Request,
    why_empty,
)

# Request, why_empty, PAGE and FACETS_AFTER_SECONDS live in live_search; named here as before.
__all__ = ["COMMANDS", "FACETS_AFTER_SECONDS", "PAGE", "Request", "SearchScreen", "why_empty"]

SORT_CYCLE = {"relevance": "newest", "newest": "oldest", "oldest": "relevance"}
VIEW_CYCLE = {"right": "below", "below": "full", "full": "right"}  # where the preview sits
NARROW = 120  # columns below which the filter panel is a drawer over the results

# The command palette's list: (key, title, screen action).
COMMANDS = [
    ("enter", "Open the highlighted article full screen", "open_article"),
    ("v", "Preview: right, below or full screen", "cycle_view"),
    ("p", "Show or hide the preview", "toggle_preview"),
    ("f", "Show or hide the filters", "toggle_filters"),
    ("s", "Sort: relevance, newest, oldest", "cycle_sort"),
    ("x", "Clear all filters", "clear_filters"),
    ("n", "Next match in the preview", "jump(1)"),
    ("N", "Previous match in the preview", "jump(-1)"),
    ("c", "Copies of the story (+N copies): list them, open one in the preview", "show_copies"),
    ("o", "Open the article in $PAGER", "open_pager"),
    ("e", "Open the file in $EDITOR (at the article's line)", "open_editor"),
    ("y", "Copy the file path (path:line in JSON Lines and CSV)", "copy_path"),
    ("escape", "Back one level", "back"),
    ("/", "Go to the query bar", "focus_query"),
]


class SearchScreen(LiveSearchScreen):
    """Query bar, filters, timeline, results, preview and a status line."""

    BINDINGS = [
        Binding("escape", "back", "Back", show=False),
        Binding("slash", "focus_query", "Query", show=False),
        Binding("v", "cycle_view", "View", show=False),
        Binding("p", "toggle_preview", "Preview", show=False),
        Binding("f", "toggle_filters", "Filters", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("x", "clear_filters", "Clear filters", show=False),
        Binding("c", "show_copies", "Copies", show=False),
        Binding("o", "open_pager", "Pager", show=False),
        Binding("e", "open_editor", "Editor", show=False),
        Binding("y", "copy_path", "Copy path", show=False),
        Binding("n", "jump(1)", "Next match", show=False),
        Binding("N", "jump(-1)", "Previous match", show=False),
        Binding("question_mark", "app.help", "Help", show=False),
        Binding("colon", "app.command_palette", "Commands", show=False),
    ]

    def __init__(self, index: Index, query: str = "", *, timings: bool = True) -> None:
        super().__init__(index, query, timings=timings)
        self._initial = query
        self.view = "right"  # the preview: right, below or full (screen)
        self._view_before: str | None = None  # what Esc goes back to from full screen
        self.narrow = False
        # The story whose copy is open: (hit, its copies, the one open, the view to go back to).
        self._copies: tuple[Hit, tuple[Document, ...], int, str] | None = None

    def compose(self) -> ComposeResult:
        # DOM order is Tab order (query, results, preview, filters); the filters dock left.
        yield QueryBar(self._initial, id="query-bar")
        with Horizontal(id="main", classes="view-right"):
            with Vertical(id="centre"):
                yield Timeline(id="timeline")
                yield ResultsList(id="results")
                yield Static(id="status")
            yield Preview(id="preview")
            yield FilterPanel(id="filters")
        yield KeyHints(id="hints")

    def on_mount(self) -> None:
        self.set_interval(PAUSE_CHECK_SECONDS, self._pause_check)
        self.query_one(ResultsList).border_title = "results"
        self.query_one(Preview).border_title = "preview"
        self.query_one(FilterPanel).border_title = "filters"
        self._adapt(self.app.size.width, force=True)
        self.query_one(QueryBar).input.focus()
        if self._initial.strip():
            self.search(self.request)
        else:
            self.set_status(
                Text(f"{self.index.stats().documents} articles indexed: type to search", style="dim")
            )

    # ---- layout -----------------------------------------------------------------------------

    def on_resize(self, event: object) -> None:
        self._adapt(self.app.size.width)

    def _adapt(self, width: int, *, force: bool = False) -> None:
        """Below NARROW columns the filters become a drawer (hidden until ``f``)."""
        narrow = width < NARROW
        if narrow == self.narrow and not force:
            return
        self.narrow = narrow
        self.set_class(narrow, "-narrow")
        self.query_one(FilterPanel).display = not narrow and self.view != "full"

    def set_view(self, view: str) -> None:
        """Put the preview right of the results, below them, or full screen."""
        main = self.query_one("#main")
        main.remove_class("view-right", "view-below", "view-full")
        main.add_class(f"view-{view}")
        self.view = view
        preview = self.query_one(Preview)
        if view == "full":
            self.query_one(FilterPanel).display = False
            if not preview.display:
                preview.display = True
            self.preview_current()
        else:
            self.unpin()  # an open copy is seen full screen only
            self.query_one(FilterPanel).display = not self.narrow
        self.update_hints()

    def on_descendant_focus(self, event: object) -> None:
        self.update_hints()

    def update_hints(self) -> None:
        """Tell the key hints line where focus is."""
        focused = self.focused
        where = "query"
        if self.view == "full":
            where = "full"
        elif focused is not None:
            for pane in ("results", "preview", "filters"):
                if focused.id == pane or any(a.id == pane for a in focused.ancestors):
                    where = pane
        self.query_one(KeyHints).context = where

    # ---- messages up from the widgets ------------------------------------------------------

    def on_move_selection(self, message: MoveSelection) -> None:
        results = self.query_one(ResultsList)
        if not results.hits:
            return
        current = results.highlighted if results.highlighted is not None else -1
        results.highlighted = max(0, min(len(results.hits) - 1, current + message.step))

    def on_open_selected(self, message: OpenSelected) -> None:
        self.action_open_article()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_article()

    def on_query_submitted(self, message: QuerySubmitted) -> None:
        self.search(replace(self.request, query=message.query, offset=0))

    def on_filters_changed(self, message: FiltersChanged) -> None:
        if (message.filters, message.sort) == (self.request.filters, self.request.sort):
            # Refilling the facet lists re-ticks the ticked names, and their SelectedChanged
            # messages arrive after the refill: searching again would refill them again, forever.
            return
        self.search(replace(self.request, filters=message.filters, sort=message.sort, offset=0))

    def on_load_more(self, message: LoadMore) -> None:
        if self.results is not None:
            self.search(replace(self.request, offset=self.results.offset + len(self.results.hits)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Fresh results load their preview when typing pauses (at once when full screen): not
        # while a search is on its way either (its highlight message may come in before it).
        if not self.typing or self.view == "full":
            self.preview_current()

    # ---- actions ----------------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one(QueryBar).input.focus()

    def action_open_article(self) -> None:
        """Open the highlighted article full screen; Esc comes back."""
        hit = self.query_one(ResultsList).current
        if hit is None:
            return  # Enter on no results: the strict query runs and says why
        self._keep_id = hit.id
        if self.view != "full":
            self._view_before = self.view
            self.set_view("full")
        self.load_preview(hit.id, self.request.query, self.request.generation)
        self.query_one(Preview).focus()

    def action_cycle_view(self) -> None:
        view = VIEW_CYCLE[self.view]
        if view == "full":
            self._view_before = self.view
        else:
            self._view_before = None
        self.set_view(view)
        if view == "full":
            self.query_one(Preview).focus()

    def action_back(self) -> None:
        """Esc: close the drawer, leave full screen, or return to the query bar."""
        panel = self.query_one(FilterPanel)
        if self.narrow and panel.display:
            panel.display = False
            self.query_one(ResultsList).focus()
        elif self.pinned is not None:
            self.back_to_copies()
        elif self.view == "full":
            self.set_view(self._view_before or "right")
            self._view_before = None
            self.query_one(QueryBar).input.focus()
        else:
            self.query_one(QueryBar).input.focus()

    def action_toggle_preview(self) -> None:
        preview = self.query_one(Preview)
        preview.display = not preview.display
        hit = self.query_one(ResultsList).current
        if preview.display and hit is not None:
            self.load_preview(hit.id, self.request.query, self.request.generation)

    def action_toggle_filters(self) -> None:
        panel = self.query_one(FilterPanel)
        if self.view == "full":
            self.set_view(self._view_before or "right")
            self._view_before = None
            panel.display = True
        else:
            panel.display = not panel.display
        if panel.display:
            panel.focus_first()
        else:
            self.query_one(ResultsList).focus()

    def action_jump(self, step: int) -> None:
        self.query_one(Preview).action_jump(step)

    def action_cycle_sort(self) -> None:
        self.query_one(FilterPanel).set_sort(SORT_CYCLE[self.request.sort])

    def action_clear_filters(self) -> None:
        panel = self.query_one(FilterPanel)
        for kind in ("person", "place", "org"):
            panel.query_one(f"#facet-{kind}").deselect_all()  # type: ignore[attr-defined]
        since, until = self.request.filters.since, self.request.filters.until  # x keeps the dates
        self.search(replace(self.request, filters=Filters(since=since, until=until), offset=0))

    def _hit_text(self) -> tuple[str, str] | None:
        article = self._article()
        if article is None:
            return None
        if isinstance(article, Document):
            document: Document | None = article
        else:
            with self.index_lock:
                document = self.index.document(article.id)
        return article.path, (f"{document.title}\n\n{document.body}\n" if document else "")

    def action_open_pager(self) -> None:
        found = self._hit_text()
        if found is not None:
            pager = shlex.split(os.environ.get("PAGER") or "less")
            with self.app.suspend():
                subprocess.run(pager, input=found[1], text=True, check=False)

    def action_open_editor(self) -> None:
        article = self._article()
        if article is not None and location(article) != article.path:
            self.notify("a feed's article has no file to edit: o shows it in the pager")
        elif article is not None:
            editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
            with self.app.suspend():
                subprocess.run(editor_command(editor, article.path, article.line), check=False)

    def action_copy_path(self) -> None:
        article = self._article()
        if article is not None:
            where = location(article)
            where = f"{where}:{article.line}" if article.line else where  # grep's path:line
            self.app.copy_to_clipboard(where)
            self.notify(f"copied {neutralise(where)}")

    def _article(self) -> Hit | Document | None:
        """What o, e and y act on: the copy open in the preview, else the highlighted hit."""
        if self.pinned is not None:
            return self.pinned
        hit = self.query_one(ResultsList).current
        if hit is None:
            self.app.bell()
        return hit

    # ---- copies of a story ------------------------------------------------------------------

    def action_show_copies(self) -> None:
        """``c``: list the other copies of the highlighted story (from an open copy: back to them)."""
        if self.pinned is not None:
            self.back_to_copies()
            return
        hit = self._article()
        if hit is None or isinstance(hit, Document):
            return
        if not hit.copies:
            self.notify("this story has no other copies")
            return
        self.load_copies(hit, self.request.query, self.request.generation)

    def on_copies_loaded(self, message: CopiesLoaded) -> None:
        if not message.copies:
            self.notify("its copies are no longer in the index")
            return
        self.list_copies(message.hit, message.copies, 0, self.view)

    def list_copies(self, hit: Hit, copies: tuple[Document, ...], highlighted: int, view: str) -> None:
        """Show the list of copies; the one chosen opens full screen (``view``: where Esc goes after)."""

        def chosen(choice: int | None) -> None:
            if choice is not None:
                self.open_copy(hit, copies, choice, view)

        self.app.push_screen(CopiesScreen(hit, copies, highlighted), callback=chosen)

    def open_copy(self, hit: Hit, copies: tuple[Document, ...], choice: int, view: str) -> None:
        """Open one copy in the preview, full screen; Esc goes back to the list."""
        self._copies = (hit, copies, choice, view)
        self.pin(copies[choice], f"copy {choice + 1} of {len(copies)}")
        if self.view != "full":
            self.set_view("full")
        self.query_one(Preview).focus()

    def back_to_copies(self) -> None:
        """Leave the open copy: the view it was opened from, the highlighted hit's preview, the list."""
        if self._copies is None:
            return
        hit, copies, choice, view = self._copies
        self._copies = None
        self.unpin()
        self.set_view(view)
        (self.query_one(Preview) if view == "full" else self.query_one(ResultsList)).focus()
        self.list_copies(hit, copies, choice, view)
