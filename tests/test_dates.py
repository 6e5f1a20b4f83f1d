"""Date bounds at the edges of the calendar (years 0001 and 9999), through the API and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from searchidx import Filters, Index
from searchidx.cli import search_command
from searchidx.dates import DateRange, parse_date_bound
from searchidx.errors import QueryError
from searchidx.query import parse

DATED = 3  # seeds with a date (2018-09-17, 2019-12-24, 2020-02-06); two are undated


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:9999", DateRange(utc(9999, 1, 1), None)),
        ("date:9999-12", DateRange(utc(9999, 12, 1), None)),
        ("date:9999-12-31", DateRange(utc(9999, 12, 31), None)),
        ("date:9999-12-30", DateRange(utc(9999, 12, 30), utc(9999, 12, 31))),
        ("date:9999-11", DateRange(utc(9999, 11, 1), utc(9999, 12, 1))),
        ("date:..9999", DateRange(None, None)),
        ("date:9999..", DateRange(utc(9999, 1, 1), None)),
        ("date:0001..9999-12-31", DateRange(utc(1, 1, 1), None)),
        ("date:0001", DateRange(utc(1, 1, 1), utc(2, 1, 1))),
        ("date:0001-01", DateRange(utc(1, 1, 1), utc(1, 2, 1))),
        ("date:0001-01-01", DateRange(utc(1, 1, 1), utc(1, 1, 2))),
        ("date:..0001", DateRange(None, utc(2, 1, 1))),
        ("date:0001..", DateRange(utc(1, 1, 1), None)),
    ],
)
def test_bounds_at_the_ends_of_the_calendar_parse(text: str, expected: DateRange) -> None:
    assert parse(text).dates == expected


def test_end_bound_past_9999_means_unbounded() -> None:
    assert parse_date_bound("9999", end=True) is None
    assert parse_date_bound("9999-12-31", end=True) is None
    assert parse_date_bound("9999-12-31", end=False) == utc(9999, 12, 31)


@pytest.mark.parametrize("text", ["date:0000", "date:0000..2020", "date:2020..0000-01", "date:9999-13"])
def test_impossible_years_are_positioned_query_errors(text: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert info.value.position is not None and info.value.position >= len("date:")


EDGE_QUERIES = {
    # query -> articles matched among the seeds
    "date:9999": 0,
    "date:9999-12": 0,
    "date:9999-12-31": 0,
    "date:9999..": 0,
    "date:..9999": DATED,
    "date:..9999-12": DATED,
    "date:..9999-12-31": DATED,
    "date:0001..9999": DATED,
    "date:0001": 0,
    "date:0001-01": 0,
    "date:0001-01-01": 0,
    "date:..0001": 0,
    "date:..0001-01-01": 0,
    "date:0001..": DATED,
    "date:0001-01-01..": DATED,
}

EDGE_OPTIONS = [
    # (since, until) -> articles matched
    (("0001", None), DATED),
    (("0001-01", None), DATED),
    (("0001-01-01", None), DATED),
    ((None, "0001"), 0),
    ((None, "0001-01-01"), 0),
    (("9999", None), 0),
    (("9999-12-31", None), 0),
    ((None, "9999"), DATED),
    ((None, "9999-12"), DATED),
    ((None, "9999-12-31"), DATED),
    (("0001", "9999"), DATED),
    (("9999", "9999-12-31"), 0),
    (("0001-01-01", "0001-01-01"), 0),
]


@pytest.mark.parametrize(("query", "total"), EDGE_QUERIES.items())
def test_edge_dates_in_queries_search(seeds_index: Index, query: str, total: int) -> None:
    assert seeds_index.search(query).total == total
    assert seeds_index.search(f"idlib {query}").total == total


@pytest.mark.parametrize(("bounds", "total"), EDGE_OPTIONS)
def test_edge_dates_as_since_until(
    seeds_index: Index, bounds: tuple[str | None, str | None], total: int
) -> None:
    since, until = bounds
    assert seeds_index.search("*", filters=Filters(since=since, until=until)).total == total
    assert seeds_index.facets("*", filters=Filters(since=since, until=until)).total == total


@pytest.mark.parametrize(
    ("since", "until", "total"),
    [
        (dt.date.min, dt.date.max, DATED),
        (dt.datetime.min, dt.datetime.max, DATED),
        (dt.datetime.max.replace(tzinfo=dt.UTC), None, 0),
        (None, dt.datetime.min.replace(tzinfo=dt.UTC), 0),
    ],
)
def test_edge_date_objects(seeds_index: Index, since: object, until: object, total: int) -> None:
    assert seeds_index.search("*", filters=Filters(since=since, until=until)).total == total  # type: ignore[arg-type]


def _cli(index: Index, args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(search_command, ["--index", str(index.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize(("query", "total"), EDGE_QUERIES.items())
def test_edge_dates_in_queries_on_the_command_line(seeds_index: Index, query: str, total: int) -> None:
    code, err = _cli(seeds_index, ["-c", query])
    assert code == (0 if total else 1), err
    assert "Traceback" not in err


@pytest.mark.parametrize(("bounds", "total"), EDGE_OPTIONS)
def test_edge_dates_as_options_on_the_command_line(
    seeds_index: Index, bounds: tuple[str | None, str | None], total: int
) -> None:
    since, until = bounds
    args = [*(["--since", since] if since else []), *(["--until", until] if until else []), "-c", "*"]
    code, err = _cli(seeds_index, args)
    assert code == (0 if total else 1), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["date:0000"], "search: invalid query at column 6: bad date '0000'"),
        (["--until", "0000", "x"], "search: --until: bad date '0000'"),  # an option's error, not the query's
        (["--since", "10000", "x"], "search: --since: bad date '10000'"),
        (["--since", "2020-13", "x"], "search: --since: bad date '2020-13': month must be in 1..12"),
    ],
)
def test_impossible_years_exit_2_with_one_line(seeds_index: Index, args: list[str], says: str) -> None:
    code, err = _cli(seeds_index, args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith(says), err
