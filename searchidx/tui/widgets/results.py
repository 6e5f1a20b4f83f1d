"""The results list: one compact card per hit, separated by a rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.console import Console
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...models import Hit
from ...render import neutralise
from ..messages import LoadMore
from ..text import about, marked

__all__ = ["ResultsList", "hit_text", "top_entities"]

MORE_WHEN_WITHIN = 3
SNIPPET_LINES = 3
_CONSOLE = Console(width=200, no_color=True)  # only measures when snippets are cut to lines


def top_entities(entities: Mapping[str, tuple[str, ...]], count: int = 3) -> list[str]:
    """The most mentioned person, place and organisation first, then the next of each."""
    lists = [entities.get(label, ()) for label in ("person", "place", "org")]
    out: list[str] = []
    for rank in range(max((len(names) for names in lists), default=0)):
        out += [names[rank] for names in lists if rank < len(names) and names[rank] not in out]
    return out[:count]


def hit_text(hit: Hit, width: int = 0) -> Text:
    """A card: bold title; dim date · source · id (· copies); top three entities; the snippet in 3 lines.

    ``width`` (the list's content width) cuts the snippet to :data:`SNIPPET_LINES` lines.
    """
    text = marked(hit.title or "(untitled)", hit.title_spans, base="bold")
    meta = about(hit)
    if hit.copies:
        meta.append(f"+{len(hit.copies)} {'copy' if len(hit.copies) == 1 else 'copies'}")
    text.append("\n" + " · ".join(meta), style="dim")
    names = top_entities(hit.entities)
    if names:
        text.append("\n" + " · ".join(neutralise(n) for n in names), style="italic")
    if hit.snippet:
        snippet = marked(hit.snippet, hit.snippet_spans)
        if width > 8:
            lines = snippet.wrap(_CONSOLE, width)
            if len(lines) > SNIPPET_LINES:
                last = lines[SNIPPET_LINES - 1]
                last.rstrip()
                last.truncate(width - 1)
                last.append("…")
                snippet = Text("\n").join(lines[:SNIPPET_LINES])
        text.append("\n")
        text.append_text(snippet)
    return text


class ResultsList(OptionList):
    """Hits as options; asks for more when the highlight nears the end or the list is short."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.hits: list[Hit] = []
        self.more = False
        self._width = 0  # the width the cards were cut for

    def show(
        self, hits: tuple[Hit, ...], *, more: bool, append: bool = False, keep: str | None = None
    ) -> None:
        """Replace (or extend) the list; ``more`` says whether further pages exist.

        ``keep``: the id to keep highlighted if it is among the new hits (else the first).
        """
        start = len(self.hits) if append else 0
        options = self._cards(hits, start)
        if append:
            self.add_options(options)
        else:
            self.hits = []
            self.set_options(options)  # one relayout: clear_options would lay out the empty list too
        self.hits.extend(hits)
        self.more = more
        if not append and self.hits:
            ids = [h.id for h in self.hits]
            self.highlighted = ids.index(keep) if keep in ids else 0
        if more:
            self.call_after_refresh(self._fill_height)

    def _cards(self, hits: Iterable[Hit], start: int) -> list[Option | None]:
        self._width = self.scrollable_content_region.width
        width = self._width - 2  # options have 1 column of padding each side
        options: list[Option | None] = []
        for i, hit in enumerate(hits):
            options += [Option(hit_text(hit, width), id=f"{start + i}"), None]  # None: a rule
        return options

    def on_resize(self) -> None:
        """Cut the snippets again for the new width (the preview moved, the terminal resized)."""
        if self.hits and self.scrollable_content_region.width != self._width:
            highlighted = self.highlighted
            self.set_options(self._cards(self.hits, 0))
            self.set_reactive(OptionList.highlighted, highlighted)  # the same hit: no new preview
            self.scroll_to_highlight()

    def _fill_height(self) -> None:
        """A tall terminal: load the next page while the list does not fill the pane."""
        if self.more and self.max_scroll_y == 0 and self.hits:
            self.more = False
            self.post_message(LoadMore())

    @property
    def current(self) -> Hit | None:
        """The highlighted hit, if any."""
        index = self.highlighted
        return self.hits[index] if index is not None and 0 <= index < len(self.hits) else None

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if self.more and highlighted is not None and highlighted >= len(self.hits) - MORE_WHEN_WITHIN:
            self.more = False  # one request at a time
            self.post_message(LoadMore())
