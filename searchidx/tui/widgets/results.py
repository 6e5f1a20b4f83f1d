"""The results list: one option per hit, with highlighted title and snippet."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...models import Hit
from ...render import iso_day, neutralise
from ..messages import LoadMore
from ..text import marked

__all__ = ["ResultsList", "hit_text"]

MORE_WHEN_WITHIN = 3


def hit_text(hit: Hit) -> Text:
    """Three lines: title, date · path · top entities, snippet."""
    text = marked(hit.title or "(untitled)", hit.title_spans, base="bold")
    meta = [
        iso_day(hit.date) if hit.date else "undated",
        neutralise(hit.source or hit.path.rsplit("/", 1)[-1]),
    ]
    people = [*hit.entities.get("person", ())[:2], *hit.entities.get("place", ())[:2]]
    if people:
        meta.append(", ".join(neutralise(p) for p in people))
    text.append("\n" + " · ".join(meta), style="dim")
    if hit.snippet:
        text.append("\n")
        text.append_text(marked(hit.snippet, hit.snippet_spans))
    return text


class ResultsList(OptionList):
    """Hits as options; asks for more when the highlight nears the end."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.hits: list[Hit] = []
        self.more = False

    def show(self, hits: tuple[Hit, ...], *, more: bool, append: bool = False) -> None:
        """Replace (or extend) the list; ``more`` says whether further pages exist."""
        start = len(self.hits) if append else 0
        options = [Option(hit_text(h), id=f"{start + i}") for i, h in enumerate(hits)]
        if append:
            self.add_options(options)
        else:
            self.hits = []
            self.set_options(options)  # one relayout: clear_options would lay out the empty list too
        self.hits.extend(hits)
        self.more = more
        if not append and self.hits:
            self.highlighted = 0

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
