"""The terminal UI, driven headless with App.run_test (plus a few snapshots)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, SelectionList, Static
from textual.worker import WorkerCancelled

from searchidx import Index
from searchidx.filters import NO_FILTERS
from searchidx.models import Facets
from searchidx.tui import SearchApp, create_app
from searchidx.tui.editor import editor_command
from searchidx.tui.screens import live_search
from searchidx.tui.screens.search import FACETS_AFTER_SECONDS, PAGE, SearchScreen
from searchidx.tui.text import MATCH_STYLE, live_query
from searchidx.tui.widgets import FilterPanel, KeyHints, Preview, QueryBar, ResultsList
from searchidx.tui.widgets.preview import build, paragraphs, reflow
from searchidx.tui.widgets.results import hit_text, top_entities
from searchidx.tui.widgets.timeline import month_series

pytestmark = pytest.mark.usefixtures("quick_idle", "quick_pause")

SIZE = (120, 36)


async def settle(pilot: Pilot[None], pause: float = 0.0) -> None:
    """Wait until the app is idle: no search or detail worker running, no debounce or pause pending.

    The app's own timers decide how long that takes (the query bar's debounce, the pause
    after which preview and facets follow), not a fixed sleep; ``pause`` waits that long first.
    """
    if pause:
        await pilot.pause(pause)
    deadline = time.monotonic() + 20.0  # a loaded machine runs the workers late
    while True:
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # superseded by a newer search: the point
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not busy(pilot.app):
            return
        assert time.monotonic() < deadline, "the app never went idle"
        await pilot.pause(0.01)


def busy(app: App[None]) -> bool:
    """A worker still runs, or a debounce or typing-pause timer is pending on a screen."""
    if any(not worker.is_finished for worker in app.workers):
        return True
    for screen in app.screen_stack:
        if getattr(screen, "_pause_timer", None) is not None:
            return True
        if any(bar._timer is not None for bar in screen.query(QueryBar)):
            return True
    return False


async def until(pilot: Pilot[None], done: Callable[[], bool], timeout: float = 5.0) -> None:
    """Settle until ``done()`` holds (a loaded machine runs the search workers late)."""
    deadline = time.monotonic() + timeout
    await settle(pilot)
    while not done() and time.monotonic() < deadline:
        await settle(pilot, 0.02)


def styled(text: Text, style: str = MATCH_STYLE) -> list[str]:
    return [text.plain[span.start : span.end] for span in text.spans if str(span.style) == style]


def test_live_query_closes_and_prefixes() -> None:
    assert live_query("ceas") == "ceas*"
    assert live_query("ce") == "ce"
    assert live_query("ceasefire talks ") == "ceasefire talks "
    assert live_query('"black se') == '"black se"'
    assert live_query("(putin OR erdo") == "(putin OR erdo*)"
    assert live_query("idlib -russ") == "idlib -russ*"


def test_month_series_fills_gaps() -> None:
    assert month_series((("2019-11", 2), ("2020-02", 5))) == [2.0, 0.0, 0.0, 5.0]


async def test_typing_shows_results(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"ceasef")  # live prefix: ceasef*
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        assert len(results.hits) == 5
        assert "5 matches" in str(app.screen.query_one("#status", Static).render())
        first = results.get_option_at_index(0).prompt
        assert isinstance(first, Text) and any(w.lower().startswith("ceasef") for w in styled(first))


async def test_debounce_searches_a_lone_key_at_once_and_a_burst_once(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchidx.tui.screens.search import SearchScreen

    submitted: list[str] = []
    original = SearchScreen.on_query_submitted
    monkeypatch.setattr(
        SearchScreen, "on_query_submitted", lambda self, m: (submitted.append(m.query), original(self, m))
    )
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(QueryBar)
        bar.input.value = "idlib"
        await pilot.pause()  # handled at once: no timer involved
        assert submitted == ["idlib*"]
        await pilot.pause(0.1)
        for typed in ("ceas", "ceasef", "ceasefi", "ceasefire"):  # a paste-speed burst
            bar.input.value = typed
        await settle(pilot)
        assert submitted == ["idlib*", "ceasefire*"]  # queued changes: one search, for the last
        assert len(app.screen.query_one(ResultsList).hits) == 5


@pytest.mark.typing_pause
async def test_full_collections_wait_for_typing_pauses(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    collected: list[int] = []
    monkeypatch.setattr(SearchApp, "collect_garbage", lambda self: collected.append(1))
    thresholds = gc.get_threshold()
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):  # once the first screen is painted, however slow the machine
            if gc.get_freeze_count():
                break
            await pilot.pause(0.01)
        assert gc.get_freeze_count() > 0 and gc.get_threshold()[2] > 10_000
        await pilot.press(*"idlib")
        assert not collected  # not while typing
        await settle(pilot, 0.2)
        assert collected
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds


@pytest.mark.typing_pause
async def test_preview_waits_until_typing_pauses(seeds_index: Index) -> None:

    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"idlib")
        results, preview = app.screen.query_one(ResultsList), app.screen.query_one(Preview)
        for _ in range(200):  # until the results are on screen, however slow the machine
            if results.hits:
                break
            await pilot.pause(0.01)
        assert results.hits and preview.document is None  # the keystroke paid only for results
        await settle(pilot, FACETS_AFTER_SECONDS)
        assert preview.document is not None and preview.document.id == results.hits[0].id


@pytest.mark.typing_pause
async def test_the_pause_runs_from_the_search_not_from_its_results(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    # show_results waits only what is left of FACETS_AFTER_SECONDS since the search began:
    # a slow search does not push preview, facets and timeline further out.

    search = Index.search

    def slow(self: Index, *args: object, **kwargs: object) -> object:
        time.sleep(0.1)
        return search(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Index, "search", slow)
    waits: list[float] = []
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        set_timer = screen.set_timer

        def record(delay: float, *args: object, **kwargs: object) -> object:
            waits.append(delay)
            return set_timer(delay, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(screen, "set_timer", record)
        await pilot.press(*"idlib")
        await settle(pilot, 0.2)
        assert screen.query_one(Preview).document is not None
    assert waits and max(waits) <= FACETS_AFTER_SECONDS - 0.09


@pytest.mark.typing_pause
async def test_preview_and_facets_land_together(seeds_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    # run_details loads the article and counts the facets; show_details puts both on screen in
    # one frame (apart, the facets came a layout and paint after the preview).
    seen: list[bool] = []
    show = Preview.show

    def record(self: Preview, document: object, *args: object, **kwargs: object) -> None:
        show(self, document, *args, **kwargs)  # type: ignore[arg-type]
        if document is not None:
            seen.append(self.screen.query_one("#facet-place", SelectionList).option_count > 0)

    monkeypatch.setattr(Preview, "show", record)
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"idlib")
        await settle(pilot, 0.2)
    assert seen == [True]  # the first article came with its query's facets


async def test_selecting_shows_preview_with_highlights_and_jumps(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(ResultsList).focus()
        await pilot.press("down")
        await settle(pilot)
        preview = app.screen.query_one(Preview)
        assert preview.document is not None
        assert preview.document.id == app.screen.query_one(ResultsList).current.id  # type: ignore[union-attr]
        paragraphs = [p.content for p in preview.query(".paragraph")]
        assert any("Idlib" in styled(t) for t in paragraphs if isinstance(t, Text))
        await pilot.press("n")
        assert preview.current == 0
        await pilot.press("n", "N", "N")
        assert preview.current == len(preview.document.body_spans) - 1


async def test_facet_toggle_filters_results(entity_index: Index) -> None:
    app = create_app(index=entity_index, query="moscow OR sochi OR idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        assert len(app.screen.query_one(ResultsList).hits) == 3
        people = app.screen.query_one("#facet-person", SelectionList)
        names = [people.get_option_at_index(i).value for i in range(people.option_count)]
        assert "Vladimir Putin" in names
        people.select("Vladimir Putin")
        await settle(pilot, 0.2)
        hits = app.screen.query_one(ResultsList).hits
        assert {h.id for h in hits} == {"a.txt", "b.txt"}
        assert "person:Vladimir Putin" in str(app.screen.query_one("#status", Static).render())
        assert app.screen.query_one(FilterPanel).selected("person") == ("Vladimir Putin",)
        await pilot.press("escape")
        app.screen.query_one(ResultsList).focus()
        await pilot.press("x")  # clear filters
        await settle(pilot)
        assert len(app.screen.query_one(ResultsList).hits) == 3


async def test_a_ticked_facet_searches_once_and_the_app_goes_idle(
    entity_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refilling the facets re-ticks the ticked name: that must not start the search again."""
    searches: list[str] = []
    original = SearchScreen.search
    monkeypatch.setattr(SearchScreen, "search", lambda self, r: (searches.append(r.query), original(self, r)))
    app = create_app(index=entity_index, query="moscow OR sochi OR idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(searches)
        app.screen.query_one("#facet-person", SelectionList).select("Vladimir Putin")
        await settle(pilot)  # never idle while each refill searches again
        assert len(searches) == before + 1
        await pilot.pause(3 * live_search.FACETS_AFTER_SECONDS)  # a refill came a pause after its search
        assert len(searches) == before + 1 and not busy(app)


async def test_invalid_query_shows_inline_error_and_keeps_results(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(QueryBar)
        bar.input.value = "idlib foo:bar"
        await pilot.press("enter")
        await settle(pilot)
        message = str(app.screen.query_one("#query-message", Static).render())
        assert "unknown field 'foo'" in message and bar.has_class("error")
        assert len(app.screen.query_one(ResultsList).hits) == 5  # still the last good results


async def test_suggestion_and_history(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(QueryBar)
        for query in ("sochi", "ceasfire"):
            bar.input.value = query
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("escape")  # back from the full-screen article, to the query bar
        assert "did you mean: ceasefire" in str(app.screen.query_one("#query-message", Static).render())
        await pilot.press("ctrl+up", "ctrl+up")
        assert bar.input.value == "sochi"
        await pilot.press("alt+down", "ctrl+down")
        assert bar.input.value == ""


async def test_impossible_filters_say_why(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(QueryBar)
        bar.input.value = "idlib person:nosuchname"
        await pilot.press("enter")
        await settle(pilot)
        message = str(app.screen.query_one("#query-message", Static).render())
        assert message == 'no matches; no article names a person "nosuchname"'
        bar.input.value = "idlib person:trump"
        await pilot.press("enter")
        await settle(pilot)
        assert str(app.screen.query_one("#status", Static).render()).split(" · ")[0] == "1 match"


async def test_markup_and_escapes_in_articles_are_literal(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text(
        "[bold red]Markup[/] in a [link=http://x]title[/link]\n\n"
        "Body with [/] and \x1b[31mescape\x1b[0m text.\n"
    )
    with Index.build(tmp_path / "ix", [tmp_path / "evil.txt"], entities=False) as index:
        app = create_app(index=index, query="body", timings=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            prompt = app.screen.query_one(ResultsList).get_option_at_index(0).prompt
            assert isinstance(prompt, Text)
            assert "[bold red]Markup[/]" in prompt.plain and "[/]" in prompt.plain
            assert "\x1b" not in prompt.plain and "\\x1b[31m" in prompt.plain
            app.screen.query_one(ResultsList).focus()
            await pilot.press("down")
            await settle(pilot)
            paragraphs = [p.content for p in app.screen.query_one(Preview).query(".paragraph")]
            assert any("[/] and" in t.plain for t in paragraphs if isinstance(t, Text))


def _storms(tmp_path: Path) -> Index:
    """An index of 70 distinct storm stories (more than a page, none a copy of another)."""
    feed = tmp_path / "many.jsonl"
    lines = (json.dumps({"id": f"d{i}", "title": f"Storm {i}", "text": f"storm news {i}"}) for i in range(70))
    feed.write_text("\n".join(lines))
    return Index.build(tmp_path / "ix", [feed], entities=False)


async def test_more_results_load_on_scroll(tmp_path: Path) -> None:
    with _storms(tmp_path) as index:
        app = create_app(index=index, query="storm", timings=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            results = app.screen.query_one(ResultsList)
            assert len(results.hits) == PAGE
            results.focus()
            await pilot.press("end")
            await settle(pilot)
            assert len(results.hits) == 2 * PAGE
            assert len({h.id for h in results.hits}) == 2 * PAGE


async def test_a_line_of_a_file_opens_and_copies_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "wire.jsonl"
    lines = [{"id": f"d{i}", "title": f"Story {i}", "text": "calm news"} for i in range(5)]
    lines[3]["text"] = "storm news"
    feed.write_text("\n".join(json.dumps(line) for line in lines))
    ran: list[list[str]] = []
    monkeypatch.setattr("searchidx.tui.screens.search.subprocess.run", lambda argv, **_kw: ran.append(argv))
    monkeypatch.setenv("EDITOR", "vim")
    monkeypatch.delenv("VISUAL", raising=False)
    with Index.build(tmp_path / "ix", [feed], entities=False) as index:
        app = create_app(index=index, query="storm", timings=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.screen.query_one(ResultsList).current.line == 4  # type: ignore[union-attr]
            app.screen.query_one(ResultsList).focus()
            await pilot.press("y")
            assert app.clipboard == f"{feed}:4"
            monkeypatch.setattr(SearchApp, "suspend", lambda _self: contextlib.nullcontext())  # headless
            await pilot.press("e")
            await settle(pilot)
    assert ran == [["vim", "+4", str(feed)]]
    assert editor_command(["code", "--wait"], "a.jsonl", 7) == ["code", "--wait", "-g", "a.jsonl:7"]
    assert editor_command(["/usr/bin/nano"], "a.jsonl", 7) == ["/usr/bin/nano", "+7", "a.jsonl"]
    assert editor_command(["ed"], "a.jsonl", 7) == ["ed", "a.jsonl"]  # unknown: the path alone
    assert editor_command(["vim"], "story.txt", 0) == ["vim", "story.txt"]  # the whole file


async def test_help_screen_and_narrow_layout(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        panel, results = screen.query_one(FilterPanel), screen.query_one(ResultsList)
        assert not panel.display  # narrow: the filters are a drawer, closed at first
        assert results.region.width >= 48  # at least 60% of 80 columns
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("?")  # in the query bar, ? is typed
        assert screen.query_one(Input).value == "idlib?" and app.screen is screen
        results.focus()
        await pilot.press("?")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("f1")  # f1 closes it too
        assert app.screen is screen
        await pilot.press("f")  # the drawer opens over the results, which keep their width
        await pilot.pause()
        assert panel.display and screen.query_one("#sort").has_focus
        assert panel.region.x < results.region.right and results.region.width >= 48
        await pilot.press("escape")  # one level back: the drawer closes
        await pilot.pause()
        assert not panel.display and results.has_focus
        await pilot.press("escape")  # and then back to the query bar
        assert screen.query_one(Input).has_focus


async def test_wide_layout_shows_filters_and_gives_results_the_most_room(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel, results = app.screen.query_one(FilterPanel), app.screen.query_one(ResultsList)
        preview = app.screen.query_one(Preview)
        assert panel.display and panel.region.right <= results.region.x
        assert results.size.width > preview.size.width > 0


def hidden(widget: Widget) -> bool:
    return any(node.styles.display == "none" for node in widget.ancestors_with_self)


async def test_arrows_move_the_selection_from_the_query_bar(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        results, query = app.screen.query_one(ResultsList), app.screen.query_one(Input)
        assert results.highlighted == 0 and query.has_focus
        await pilot.press("down", "down")
        assert results.highlighted == 2 and query.has_focus
        await pilot.press("up")
        assert results.highlighted == 1
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
        assert results.highlighted == len(results.hits) - 1  # stops at the end
        await pilot.press("ctrl+p")
        assert results.highlighted == len(results.hits) - 2 and query.has_focus
        await settle(pilot)
        preview = app.screen.query_one(Preview)
        assert preview.document is not None and preview.document.id == results.current.id  # type: ignore[union-attr]


async def test_enter_opens_the_article_full_screen_and_escape_comes_back(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results, preview = screen.query_one(ResultsList), screen.query_one(Preview)
        await pilot.press("down", "down")
        wanted = results.current
        assert wanted is not None
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view == "full" and hidden(results) and preview.has_focus
        assert preview.document is not None and preview.document.id == wanted.id
        assert results.current == wanted  # the query ran as typed; the same article stays selected
        assert preview.region.width >= SIZE[0] - 2
        await pilot.press("escape")
        assert screen.view == "right" and not hidden(results)
        assert screen.query_one(Input).has_focus
        results.focus()
        await pilot.press("enter")  # enter in the list opens too
        assert screen.view == "full"


async def test_view_key_cycles_the_preview_right_below_full(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results, preview = screen.query_one(ResultsList), screen.query_one(Preview)
        results.focus()
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "below" and preview.region.y > results.region.y
        assert preview.region.x == results.region.x
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "full" and hidden(results)
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "right" and preview.region.x > results.region.x


async def test_tab_order_and_visible_focus(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        results, preview = screen.query_one(ResultsList), screen.query_one(Preview)
        idle = results.styles.border_top
        await pilot.press("tab")
        assert results.has_focus
        assert results.styles.border_top != idle  # a focused pane is framed in another colour
        await pilot.press("tab")
        assert preview.has_focus and preview.styles.border_top != idle
        await pilot.press("tab")
        assert screen.query_one("#sort").has_focus  # then the filters, first the sort order
        assert screen.query_one(FilterPanel).styles.border_top != idle
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        assert screen.query_one(Input).has_focus


async def test_ctrl_c_quits(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0


async def test_key_hints_show_f1_help_at_any_width(seeds_index: Index) -> None:
    for width in (60, 80, 200):
        app = create_app(index=seeds_index, query="idlib", timings=False)
        async with app.run_test(size=(width, 24)) as pilot:
            await settle(pilot)
            hints = app.screen.query_one(KeyHints)
            for focus in ("#query", "#results", "#preview"):
                app.screen.query_one(focus).focus()
                await pilot.pause()
                line = str(hints.render())
                assert "f1 help" in line and len(line) <= width, (width, focus, line)
                assert ("↑↓ select" in line) == (focus == "#query")
            await pilot.press("v", "v")
            await pilot.pause()
            assert "esc back" in str(hints.render())


async def test_command_palette_lists_actions_with_their_keys(seeds_index: Index) -> None:
    from textual.command import CommandPalette

    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"sort")
        await settle(pilot, 0.2)
        options = app.screen.query_one("CommandList")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]  # type: ignore[attr-defined]
        assert any("Sort" in p and "(s)" in p for p in prompts), prompts
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen) and app.screen.request.sort == "newest"


async def test_no_matches_clear_the_preview_and_say_why(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        preview = app.screen.query_one(Preview)
        assert preview.document is not None
        bar = app.screen.query_one(QueryBar)
        bar.input.value = "ceasfire"
        await pilot.press("enter")
        await until(pilot, lambda: preview.document is None)
        assert preview.document is None
        shown = " ".join(str(s.render()) for s in preview.query(Static))
        assert "did you mean: ceasefire" in shown
        bar.input.value = "idlib"
        await pilot.press("enter")
        await settle(pilot, 0.2)
        await pilot.press("escape")
        panel = app.screen.query_one(FilterPanel)
        panel.query_one("#since", Input).value = "2031"
        panel.query_one("#since", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: preview.document is None)
        shown = " ".join(str(s.render()) for s in preview.query(Static))
        assert preview.document is None and "dated on or after 2031" in shown


async def test_tall_terminal_fills_the_results(tmp_path: Path) -> None:
    with _storms(tmp_path) as index:
        app = create_app(index=index, query="storm", timings=False)
        async with app.run_test(size=(200, 100)) as pilot:
            await settle(pilot)
            results = app.screen.query_one(ResultsList)
            assert len(results.hits) > PAGE
            assert results.max_scroll_y > 0  # filled: more than a screenful


def test_not_a_terminal_exits_2_with_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from searchidx.cli import main, search_command

    result = CliRunner().invoke(main, ["tui", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "needs a terminal" in result.output
    # `search --tui` takes the same way in.
    result = CliRunner().invoke(search_command, ["--tui", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "needs a terminal" in result.output


def test_cards_are_compact() -> None:
    import datetime as dt

    from searchidx.models import Hit, Span

    snippet = "Oil prices rose " + "and the market moved " * 20
    hit = Hit(
        "reuters-1",
        "/data/reuters.jsonl",
        "Oil rises",
        dt.datetime(1987, 3, 4, tzinfo=dt.UTC),
        1.0,
        snippet,
        (Span(0, 3),),
        (Span(0, 3),),
        1,
        source="Reuters",
        entities={"person": ("A", "B"), "place": ("C",), "org": ("D", "E")},
    )
    lines = hit_text(hit, 40).plain.split("\n")
    assert lines[0] == "Oil rises"
    assert lines[1] == "1987-03-04 · Reuters · reuters-1"
    assert lines[2] == "A · C · D"  # the top person, place and organisation
    assert len(lines) == 6 and lines[-1].endswith("…") and all(len(line) <= 40 for line in lines)
    assert top_entities({"person": ("A", "B")}) == ["A", "B"]
    folded = hit_text(dataclasses.replace(hit, copies=("reuters-2", "reuters-9")), 40).plain.split("\n")
    assert folded[1] == "1987-03-04 · Reuters · reuters-1 · +2 copies"


def test_preview_reflows_paragraphs() -> None:
    body = "First line\nwrapped here.\n    Indented starts\none.\n\nBlank line\n  starts one.\n"
    found = [reflow(body[s:e]) for s, e in paragraphs(body)]
    assert found == ["First line wrapped here.", "Indented starts one.", "Blank line", "starts one."]


def _facets_as_before(index: Index, text: str, limit: int) -> Facets:
    """run_facets as it was before its per-searcher memo: one pass, nothing remembered."""
    from collections import Counter, defaultdict

    from searchidx.entities.canonical import best_display
    from searchidx.models import FacetValue
    from searchidx.search import matching_docs, prepare
    from searchidx.snapshot import from_ts

    cache = index._snapshot()
    parsed, compiled = prepare(cache, text, mode="all", filters=NO_FILTERS, allow_empty=True)
    docs = matching_docs(cache, parsed, compiled.allowed)
    by_doc, resolution = cache.dates.by_doc, cache.resolution()
    months: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {"person": Counter(), "place": Counter(), "org": Counter()}
    names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    undated = 0
    for docnum in docs:
        seen: set[tuple[str, str]] = set()
        for label, key, name in cache.entity_row(docnum):
            root = resolution.root(label, key)
            if root[0] not in counts:
                continue
            if root[1] == key:
                names[root][name] += 1
            if root not in seen:
                seen.add(root)
                counts[root[0]][root[1]] += 1
        if docnum in by_doc:
            day = from_ts(by_doc[docnum])
            months[f"{day.year:04d}-{day.month:02d}"] += 1
        else:
            undated += 1

    def top(label: str) -> tuple[FacetValue, ...]:
        ranked = sorted(counts[label].items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return tuple(
            FacetValue(best_display(names.get((label, k)) or Counter({k: 1})), k, n) for k, n in ranked
        )

    return Facets(
        text, len(docs), top("person"), top("place"), top("org"), tuple(sorted(months.items())), undated
    )


def test_remembered_facets_count_as_before(seeds_index: Index, entity_index: Index) -> None:
    # searchidx.facets remembers what each article adds, per searcher: the same counts,
    # names and months as counting afresh, cold or warm, for any limit.
    for index in (seeds_index, entity_index):
        for text in ("idlib", "*", "putin OR erdogan", "ceasefire", "moscow OR sochi OR idlib", "nosuchword"):
            for limit in (1, 3, 12):
                for _ in range(2):  # the second time from memory
                    assert index.facets(text, limit=limit) == _facets_as_before(index, text, limit), (
                        text,
                        limit,
                    )
    assert seeds_index.facets("*", limit=50).people  # the check above compared some names


async def test_a_stale_preview_is_discarded_when_the_selection_moved(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results, preview = screen.query_one(ResultsList), screen.query_one(Preview)
        first = results.hits[0]
        assert preview.document is not None and preview.document.id == first.id
        late = seeds_index.document(results.hits[1].id, "idlib")  # built for a hit no longer selected
        assert late is not None
        screen.show_preview(late, screen.request.generation, build(late))
        await pilot.pause()
        assert preview.document is not None and preview.document.id == first.id
        await pilot.press("down")  # now it is the selection: its preview replaces the first
        await settle(pilot)
        assert preview.document is not None and preview.document.id == late.id


async def test_preview_updates_its_widgets_in_place(seeds_index: Index) -> None:
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        preview = app.screen.query_one(Preview)
        header = preview.query_one(".preview-header", Static)
        docs = [
            d
            for d in (seeds_index.document(h.id, "idlib") for h in app.screen.query_one(ResultsList).hits)
            if d
        ]
        docs.sort(key=lambda d: len(paragraphs(d.body)))
        for document in (docs[-1], docs[0], docs[-1]):  # more, fewer, more paragraphs
            preview.show(document)
            await pilot.pause()
            shown = [p.content for p in preview.query(".paragraph")]
            wanted = [reflow(document.body[s:e]) for s, e in paragraphs(document.body)]
            assert [
                t.plain for t in shown if isinstance(t, Text)
            ] == wanted  # no paragraph of another article
            assert preview.query_one(".preview-header", Static) is header  # updated, not mounted again
            assert document.title in str(header.content) and header.display
        preview.show(None, "nothing here")
        await pilot.pause()
        assert not preview.query(".paragraph") and not header.display
        assert "nothing here" in str(preview.query_one(".preview-empty", Static).render())


async def test_garbage_is_collected_once_preview_and_facets_are_painted(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, bool]] = []

    def collect(self: SearchApp) -> None:
        screen = self.screen
        facets = screen.query_one("#facet-place", SelectionList).option_count > 0
        seen.append((screen.query_one(Preview).document is not None, facets))

    monkeypatch.setattr(SearchApp, "collect_garbage", collect)
    # One search, not one per keystroke: on a loaded machine the pause can come between two
    # keystrokes, after a partial query with no matches (nothing to preview, no facets).
    app = create_app(index=seeds_index, query="idlib", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 0.2)
        assert seen and seen[0] == (True, True)


def _snapshot_app(seeds_index: Index) -> SearchApp:
    return create_app(index=seeds_index, timings=False)


async def _type_idlib(pilot: Pilot[None]) -> None:
    pilot.app.screen.query_one(Input).cursor_blink = False
    await pilot.press(*"idlib")
    await settle(pilot, 0.2)


@pytest.mark.typing_pause
def test_snapshot_results(snap_compare, seeds_index: Index) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_snapshot_app(seeds_index), terminal_size=(120, 40), run_before=_type_idlib)


@pytest.mark.typing_pause
def test_snapshot_narrow(snap_compare, seeds_index: Index) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_snapshot_app(seeds_index), terminal_size=(80, 24), run_before=_type_idlib)


@pytest.mark.typing_pause
def test_snapshot_large(snap_compare, seeds_index: Index) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_snapshot_app(seeds_index), terminal_size=(200, 60), run_before=_type_idlib)


def test_snapshot_help(snap_compare, seeds_index: Index) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_snapshot_app(seeds_index), terminal_size=(100, 30), press=["f1"])


@pytest.fixture(autouse=True)
def _no_seeds_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # nothing here may write ./index in the repo


async def test_space_in_a_facet_list_ticks_its_first_name_once_entered(seeds_index: Index) -> None:
    from textual.widgets import SelectionList

    app = create_app(index=seeds_index, query="ceasefire", timings=False)
    async with app.run_test(size=SIZE) as pilot:
        people = app.screen.query_one("#facet-person", SelectionList)
        await until(pilot, lambda: people.option_count > 0)
        people.focus()
        await settle(pilot)
        assert people.highlighted == 0  # entered with no row highlighted: the first is
        first = people.get_option_at_index(0).value
        await pilot.press("space")
        await settle(pilot)
        assert people.selected == [first]
        await until(pilot, lambda: app.screen.results is not None and app.screen.results.total < 5)
        await settle(pilot, 0.5)  # the facets of the filtered results refill the list
        assert people.has_focus and people.highlighted is not None
