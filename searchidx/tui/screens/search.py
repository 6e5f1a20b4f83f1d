"""The search screen: talks to the library in thread workers; widgets post messages up."""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.worker import get_current_worker

from ...errors import SearchCancelled, SearchidxError
from ...filters import NO_FILTERS, Filters, Sort
from ...index import Index
from ...models import Document, Facets, Hit, SearchResults
from ...render import neutralise
from ..editor import editor_command
from ..messages import FiltersChanged, LoadMore, MoveSelection, OpenSelected, QuerySubmitted, TypingPaused
from ..widgets import FilterPanel, KeyHints, Preview, QueryBar, ResultsList, Timeline
from ..widgets.preview import Built, build

__all__ = ["COMMANDS", "Request", "SearchScreen", "why_empty"]

PAGE = 10  # about a screenful; more load as you scroll
# Preview, facets and timeline wait until typing pauses. Not less: keys typed 190-250 ms apart
# (the bench's pace) would then paint a preview between keystrokes (p95 76 -> 92-100 ms at 0.15 s).
FACETS_AFTER_SECONDS = 0.3
PAUSE_CHECK_SECONDS = 30.0  # while browsing without typing, still report a pause now and then
LIVE_PREFIX_TERMS = 4  # completions of the word being typed: the most frequent few keep it fast
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
    ("o", "Open the article in $PAGER", "open_pager"),
    ("e", "Open the file in $EDITOR (at the article's line)", "open_editor"),
    ("y", "Copy the file path (path:line in JSON Lines and CSV)", "copy_path"),
    ("escape", "Back one level", "back"),
    ("/", "Go to the query bar", "focus_query"),
]


def request_limit(request: Request, height: int) -> int:
    """A first page fills a tall terminal (cards are 4-6 lines); later pages are PAGE long."""
    return max(PAGE, height // 4) if request.offset == 0 else PAGE


@dataclass(frozen=True)
class Request:
    """Everything one search needs; ``generation`` orders them."""

    query: str = ""
    filters: Filters = NO_FILTERS
    sort: Sort = "relevance"
    offset: int = 0
    generation: int = 0

    def filter_line(self) -> str:
        """Active filters as one readable line."""
        filters = self.filters
        parts = [f"{field}:{name}" for field, name in filters.entities()]
        parts += [f"since {filters.since}"] if filters.since is not None else []
        parts += [f"until {filters.until}"] if filters.until is not None else []
        return "  ".join(parts)


def why_empty(request: Request, results: SearchResults) -> str:
    """One line saying why nothing matched: the library's notes, its suggestion, the filters."""
    why = list(results.notes)
    if results.suggestion:
        why.append(f"did you mean: {results.suggestion}")
    if not why and not request.filters.is_empty:
        why.append(f"nothing matches with {request.filter_line()} (x clears the filters)")
    if not why:
        why.append(f"no article matches {request.query.strip()!r}")
    return "; ".join(why)


class SearchScreen(Screen[None]):
    """Query bar, filters, timeline, results, preview and a status line."""

    BINDINGS = [
        Binding("escape", "back", "Back", show=False),
        Binding("slash", "focus_query", "Query", show=False),
        Binding("v", "cycle_view", "View", show=False),
        Binding("p", "toggle_preview", "Preview", show=False),
        Binding("f", "toggle_filters", "Filters", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("x", "clear_filters", "Clear filters", show=False),
        Binding("o", "open_pager", "Pager", show=False),
        Binding("e", "open_editor", "Editor", show=False),
        Binding("y", "copy_path", "Copy path", show=False),
        Binding("n", "jump(1)", "Next match", show=False),
        Binding("N", "jump(-1)", "Previous match", show=False),
        Binding("question_mark", "app.help", "Help", show=False),
        Binding("colon", "app.command_palette", "Commands", show=False),
    ]

    def __init__(self, index: Index, query: str = "", *, timings: bool = True) -> None:
        super().__init__()
        self.index = index
        self.timings = timings
        self.request = Request(query=query)
        self.results: SearchResults | None = None
        self.index_lock = threading.Lock()  # one Whoosh searcher: one thread at a time
        self._initial = query
        self._pause_timer: Timer | None = None  # pending while results are fresh from typing
        self._last_search = 0.0
        self.view = "right"  # the preview: right, below or full (screen)
        self._view_before: str | None = None  # what Esc goes back to from full screen
        self._keep_id: str | None = None  # after Enter: keep this hit highlighted
        self._details: tuple[int, set[str]] | None = None  # (generation, details not yet shown)
        self.narrow = False

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
        self.search(replace(self.request, filters=message.filters, sort=message.sort, offset=0))

    def on_load_more(self, message: LoadMore) -> None:
        if self.results is not None:
            self.search(replace(self.request, offset=self.results.offset + len(self.results.hits)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Fresh results load their preview when typing pauses (at once when full screen): not
        # while a search is on its way either (its highlight message may come in before it).
        typing = self._pause_timer is not None or time.monotonic() - self._last_search < FACETS_AFTER_SECONDS
        if not typing or self.view == "full":
            self.preview_current()

    def preview_current(self) -> bool:
        """Load the highlighted hit into the preview pane, if it is shown (say whether)."""
        hit = self.query_one(ResultsList).current
        if hit is None or not self.query_one(Preview).display:
            return False
        self.load_preview(hit.id, self.request.query, self.request.generation)
        return True

    # ---- searching in a worker --------------------------------------------------------------

    def search(self, request: Request) -> None:
        """Start a search; a newer one makes older results stale."""
        if self._pause_timer is not None:
            self._pause_timer.stop()
            self._pause_timer = None
        # Facets of an older query hold the index lock: stop them so this search need not wait.
        self.workers.cancel_group(self, "facets")
        self._last_search = time.monotonic()
        self.request = replace(request, generation=self.request.generation + 1)
        if not self.request.query.strip() and self.request.filters.is_empty:
            self.query_one(ResultsList).show((), more=False)
            self.clear_preview("")
            self.set_status(Text("type to search", style="dim"))
            self.query_one(QueryBar).show_note("")
            return
        self.run_search(self.request)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, request: Request) -> None:
        worker = get_current_worker()
        text = request.query if request.query.strip() else "*"  # filters only: browse everything
        try:
            with self.index_lock:  # never held across a UI callback (the UI thread reads too)
                if worker.is_cancelled:
                    return
                results = self.index.search(
                    text,
                    filters=request.filters,
                    limit=request_limit(request, self.app.size.height),
                    offset=request.offset,
                    sort=request.sort,
                    prefix_terms=LIVE_PREFIX_TERMS,
                    should_stop=lambda: worker.is_cancelled,
                )
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self.show_results, request, results)
        except SearchCancelled:
            return  # a newer keystroke made it stale
        except SearchidxError as exc:  # QueryError included: shown at the bar
            self.app.call_from_thread(self.show_error, request, exc)

    def show_results(self, request: Request, results: SearchResults) -> None:
        """Apply results unless a newer search has started; facets follow once typing pauses."""
        if request.generation != self.request.generation:
            return
        if request.offset == 0:
            # Painting an article costs the UI thread 10-40 ms (more on a busy machine):
            # while typing, that would delay the next keystroke's results, so it waits too.
            self._details = (request.generation, {"preview", "facets"})
            self._pause_timer = self.set_timer(FACETS_AFTER_SECONDS, lambda: self.typing_paused(request))
        self.results = results
        more = results.offset + len(results.hits) < results.total
        keep, self._keep_id = self._keep_id, None
        self.query_one(ResultsList).show(results.hits, more=more, append=request.offset > 0, keep=keep)
        bar = self.query_one(QueryBar)
        if results.total == 0:
            why = why_empty(request, results)
            bar.show_note(f"no matches; {why}" if results.notes or results.suggestion else "")
            self.clear_preview(why)
        else:
            bar.show_note("")
        status = Text(f"{results.total} {'match' if results.total == 1 else 'matches'}")
        if self.timings:
            status.append(f" · {results.elapsed_ms:.0f} ms")
        if request.sort != "relevance":
            status.append(f" · {request.sort} first")
        if not request.filters.is_empty:
            status.append("  filters: " + neutralise(request.filter_line()), style="bold")
        self.set_status(status)

    def typing_paused(self, request: Request) -> None:
        """Results stayed current for a moment: fill in preview, facets and timeline.

        The preview goes first: its article loads in a few ms, while facets may count
        thousands of articles under the same lock (measured the other way round, the
        preview's p95 was 640 ms). The app's full garbage collection (tens of ms on the
        UI thread, holding the interpreter) waits until both are painted.
        """
        self._pause_timer = None
        if not self.preview_current():
            self._detail_shown(request.generation, "preview")
        self.run_facets(request)

    def _detail_shown(self, generation: int, kind: str) -> None:
        """Preview or facets of the current results are on screen: once both are, collect garbage."""
        if self._details is None or self._details[0] != generation:
            return
        self._details[1].discard(kind)
        if not self._details[1]:
            self._details = None
            # Up to the app once painted: a good moment to collect garbage.
            self.call_after_refresh(self.post_message, TypingPaused())

    def _pause_check(self) -> None:
        if time.monotonic() - self._last_search > FACETS_AFTER_SECONDS * 3:
            self.post_message(TypingPaused())

    @work(thread=True, exclusive=True, group="facets")
    def run_facets(self, request: Request) -> None:
        worker = get_current_worker()
        text = request.query if request.query.strip() else "*"
        try:
            with self.index_lock:
                if worker.is_cancelled or request.generation != self.request.generation:
                    return
                facets = self.index.facets(
                    text, filters=request.filters, limit=12, should_stop=lambda: worker.is_cancelled
                )
        except SearchCancelled:
            return  # a newer search started
        except SearchidxError:  # the search itself reports errors
            self.app.call_from_thread(self._detail_shown, request.generation, "facets")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_facets, request, facets)

    def show_facets(self, request: Request, facets: Facets) -> None:
        """Refresh the timeline and the filter panel unless a newer search has started."""
        if request.generation == self.request.generation:
            self.query_one(Timeline).show(facets)
            self.query_one(FilterPanel).show(facets)
            self._detail_shown(request.generation, "facets")

    def show_error(self, request: Request, error: SearchidxError) -> None:
        """Show a query error at the bar; keep the previous results."""
        if request.generation == self.request.generation:
            self.query_one(QueryBar).show_error(str(error))

    def set_status(self, text: Text) -> None:
        self.query_one("#status", Static).update(text, layout=False)  # one line, fixed height

    # ---- preview ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="preview")
    def load_preview(self, doc_id: str, query: str, generation: int) -> None:
        """Load the article and build its text here, off the UI thread, which only swaps it in."""
        worker = get_current_worker()
        with self.index_lock:
            if worker.is_cancelled:
                return
            document = self.index.document(doc_id, query)
        built = build(document) if document is not None and not worker.is_cancelled else None
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_preview, document, generation, built)

    def show_preview(self, document: Document | None, generation: int, built: Built | None = None) -> None:
        """Show an article unless it is stale: a newer search started, or another hit is selected now.

        A preview already queued on the UI thread when a newer search (or a move of the
        selection) cancels the worker, or one asked for by Enter before the new results
        came back, would otherwise put an earlier query's article back over "no matches",
        or show a hit the selection has already left.
        """
        if generation != self.request.generation:
            return
        self._detail_shown(generation, "preview")
        hit = self.query_one(ResultsList).current
        if document is not None and (hit is None or hit.id != document.id):
            return  # the selection moved on (its own preview is on the way) or nothing matches
        self.query_one(Preview).show(document, built=built)

    def clear_preview(self, why: str) -> None:
        """Nothing to show: no stale article from an earlier query, and say why."""
        self.workers.cancel_group(self, "preview")
        self.query_one(Preview).show(None, why)

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
        hit = self._current()
        if hit is None:
            return None
        with self.index_lock:
            document = self.index.document(hit.id)
        return hit.path, (f"{document.title}\n\n{document.body}\n" if document else "")

    def action_open_pager(self) -> None:
        found = self._hit_text()
        if found is not None:
            pager = shlex.split(os.environ.get("PAGER") or "less")
            with self.app.suspend():
                subprocess.run(pager, input=found[1], text=True, check=False)

    def action_open_editor(self) -> None:
        hit = self._current()
        if hit is not None:
            editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
            with self.app.suspend():
                subprocess.run(editor_command(editor, hit.path, hit.line), check=False)

    def action_copy_path(self) -> None:
        hit = self._current()
        if hit is not None:
            where = f"{hit.path}:{hit.line}" if hit.line else hit.path  # grep's path:line
            self.app.copy_to_clipboard(where)
            self.notify(f"copied {neutralise(where)}")

    def _current(self) -> Hit | None:
        hit = self.query_one(ResultsList).current
        if hit is None:
            self.app.bell()
        return hit
