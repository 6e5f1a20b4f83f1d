"""The preview pane: the whole article reflowed, every match highlighted, n/N to jump between them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...models import Document, Span
from ...render import neutralise, pieces
from ..text import MATCH_STYLE, about, marked

__all__ = ["Built", "Preview", "build", "paragraph_text"]

CURRENT_STYLE = "bold white on red"
SPARE_PARAGRAPHS = 100  # hidden paragraph widgets kept for the next article
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


@dataclass(frozen=True)
class Built:
    """An article made ready to show: what :func:`build` returns, off the UI thread."""

    document: Document
    header: Text
    paragraphs: tuple[tuple[int, int], ...]  # (start, end) in the body
    texts: tuple[Text, ...]  # each paragraph reflowed, matches highlighted


def build(document: Document) -> Built:
    """Reflow ``document`` and style its matches (pure Rich ``Text``: safe in a thread worker)."""
    header = marked(document.title, document.title_spans, base="bold")
    header.append("\n" + " · ".join(about(document)), style="dim")
    if document.url:
        header.append("\n" + neutralise(document.url), style="dim underline")
    for label, names in document.entities.items():
        if names:
            header.append(f"\n{label}: " + ", ".join(neutralise(n) for n in names[:5]), style="italic")
    found = tuple(paragraphs(document.body))
    return Built(
        document, header, found, tuple(paragraph_text(document, found[i], None) for i in range(len(found)))
    )


def paragraph_text(document: Document, bounds: tuple[int, int], current: Span | None) -> Text:
    """One paragraph reflowed, its matches highlighted (``current`` in its own colour)."""
    start, end = bounds
    spans = [s for s in document.body_spans if s.start >= start and s.end <= end]
    text = Text()
    for piece, span in pieces(document.body, spans, start, end, multiline=True):
        style = None if span is None else CURRENT_STYLE if span == current else MATCH_STYLE
        text.append(reflow(piece), style)
    return text


class Preview(VerticalScroll):
    """Shows one :class:`Document`; paragraphs are widgets so a match can be scrolled to.

    A new article updates the widgets already there (the header, one per paragraph),
    hides those it does not need and mounts only what the pool of them lacks.
    """

    BINDINGS = [
        Binding("n", "jump(1)", "Next match"),
        Binding("N", "jump(-1)", "Previous match"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.document: Document | None = None
        self.current = -1
        self._paragraphs: tuple[tuple[int, int], ...] = ()
        self._shown: list[Static] = []  # one per paragraph of the document, in order
        self._spare: list[Static] = []  # hidden (class "spare"), after the shown ones, kept for reuse

    def compose(self) -> ComposeResult:
        yield Static(classes="preview-header")
        yield Static(classes="preview-empty")

    def on_mount(self) -> None:
        self._header.display = False
        self._empty.display = False

    @property
    def _header(self) -> Static:
        return self.query_one(".preview-header", Static)

    @property
    def _empty(self) -> Static:
        return self.query_one(".preview-empty", Static)

    def show(self, document: Document | None, why: str = "", built: Built | None = None) -> None:
        """Display ``document``, or clear the pane (saying ``why``, if given).

        ``built``: the document made ready by :func:`build` in a worker (else built here).
        """
        if document is not None and (built is None or built.document is not document):
            built = build(document)
        self.document = document
        self.current = -1
        header, empty = self._header, self._empty
        if built is None:
            self._paragraphs = ()
            header.display = False
            self._resize_pool(0)
            empty.update(Text(neutralise(why), style="italic") if why else "")
            empty.display = bool(why)
            return
        empty.display = False
        header.update(built.header)
        header.display = True
        self._paragraphs = built.paragraphs
        self._resize_pool(len(built.texts))
        for widget, text in zip(self._shown, built.texts, strict=True):
            widget.update(text)
        self.scroll_home(animate=False)

    def _resize_pool(self, count: int) -> None:
        """Show ``count`` paragraph widgets (updated by the caller).

        The surplus is hidden and kept for a longer article, not removed: widgets mounted
        now are laid out and painted a frame later than the rest of the preview (and the
        facets). Only what the pool lacks is mounted. Spares follow the shown widgets in order.
        """
        if len(self._shown) > count:
            surplus, self._shown = self._shown[count:], self._shown[:count]
            for widget in surplus:
                widget.set_classes("spare")
            self._spare[:0] = surplus
            if len(self._spare) > SPARE_PARAGRAPHS:  # a very long article's are not all kept
                self.remove_children(self._spare[SPARE_PARAGRAPHS:])
                del self._spare[SPARE_PARAGRAPHS:]
        elif len(self._shown) < count:
            missing = count - len(self._shown)
            reused, self._spare = self._spare[:missing], self._spare[missing:]
            for widget in reused:
                widget.set_classes("paragraph")
            extra = [Static(classes="paragraph") for _ in range(missing - len(reused))]
            self._shown += reused + extra
            if extra:
                self.mount_all(extra)

    def _paragraph(self, index: int) -> Text:
        assert self.document is not None
        current = self.document.body_spans[self.current] if self.current >= 0 else None
        return paragraph_text(self.document, self._paragraphs[index], current)

    def _paragraph_of(self, span: Span) -> int:
        return next((i for i, (s, e) in enumerate(self._paragraphs) if s <= span.start < e), 0)

    def action_jump(self, step: int) -> None:
        """Move to the next (1) or previous (-1) match, wrapping around."""
        if self.document is None or not self.document.body_spans:
            self.app.bell()
            return
        previous = self.current
        self.current = (self.current + step) % len(self.document.body_spans)
        touched = {self._paragraph_of(self.document.body_spans[self.current])}
        if previous >= 0:
            touched.add(self._paragraph_of(self.document.body_spans[previous]))
        for index in touched:
            self._shown[index].update(self._paragraph(index))
        self.scroll_to_widget(self._shown[self._paragraph_of(self.document.body_spans[self.current])])
