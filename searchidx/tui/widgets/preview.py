"""The preview pane: the whole article, every match highlighted, n/N to jump between them."""

from __future__ import annotations

import re

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...models import Document, Span
from ...render import iso_day, neutralise, pieces
from ..text import MATCH_STYLE, marked

__all__ = ["Preview"]

CURRENT_STYLE = "bold white on red"
_PARAGRAPH_RE = re.compile(r"\S(?:.|\n(?!\s*\n))*", re.S)


class Preview(VerticalScroll):
    """Shows one :class:`Document`; paragraphs are widgets so a match can be scrolled to."""

    BINDINGS = [
        Binding("n", "jump(1)", "Next match"),
        Binding("N", "jump(-1)", "Previous match"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.document: Document | None = None
        self.current = -1
        self._paragraphs: list[tuple[int, int]] = []

    def show(self, document: Document | None) -> None:
        """Display ``document`` (or clear the pane)."""
        self.document = document
        self.current = -1
        self.remove_children()
        if document is None:
            return
        header = marked(document.title, document.title_spans, base="bold")
        meta = [iso_day(document.date) if document.date else "undated", neutralise(document.id)]
        header.append("\n" + " · ".join(meta), style="dim")
        for label, names in document.entities.items():
            if names:
                header.append(f"\n{label}: " + ", ".join(neutralise(n) for n in names[:8]), style="italic")
        widgets = [Static(header, classes="preview-header")]
        self._paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH_RE.finditer(document.body)]
        widgets += [Static(self._paragraph(i), classes="paragraph") for i in range(len(self._paragraphs))]
        self.mount_all(widgets)
        self.scroll_home(animate=False)

    def _paragraph(self, index: int) -> Text:
        assert self.document is not None
        start, end = self._paragraphs[index]
        body = self.document.body
        spans = [s for s in self.document.body_spans if s.start >= start and s.end <= end]
        current = self.document.body_spans[self.current] if self.current >= 0 else None
        text = Text()
        for piece, span in pieces(body, spans, start, end, multiline=True):
            text.append(piece, None if span is None else CURRENT_STYLE if span == current else MATCH_STYLE)
        return text

    def _paragraph_of(self, span: Span) -> int:
        return next((i for i, (s, e) in enumerate(self._paragraphs) if s <= span.start < e), 0)

    def action_jump(self, step: int) -> None:
        """Move to the next (1) or previous (-1) match, wrapping around."""
        if self.document is None or not self.document.body_spans:
            self.app.bell()
            return
        previous = self.current
        self.current = (self.current + step) % len(self.document.body_spans)
        paragraphs = self.query(".paragraph")
        touched = {self._paragraph_of(self.document.body_spans[self.current])}
        if previous >= 0:
            touched.add(self._paragraph_of(self.document.body_spans[previous]))
        for index in touched:
            paragraphs[index].update(self._paragraph(index))  # type: ignore[attr-defined]
        self.scroll_to_widget(paragraphs[self._paragraph_of(self.document.body_spans[self.current])])
