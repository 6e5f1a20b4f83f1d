"""Copies of a story in the TUI (issue 13): ``c`` lists the copies folded into a hit, one opens."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from searchidx import Index
from searchidx.tui import create_app
from searchidx.tui.screens.copies import CopiesScreen
from searchidx.tui.screens.help import KEYS
from searchidx.tui.screens.search import SearchScreen
from searchidx.tui.widgets import Preview, ResultsList
from tests.test_tui import SIZE, settle, until

pytestmark = pytest.mark.usefixtures("quick_idle", "quick_pause")

LEAD = (
    "OPEC believes world oil prices should be set around a fixed average price of 18 dlrs a barrel, "
    "an OAPEC official said today in Luxembourg."
)
REST = " ".join(f"Producers cut output in quarter {i} to defend the price of crude oil." for i in range(12))


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[Index]:
    """Two copies of one story (the second a correction) and a story of its own."""
    lines = [
        {"id": "full", "title": "Opec wants 18 dlr oil price", "text": f"{LEAD} {REST}"},
        {
            "id": "fixed",
            "title": "(Corrected) Opec wants 18 dlr oil price",
            "text": LEAD.replace("today", "on Tuesday") + " " + REST,
            "source": "Reuters",
        },
        {
            "id": "other",
            "title": "Opec output firm",
            "text": "Opec output was firm in quiet trade, dealers said.",
        },
    ]
    dates = ["1987-03-17T10:00:00Z", "1987-03-17T14:00:00Z", "1987-03-18T09:00:00Z"]
    src = tmp_path / "wire.jsonl"
    src.write_text("\n".join(json.dumps({**line, "date": d}) for line, d in zip(lines, dates, strict=True)))
    with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
        yield index


def _story(app: object) -> tuple[SearchScreen, ResultsList, Preview]:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, SearchScreen)
    results, preview = screen.query_one(ResultsList), screen.query_one(Preview)
    hit = next(i for i, h in enumerate(results.hits) if h.copies)  # the folded story
    results.highlighted = hit
    results.focus()
    return screen, results, preview


async def _open_list(pilot: Pilot[None]) -> None:
    app = pilot.app
    await until(pilot, lambda: len(app.screen.query_one(ResultsList).hits) == 2)
    _story(app)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, CopiesScreen))


async def test_c_lists_the_copies_and_enter_opens_one_in_the_preview_esc_goes_back(wire: Index) -> None:
    app = create_app(index=wire, query="opec", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await _open_list(pilot)
        copies = app.screen
        assert isinstance(copies, CopiesScreen)
        screen = app.screen_stack[-2]
        assert isinstance(screen, SearchScreen)
        hit = screen.query_one(ResultsList).current
        assert hit is not None and len(hit.copies) == 1
        [copy_id] = hit.copies
        copy = wire.document(copy_id)
        assert copy is not None
        listing = copies.query_one("#copies-list", OptionList)
        assert listing.option_count == 1
        card = listing.get_option_at_index(0).prompt.plain  # type: ignore[union-attr]
        source = copy.source or "wire.jsonl"
        assert card == f"{copy.title}\n1987-03-17 · {source} · {copy_id}"

        await pilot.press("enter")  # open it in the preview, full screen
        preview = screen.query_one(Preview)
        await until(pilot, lambda: app.screen is screen and preview.document is not None)
        assert preview.document is not None and preview.document.id == copy_id
        assert preview.document.body_spans  # the query's matches are marked in the copy too
        assert screen.view == "full" and preview.border_title == "copy 1 of 1" and preview.has_focus
        await settle(pilot, 0.2)
        assert preview.document.id == copy_id  # the hit's own preview did not come back over it

        await pilot.press("escape")  # back one level: the list, the copy still highlighted
        await until(pilot, lambda: isinstance(app.screen, CopiesScreen))
        assert app.screen.query_one("#copies-list", OptionList).highlighted == 0
        await until(pilot, lambda: preview.document is not None and preview.document.id == hit.id)
        assert screen.view == "right" and screen.pinned is None and preview.border_title == "preview"

        await pilot.press("escape")  # and back to the results
        await pilot.pause()
        assert app.screen is screen and screen.query_one(ResultsList).has_focus
        assert preview.document is not None and preview.document.id == hit.id


async def test_an_open_copy_keeps_the_preview_and_o_e_y_act_on_it(
    wire: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(
        "searchidx.tui.screens.search.subprocess.run", lambda argv, **kw: ran.append(kw.get("input", ""))
    )
    app = create_app(index=wire, query="opec", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await _open_list(pilot)
        screen = app.screen_stack[-2]
        assert isinstance(screen, SearchScreen)
        hit = screen.query_one(ResultsList).current
        assert hit is not None and hit.copies
        await pilot.press("enter")
        preview = screen.query_one(Preview)
        await until(pilot, lambda: preview.document is not None and preview.document.id == hit.copies[0])
        copy = preview.document
        assert copy is not None and screen.pinned is copy
        # The hit's own article, loaded late (a pause timer, a worker queued before), stays out.
        own = wire.document(hit.id, "opec")
        screen.show_preview(own, screen.request.generation)
        assert preview.document is copy
        await pilot.press("y")
        assert app.clipboard == f"{copy.path}:{copy.line}" and copy.line != hit.line
        monkeypatch.setattr(type(app), "suspend", lambda _self: contextlib.nullcontext())
        await pilot.press("o")
        assert ran and ran[-1].startswith(copy.title + "\n")
        await pilot.press("v")  # leaving full screen gives the preview back to the hit
        await until(pilot, lambda: preview.document is not None and preview.document.id == hit.id)
        assert screen.pinned is None and screen.view == "right"


async def test_c_on_a_story_without_copies_says_so(wire: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(SearchScreen, "notify", lambda self, message, **kw: said.append(message))
    app = create_app(index=wire, query="firm", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen.query_one(ResultsList).hits) == 1)
        screen = app.screen
        screen.query_one(ResultsList).focus()
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen and said == ["this story has no other copies"]


async def test_copies_are_in_the_help_and_the_command_palette(wire: Index) -> None:
    assert any(key == "c" and "copies" in what for key, what in KEYS)
    app = create_app(index=wire, query="opec", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen.query_one(ResultsList).hits) == 2)
        _story(app)
        await pilot.press("f2")
        await pilot.press(*"copies")
        await settle(pilot, 0.2)
        options = app.screen.query_one("CommandList")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]  # type: ignore[attr-defined]
        assert any("Copies" in p and "(c)" in p for p in prompts), prompts
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CopiesScreen))
        assert isinstance(app.screen, CopiesScreen)


async def _copies_list(pilot: Pilot[None]) -> None:
    pilot.app.screen.query_one(Input).cursor_blink = False
    await _open_list(pilot)
    await settle(pilot, 0.2)


def test_snapshot_copies(snap_compare, wire: Index) -> None:  # type: ignore[no-untyped-def]
    app = create_app(index=wire, query="opec", timings=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_copies_list)


async def test_a_folded_list_asks_for_no_page_past_its_last_story(wire: Index) -> None:
    """Three articles, two stories: the total (2) is the whole list, not a page of it."""
    app = create_app(index=wire, query="opec", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen.query_one(ResultsList).hits) == 2)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results = screen.query_one(ResultsList)
        assert screen.results is not None and screen.results.total == 2 and not results.more
        generation = screen.request.generation
        results.focus()
        await pilot.press("end")
        await settle(pilot)
        assert screen.request.generation == generation  # no search for a page that cannot exist
