"""The ``c`` screen: the other copies of a story folded into one hit, one to open in the preview."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...models import Document, Hit
from ...render import neutralise
from ..text import about, marked

__all__ = ["CopiesScreen", "copy_text"]


def copy_text(document: Document) -> Text:
    """Two lines: the copy's bold title (its matches marked), then dim date · source · id."""
    text = marked(document.title or "(untitled)", document.title_spans, base="bold")
    text.append("\n" + " · ".join(about(document)), style="dim")
    return text


class CopiesScreen(ModalScreen[int | None]):
    """Lists the copies of ``hit``'s story; Enter dismisses with the chosen one's position, Esc with None."""

    BINDINGS = [
        Binding("escape", "dismiss", "Back"),
        Binding("c", "dismiss", "Back", show=False),
    ]

    def __init__(self, hit: Hit, copies: tuple[Document, ...], highlighted: int = 0) -> None:
        super().__init__()
        self.hit = hit
        self.copies = copies
        self._highlighted = highlighted

    def compose(self) -> ComposeResult:
        count = len(self.copies)
        with Vertical(id="copies") as box:
            box.border_title = f"{count} other {'copy' if count == 1 else 'copies'} of"
            yield Static(Text(neutralise(self.hit.title or "(untitled)"), style="bold"), id="copies-of")
            options: list[Option | None] = []
            for i, document in enumerate(self.copies):
                options += [Option(copy_text(document), id=str(i)), None]  # None: a rule
            yield OptionList(*options[:-1], id="copies-list")
            hint = Text.assemble(("⏎", "bold"), " open in the preview  ", ("esc", "bold"), " back")
            yield Static(hint, id="copies-hint")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = min(self._highlighted, len(self.copies) - 1)
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))
