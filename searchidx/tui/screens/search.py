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
from textual.widgets import Footer, OptionList, Static
from textual.worker import get_current_worker

from ...errors import SearchCancelled, SearchidxError
from ...index import Index, Sort
from ...models import Document, Facets, SearchResults
from ...render import neutralise
from ..messages import FiltersChanged, LoadMore, QuerySubmitted, TypingPaused
from ..widgets import FilterPanel, Preview, QueryBar, ResultsList, Timeline

__all__ = ["Request", "SearchScreen"]

PAGE = 10  # about a screenful; more load as you scroll
FACETS_AFTER_SECONDS = 0.3  # facets, timeline and preview wait until typing pauses
PAUSE_CHECK_SECONDS = 30.0  # while browsing without typing, still report a pause now and then
LIVE_PREFIX_TERMS = 4  # completions of the word being typed: the most frequent few keep it fast
SORT_CYCLE = {"relevance": "newest", "newest": "oldest", "oldest": "relevance"}


@dataclass(frozen=True)
class Request:
    """Everything one search needs; ``generation`` orders them."""

    query: str = ""
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    sort: str = "relevance"
    offset: int = 0
    generation: int = 0

    def filters(self) -> str:
        """Active filters as one readable line."""
        parts = [
            f"{k}:{v}"
            for k, names in (("person", self.people), ("place", self.places), ("org", self.orgs))
            for v in names
        ]
        parts += [f"since {self.since}"] if self.since else []
        parts += [f"until {self.until}"] if self.until else []
        return "  ".join(parts)


class SearchScreen(Screen[None]):
    """Query bar, filters, timeline, results, preview and a status line."""

    BINDINGS = [
        Binding("escape", "focus_query", "Query", show=False),
        Binding("p", "toggle_preview", "Preview"),
        Binding("f", "toggle_filters", "Filters"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("x", "clear_filters", "Clear filters"),
        Binding("o", "open_pager", "Pager"),
        Binding("e", "open_editor", "Editor"),
        Binding("y", "copy_path", "Copy path"),
        Binding("n", "jump(1)", "Next match", show=False),
        Binding("N", "jump(-1)", "Previous match", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    NARROW = 110  # columns below which the filter panel starts hidden

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

    def compose(self) -> ComposeResult:
        yield QueryBar(self._initial, id="query-bar")
        with Horizontal(id="main"):
            yield FilterPanel(id="filters")
            with Vertical(id="centre"):
                yield Timeline(id="timeline")
                yield ResultsList(id="results")
                yield Static(id="status")
            yield Preview(id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(PAUSE_CHECK_SECONDS, self._pause_check)
        self.query_one(FilterPanel).display = self.app.size.width >= self.NARROW
        self.query_one(QueryBar).input.focus()
        if self._initial.strip():
            self.search(self.request)
        else:
            self.set_status(
                Text(f"{self.index.stats().documents} articles indexed: type to search", style="dim")
            )

    # ---- messages up from the widgets ------------------------------------------------------

    def on_query_submitted(self, message: QuerySubmitted) -> None:
        self.search(replace(self.request, query=message.query, offset=0))

    def on_filters_changed(self, message: FiltersChanged) -> None:
        self.search(
            replace(
                self.request,
                people=message.people,
                places=message.places,
                orgs=message.orgs,
                since=message.since,
                until=message.until,
                sort=message.sort,
                offset=0,
            )
        )

    def on_load_more(self, message: LoadMore) -> None:
        if self.results is not None:
            self.search(replace(self.request, offset=self.results.offset + len(self.results.hits)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self._pause_timer is None:  # fresh results load their preview when typing pauses
            self.preview_current()

    def preview_current(self) -> None:
        """Load the highlighted hit into the preview pane, if it is shown."""
        hit = self.query_one(ResultsList).current
        if hit is not None and self.query_one(Preview).display:
            self.load_preview(hit.id, self.request.query)

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
        if not (self.request.query.strip() or self.request.filters()):
            self.query_one(ResultsList).show((), more=False)
            self.set_status(Text("type to search", style="dim"))
            self.query_one(QueryBar).show_note("")
            return
        self.run_search(self.request)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, request: Request) -> None:
        worker = get_current_worker()
        text = request.query if request.query.strip() else "*"  # filters only: browse everything
        sort: Sort = "relevance"
        if request.sort in ("newest", "oldest"):
            sort = "newest" if request.sort == "newest" else "oldest"
        since, until = request.since or None, request.until or None
        people, places, orgs = request.people, request.places, request.orgs
        try:
            with self.index_lock:  # never held across a UI callback (the UI thread reads too)
                if worker.is_cancelled:
                    return
                results = self.index.search(
                    text,
                    limit=PAGE,
                    offset=request.offset,
                    sort=sort,
                    since=since,
                    until=until,
                    people=people,
                    places=places,
                    orgs=orgs,
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
            # Mounting a long article in the preview costs the UI thread 100-400 ms: while
            # typing, that would delay the next keystroke's results, so it waits too.
            self._pause_timer = self.set_timer(FACETS_AFTER_SECONDS, lambda: self.typing_paused(request))
        self.results = results
        more = results.offset + len(results.hits) < results.total
        self.query_one(ResultsList).show(results.hits, more=more, append=request.offset > 0)
        bar = self.query_one(QueryBar)
        if results.total == 0 and (results.notes or results.suggestion):
            why = [*results.notes, *([f"did you mean: {results.suggestion}"] if results.suggestion else [])]
            bar.show_note("; ".join(["no matches", *why]))
        else:
            bar.show_note("")
        status = Text(f"{results.total} {'match' if results.total == 1 else 'matches'}")
        if self.timings:
            status.append(f" · {results.elapsed_ms:.0f} ms")
        if request.sort != "relevance":
            status.append(f" · {request.sort} first")
        if request.filters():
            status.append("  filters: " + neutralise(request.filters()), style="bold")
        self.set_status(status)

    def typing_paused(self, request: Request) -> None:
        """Results stayed current for a moment: fill in facets, timeline and preview."""
        self._pause_timer = None
        self.run_facets(request)
        self.preview_current()
        self.post_message(TypingPaused())  # up to the app: a good moment to collect garbage

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
                    text,
                    limit=12,
                    since=request.since or None,
                    until=request.until or None,
                    people=request.people,
                    places=request.places,
                    orgs=request.orgs,
                    should_stop=lambda: worker.is_cancelled,
                )
        except SearchidxError:  # SearchCancelled included: a newer search started
            return  # the search itself reports errors
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_facets, request, facets)

    def show_facets(self, request: Request, facets: Facets) -> None:
        """Refresh the timeline and the filter panel unless a newer search has started."""
        if request.generation == self.request.generation:
            self.query_one(Timeline).show(facets)
            self.query_one(FilterPanel).show(facets)

    def show_error(self, request: Request, error: SearchidxError) -> None:
        """Show a query error at the bar; keep the previous results."""
        if request.generation == self.request.generation:
            self.query_one(QueryBar).show_error(str(error))

    def set_status(self, text: Text) -> None:
        self.query_one("#status", Static).update(text, layout=False)  # one line, fixed height

    # ---- preview ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="preview")
    def load_preview(self, doc_id: str, query: str) -> None:
        worker = get_current_worker()
        with self.index_lock:
            if worker.is_cancelled:
                return
            document = self.index.document(doc_id, query)
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_preview, document)

    def show_preview(self, document: Document | None) -> None:
        self.query_one(Preview).show(document)

    # ---- actions ----------------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one(QueryBar).input.focus()

    def action_toggle_preview(self) -> None:
        preview = self.query_one(Preview)
        preview.display = not preview.display
        hit = self.query_one(ResultsList).current
        if preview.display and hit is not None:
            self.load_preview(hit.id, self.request.query)

    def action_toggle_filters(self) -> None:
        panel = self.query_one(FilterPanel)
        panel.display = not panel.display
        if panel.display:
            panel.focus()

    def action_jump(self, step: int) -> None:
        self.query_one(Preview).action_jump(step)

    def action_cycle_sort(self) -> None:
        self.query_one(FilterPanel).set_sort(SORT_CYCLE[self.request.sort])

    def action_clear_filters(self) -> None:
        panel = self.query_one(FilterPanel)
        for kind in ("person", "place", "org"):
            panel.query_one(f"#facet-{kind}").deselect_all()  # type: ignore[attr-defined]
        self.search(replace(self.request, people=(), places=(), orgs=(), offset=0))

    def _hit_text(self) -> tuple[str, str] | None:
        hit = self.query_one(ResultsList).current
        if hit is None:
            self.app.bell()
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
        found = self._hit_text()
        if found is not None:
            editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
            with self.app.suspend():
                subprocess.run([*editor, found[0]], check=False)

    def action_copy_path(self) -> None:
        found = self._hit_text()
        if found is not None:
            self.app.copy_to_clipboard(found[0])
            self.notify(f"copied {neutralise(found[0])}")
