"""Live search: what the search screen asks of the library, run in thread workers.

Searches, facets and previews each run in an exclusive thread worker, one at a time
under the screen's index lock. Their answers come back to the UI thread, which drops
any a newer search (or a move of the selection) has made stale. While the user types
only results are refreshed; preview, facets and timeline wait until typing pauses
(FACETS_AFTER_SECONDS from the last search's start), then come in one worker and one frame.
The layout, keys and actions are the search screen's (:mod:`.search`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from rich.text import Text
from textual import work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from ...errors import SearchCancelled, SearchidxError
from ...filters import NO_FILTERS, Filters, Sort
from ...index import Index
from ...models import Document, Facets, Hit, SearchResults
from ...render import matches_text, neutralise
from ..messages import CopiesLoaded, TypingPaused
from ..widgets import FilterPanel, Preview, QueryBar, ResultsList, Timeline
from ..widgets.preview import Built, build

__all__ = [
    "FACETS_AFTER_SECONDS",
    "PAGE",
    "PAUSE_CHECK_SECONDS",
    "LiveSearchScreen",
    "Request",
    "request_limit",
    "why_empty",
]

PAGE = 10  # about a screenful; more load as you scroll
# Preview, facets and timeline wait until typing pauses. Not less: keys typed 190-250 ms apart
# (the bench's pace) would then paint a preview between keystrokes (p95 76 -> 92-100 ms at 0.15 s).
FACETS_AFTER_SECONDS = 0.3
PAUSE_CHECK_SECONDS = 30.0  # while browsing without typing, still report a pause now and then
LIVE_PREFIX_TERMS = 4  # completions of the word being typed: the most frequent few keep it fast


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


class LiveSearchScreen(Screen[None]):
    """The search screen's requests to the library and the drawing of their answers.

    Needs the search screen's widgets (results, preview, query bar, filter panel,
    timeline and a ``#status`` line); :class:`~.search.SearchScreen` composes them.
    """

    def __init__(self, index: Index, query: str = "", *, timings: bool = True) -> None:
        super().__init__()
        self.index = index
        self.timings = timings
        self.request = Request(query=query)
        self.results: SearchResults | None = None
        self.index_lock = threading.Lock()  # one Whoosh searcher: one thread at a time
        self._pause_timer: Timer | None = None  # pending while results are fresh from typing
        self._last_search = 0.0
        self._keep_id: str | None = None  # after Enter: keep this hit highlighted
        self._details: tuple[int, set[str]] | None = None  # (generation, details not yet shown)
        # A copy of the highlighted story, opened from its list, holds the preview until unpinned.
        self.pinned: Document | None = None

    @property
    def typing(self) -> bool:
        """Results are fresh from typing (or a search is on its way): details wait."""
        return self._pause_timer is not None or time.monotonic() - self._last_search < FACETS_AFTER_SECONDS

    def preview_current(self) -> bool:
        """Load the highlighted hit into the preview pane, if it is shown (say whether)."""
        hit = self.query_one(ResultsList).current
        if hit is None or self.pinned is not None or not self.query_one(Preview).display:
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
        if request.offset == 0:
            self.unpin(reload=False)  # the new results' preview follows (a next page keeps the copy)
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
            # The pause runs from the keystroke's search, not from its results: 0.3 s after typing stops.
            self._details = (request.generation, {"preview", "facets"})
            wait = max(0.001, FACETS_AFTER_SECONDS - (time.monotonic() - self._last_search))
            self._pause_timer = self.set_timer(wait, lambda: self.typing_paused(request))
        self.results = results
        listed = self.query_one(ResultsList)
        # The total counts articles, a page stories: each hit stands for itself and its copies.
        earlier = listed.hits if request.offset > 0 else []
        more = sum(1 + len(hit.copies) for hit in (*earlier, *results.hits)) < results.total
        keep, self._keep_id = self._keep_id, None
        listed.show(results.hits, more=more, append=request.offset > 0, keep=keep)
        bar = self.query_one(QueryBar)
        if results.total == 0:
            why = why_empty(request, results)
            bar.show_note(f"no matches; {why}" if results.notes or results.suggestion else "")
            self.clear_preview(why)
        else:
            bar.show_note("")
        status = Text(matches_text(results))
        if self.timings:
            status.append(f" · {results.elapsed_ms:.0f} ms")
        if request.sort != "relevance":
            status.append(f" · {request.sort} first")
        if not request.filters.is_empty:
            status.append("  filters: " + neutralise(request.filter_line()), style="bold")
        self.set_status(status)

    def typing_paused(self, request: Request) -> None:
        """Results stayed current for a moment: fill in preview, facets and timeline.

        One worker loads the highlighted article and then counts the facets, and the UI
        thread puts both on screen in one frame: apart, each paid for its own layout and
        paint (40-50 ms each), and the facets, counted second, waited for both. The app's
        full garbage collection (tens of ms on the UI thread, holding the interpreter)
        waits until they are painted.
        """
        self._pause_timer = None
        hit = self.query_one(ResultsList).current
        shown = hit is not None and self.pinned is None and self.query_one(Preview).display
        if not shown:
            self._detail_shown(request.generation, "preview")
        self.run_details(request, hit.id if shown and hit is not None else None)

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
    def run_details(self, request: Request, doc_id: str | None) -> None:
        """The article ``doc_id`` (if any, built for the preview) and the facets, shown together."""
        worker = get_current_worker()
        text = request.query if request.query.strip() else "*"
        document: Document | None = None
        built: Built | None = None
        facets: Facets | None = None
        try:
            if doc_id is not None:
                with self.index_lock:
                    if worker.is_cancelled or request.generation != self.request.generation:
                        return
                    document = self.index.document(doc_id, request.query)
                if document is not None:
                    built = build(document)  # out of the lock: a search need not wait for it
            with self.index_lock:
                if worker.is_cancelled or request.generation != self.request.generation:
                    return
                facets = self.index.facets(
                    text, filters=request.filters, limit=12, should_stop=lambda: worker.is_cancelled
                )
        except SearchCancelled:
            return  # a newer search started
        except SearchidxError:  # the search itself reports errors; the preview still shows
            pass
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_details, request, doc_id, document, built, facets)

    def show_details(
        self,
        request: Request,
        doc_id: str | None,
        document: Document | None,
        built: Built | None,
        facets: Facets | None,
    ) -> None:
        """Preview, facets and timeline of the current results, painted in one frame."""
        if request.generation != self.request.generation or not self.app.is_running:
            return  # stale, or the app is closing (its widgets are going)
        with self.app.batch_update():
            if facets is not None:
                self.show_facets(request, facets)
            else:
                self._detail_shown(request.generation, "facets")
            if doc_id is not None:
                self.show_preview(document, request.generation, built)

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
        if self.pinned is not None:
            return  # a copy is open in its place (the hit's own article comes back when unpinned)
        self.query_one(Preview).show(document, built=built)

    def clear_preview(self, why: str) -> None:
        """Nothing to show: no stale article from an earlier query, and say why."""
        self.workers.cancel_group(self, "preview")
        self.query_one(Preview).show(None, why)

    def pin(self, document: Document, title: str) -> None:
        """Show ``document`` (a copy of the highlighted story) in the preview until :meth:`unpin`."""
        self.pinned = document
        preview = self.query_one(Preview)
        preview.border_title = title
        preview.show(document)

    def unpin(self, *, reload: bool = True) -> None:
        """Give the preview back to the highlighted hit (``reload`` it now), if a copy held it."""
        if self.pinned is None:
            return
        self.pinned = None
        self.query_one(Preview).border_title = "preview"
        if reload:
            self.preview_current()

    # ---- copies of a story ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="copies")
    def load_copies(self, hit: Hit, query: str, generation: int) -> None:
        """Load the copies folded into ``hit`` (with ``query``'s matches) for their list."""
        worker = get_current_worker()
        found: list[Document] = []
        for doc_id in hit.copies:
            with self.index_lock:  # one article at a time: a search need not wait for all
                if worker.is_cancelled:
                    return
                document = self.index.document(doc_id, query)
            if document is not None:  # gone since the search (the index was updated)
                found.append(document)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._copies_loaded, hit, tuple(found), generation)

    def _copies_loaded(self, hit: Hit, copies: tuple[Document, ...], generation: int) -> None:
        current = self.query_one(ResultsList).current
        if generation == self.request.generation and current is not None and current.id == hit.id:
            self.post_message(CopiesLoaded(hit, copies))
