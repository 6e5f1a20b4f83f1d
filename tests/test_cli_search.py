"""The search command's edges: internal errors, Ctrl-C, the summary line, --help, filter notes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from click.testing import CliRunner

from searchidx import Filters, Index
from searchidx.cli import search_command
from searchidx.models import SearchResults
from searchidx.render import results_json, summary_line

INTERNAL = re.compile(
    r"^search: internal error: RuntimeError: boom in the library \(please report this; "
    r"set SEARCHIDX_DEBUG=1 for the traceback\)$"
)


def invoke(index: Index, args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(search_command, ["--index", str(index.path), *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def _raise(exc: BaseException) -> Any:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise exc

    return fail


def test_unexpected_exception_is_one_line_and_exit_2(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Index, "search", _raise(RuntimeError("boom in\nthe library")))
    code, out, err = invoke(seeds_index, ["ceasefire"], env={"SEARCHIDX_DEBUG": ""})
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and INTERNAL.match(err.strip()), err


def test_unexpected_exception_traceback_with_debug(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Index, "facets", _raise(RuntimeError("boom in the library")))
    code, _out, err = invoke(seeds_index, ["--facets", "ceasefire"], env={"SEARCHIDX_DEBUG": "1"})
    assert code == 2
    assert err.startswith("Traceback (most recent call last):") and "in fail" in err
    assert INTERNAL.match(err.strip().splitlines()[-1]), err


def test_ctrl_c_during_a_search_says_interrupted(seeds_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Index, "search", _raise(KeyboardInterrupt()))
    code, out, err = invoke(seeds_index, ["ceasefire"])
    assert (code, out, err) == (130, "", "search: interrupted\n")


@pytest.mark.parametrize(
    ("total", "offset", "shown", "expected"),
    [
        (1, 0, 1, "1 match, showing 1 (2.0 ms)"),
        (5, 0, 5, "5 matches, showing 1-5 (2.0 ms)"),
        (5, 2, 2, "5 matches, showing 3-4 (2.0 ms)"),
        (5, 0, 0, "5 matches (2.0 ms)"),
        (1, 0, 0, "1 match (2.0 ms)"),
        (5, 7, 0, "5 matches, none after 5 (--offset 7) (2.0 ms)"),
    ],
)
def test_summary_line_counts(seeds_index: Index, total: int, offset: int, shown: int, expected: str) -> None:
    hits = seeds_index.search("idlib", limit=shown).hits
    assert summary_line(SearchResults("q", total, hits, offset, None, 2.0)) == expected


def test_limit_zero_on_the_command_line(seeds_index: Index) -> None:
    code, out, err = invoke(seeds_index, ["-n", "0", "ceasefire"])
    assert code == 0 and out == ""
    assert re.fullmatch(r"5 matches \(\d+\.\d ms\)\n", err), err
    assert re.fullmatch(
        r"1 match, showing 1 \(\d+\.\d ms\)\n", invoke(seeds_index, ["--person", "trump", "*"])[2]
    )


def test_facets_time_is_in_the_summary(seeds_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    facets = Index.facets

    def slow_facets(self: Index, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.25)
        return facets(self, *args, **kwargs)

    monkeypatch.setattr(Index, "facets", slow_facets)
    _code, out, err = invoke(seeds_index, ["--facets", "--json", "ceasefire"])
    assert json.loads(out.splitlines()[-1])["data"]["elapsed_ms"] >= 250
    _code, out, err = invoke(seeds_index, ["--facets", "ceasefire"])
    assert float(re.search(r"\((\d+\.\d) ms\)", err)[1]) >= 250  # type: ignore[index]


def test_help_keeps_the_query_syntax_block() -> None:
    result = CliRunner().invoke(search_command, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "\\b" not in result.output
    lines = result.output.splitlines()
    assert "  QUERY syntax: words (all must match), OR, NOT or -word, (groups)," in lines
    assert "  date:2019-12, date:2019-12-01..2020-01-31, date:2020..," in lines


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (["--person", "nosuchname", "ceasefire"], 'no article names a person "nosuchname"'),
        (["ceasefire org:nosuchorg"], 'no article names an organisation "nosuchorg"'),
        (["--since", "2030", "--until", "2030", "*"], "no article is dated within 2030-01-01..2030-12-31"),
        (["*", "date:..1999-06"], "no article is dated on or before 1999-06-30"),
        (["--person", "trump", "--person", "lavrov", "*"], "no article matches all the filters together"),
    ],
)
def test_impossible_filters_say_why(seeds_index: Index, args: list[str], note: str) -> None:
    code, out, err = invoke(seeds_index, args)
    assert code == 1 and out == ""
    assert err.startswith("no matches for ") and f"; {note}" in err, err
    code, out, _err = invoke(seeds_index, ["--json", *args])
    summary = json.loads(out.splitlines()[-1])["data"]
    assert code == 1 and summary["total"] == 0
    assert any(n.startswith(note) for n in summary["notes"]), summary


def test_dates_outside_the_collection_name_its_span(seeds_index: Index) -> None:
    err = invoke(seeds_index, ["--since", "2030", "ceasefire"])[2]
    assert err.rstrip().endswith(
        "; no article is dated on or after 2030-01-01 (the index spans 2018-09-17..2020-02-06)"
    ), err


@pytest.mark.parametrize(
    ("args", "bounds"),
    [
        (["--since", "1987-04", "--until", "1987-03", "x"], ["1987-04", "1987-03"]),
        (["--since", "2020", "x date:2019"], ["2019-01-01..2019-12-31", "2020-01-01.."]),
        (["x date:2019 date:2021"], ["2019-01-01..2019-12-31", "2021-01-01..2021-12-31"]),
        (["x date:2021..2019"], ["2021..2019"]),
    ],
)
def test_empty_date_ranges_are_errors_naming_both_bounds(
    seeds_index: Index, args: list[str], bounds: list[str]
) -> None:
    code, out, err = invoke(seeds_index, args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("search: invalid query") and all(b in err for b in bounds), err


def test_json_summary_has_no_notes_when_something_matched(seeds_index: Index) -> None:
    summary = json.loads(list(results_json(seeds_index.search("ceasefire")))[-1])["data"]
    assert summary["notes"] == [] and summary["total"] == 5


def test_notes_come_from_the_library(seeds_index: Index) -> None:
    results = seeds_index.search(
        "ceasefire", filters=Filters(people=["NoSuchName"], places=["Lost Atlantis"])
    )
    assert results.total == 0 and results.suggestion is None
    assert results.notes == (
        'no article names a person "nosuchname"',
        'no article names a place "lost atlantis"',
    )
    assert seeds_index.search("ceasfire").notes == ()
