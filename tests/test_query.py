from __future__ import annotations

import datetime as dt

import pytest

from searchidx.errors import QueryError
from searchidx.query import DateRange, parse


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_words_are_and_across_title_and_body() -> None:
    q = parse("ceasefire talks").query
    assert repr(q).startswith("And(")
    assert {t for t in q.all_terms()} == {
        ("title", "ceasefir"),
        ("body", "ceasefir"),
        ("title", "talk"),
        ("body", "talk"),
    }


def test_any_mode_uses_coordinated_or() -> None:
    q = parse("ceasefire talks", mode="any").query
    assert type(q).__name__ == "Or" and q.scale == pytest.approx(0.9)


def test_hyphenated_query_matches_closed_form_or_phrase() -> None:
    text = str(parse("body:cease-fire").query)
    assert "body:ceasefir" in text and 'body:"ceas fire"' in text


def test_field_applies_to_group() -> None:
    q = parse("title:(putin OR erdogan)").query
    assert {f for f, _ in q.all_terms()} == {"title"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2019-12", DateRange(utc(2019, 12, 1), utc(2020, 1, 1))),
        ("date:2019-12-01..2020-01-31", DateRange(utc(2019, 12, 1), utc(2020, 2, 1))),
        ("date:2020..", DateRange(utc(2020, 1, 1), None)),
        ("date:..2020-02", DateRange(None, utc(2020, 3, 1))),
        ("x date:2019 date:2019-06..", DateRange(utc(2019, 6, 1), utc(2020, 1, 1))),
    ],
)
def test_dates_are_filters_not_terms(text: str, expected: DateRange) -> None:
    parsed = parse(text)
    assert parsed.dates == expected
    assert not any(f == "date" for f, _ in parsed.query.all_terms())


def test_only_a_date_matches_everything_in_range() -> None:
    assert type(parse("date:2020").query).__name__ == "Every"


def test_negation_only_query_subtracts_from_everything() -> None:
    assert "Every" in repr(parse("-russia").query)


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", 1, "empty query"),
        ("(ceasefire OR", 12, "OR needs a term"),
        ("AND OR", 1, "AND needs a term"),
        ("idlib)", 6, "unmatched ')'"),
        ("(idlib", 1, "missing ')'"),
        ('"black sea', 1, "unclosed quote"),
        ("ab*", 1, "at least 3 letters"),
        ("x*", 1, "at least 3 letters"),
        ("a*b", 1, "only allowed at the end"),
        ("foo:bar", 1, "unknown field 'foo'"),
        ("date:2019-13", 6, "month must be in 1..12"),
        ("date:2020..2019", 6, "empty"),
        ("date:", 1, "needs a value"),
        ("x OR date:2019", 6, "cannot be inside OR"),
        ("NOT date:2019", 5, "cannot be negated"),
        ("word~3", 1, "fuzzy distance"),
        ("the", 1, "stop words"),
        ("a\x1bb", 2, "control character"),
        ("()", 1, "empty parentheses"),
    ],
)
def test_malformed_queries_name_column_and_problem(text: str, column: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"invalid query at column {column}: ")
    assert info.value.column == column and info.value.position == column - 1
    assert isinstance(info.value, ValueError)


def test_column_is_1_based_and_position_0_based() -> None:
    with pytest.raises(QueryError) as info:
        parse("(idlib OR")
    error = info.value
    assert (error.position, error.column) == (7, 8)
    assert error.query[error.position :] == "OR"
    assert str(error) == "invalid query at column 8: OR needs a term after it"
    assert error.caret().splitlines()[1].index("^") == error.position
    unplaced = QueryError("unknown sort 'x'", "q")
    assert (unplaced.position, unplaced.column, str(unplaced)) == (
        None,
        None,
        "invalid query: unknown sort 'x'",
    )


def test_caret_points_at_problem() -> None:
    with pytest.raises(QueryError) as info:
        parse("idlib)")
    assert info.value.caret() == "idlib)\n     ^"


def test_prefix_expands_through_known_words() -> None:
    q = parse("programmi*", expand=lambda p: ["program"] if p == "programmi" else []).query
    assert ("body", "program") in set(q.all_terms())


def test_lone_star_matches_everything() -> None:
    assert type(parse("*").query).__name__ == "Every"
    assert parse("* person:putin").filters
