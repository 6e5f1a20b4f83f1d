"""The preview pane: the whole article reflowed, every match highlighted, n/N to jump between them."""

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
_LINE_RE = re.compile(r"[^\n]*\n?")
_LINE_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")


def paragraphs(body: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph: a blank line or an indented line starts one.

    Within a paragraph, line breaks are hard wrapping (joined when shown); wire copy
    such as Reuters marks paragraphs by indenting their first line.
    """
    found: list[tuple[int, int]] = []
    start = end = -1
    for match in _LINE_RE.finditer(body):
        line = match.group()
        if not line:
            break
        text = line.strip()
        if not text or line[0] in " \t":
            if start >= 0:
                found.append((start, end))
            start = end = -1
        if text:
            if start < 0:
                start = match.start() + len(line) - len(line.lstrip())
            end = match.start() + len(line.rstrip())
    if start >= 0:
        found.append((start, end))
    return found


def reflow(piece: str) -> str:
    """Join hard-wrapped lines: each line break (and the spaces around it) becomes one space."""
    return _LINE_BREAK_RE.sub(" ", piece)


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

    def show(self, document: Document | None, why: str = "") -> None:
        """Display ``document``, or clear the pane (saying ``why``, if given)."""
        self.document = document
        self.current = -1
        self.remove_children()
        if document is None:
            self._paragraphs = []
            if why:
                self.mount(Static(Text(neutralise(why), style="italic"), classes="preview-empty"))
            return
        header = marked(document.title, document.title_spans, base="bold")
        file = document.path.rsplit("/", 1)[-1]
        meta = [iso_day(document.date) if document.date else "undated", neutralise(document.source or file)]
        if document.id not in meta:
            meta.append(neutralise(document.id))
        header.append("\n" + " · ".join(meta), style="dim")
        if document.url:
            header.append("\n" + neutralise(document.url), style="dim underline")
        for label, names in document.entities.items():
            if names:
                header.append(f"\n{label}: " + ", ".join(neutralise(n) for n in names[:5]), style="italic")
        widgets = [Static(header, classes="preview-header")]
        self._paragraphs = paragraphs(document.body)
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
            style = None if span is None else CURRENT_STYLE if span == current else MATCH_STYLE
            text.append(reflow(piece), style)
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
