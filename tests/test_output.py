"""What reaches a terminal or a pipe: one escaping rule, -l/-0, lossless JSON, 4-digit years."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from searchidx import Index
from searchidx.cli import main, search_command
from searchidx.models import Hit, IndexStats, SearchResults
from searchidx.render import caret, iso_day, json_line, neutralise, stats_lines

# ESC starting an OSC title sequence, BEL, a right-to-left override, a newline: in a file name.
EVIL = "evil\x1b]0;x\x07\u202e\nname"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


@dataclasses.dataclass
class Built:
    index: Path
    corpus: Path
    indexing: Result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("out")
    corpus = base / f"c{EVIL}"
    corpus.mkdir()
    (corpus / f"{EVIL}.txt").write_text(
        "Evil title\n\nBody with \x9b31m csi and \u202e bidi, ceasefire talk.\n"
    )
    record = {"id": "old", "title": "Year one", "date": "0001-01-01T00:00:00Z", "text": "ancient ceasefire"}
    (corpus / f"{EVIL}.jsonl").write_text(json.dumps(record) + "\n{broken\n")
    index = base / f"ix{EVIL}"
    indexing = CliRunner().invoke(main, ["index", "--no-entities", "--index", str(index), str(corpus)])
    return Built(index, corpus, indexing)


def search(built: Built, *args: str) -> Result:
    return CliRunner().invoke(search_command, ["--index", str(built.index), *args])


def assert_inert(text: str) -> None:
    for char in RAW:
        assert char not in text


# ---- one escaping rule for everything printed for people --------------------------------


def test_neutralise_escapes_controls_bidi_newlines_and_surrogates() -> None:
    assert neutralise("a\x1b[31mb\x07\u202ec\n\td\x9b\ud800") == "a\\x1b[31mb\\x07\\u202ec\\n\\td\\x9b\\ud800"
    assert neutralise("one\ntwo\tthree\x1b", multiline=True) == "one\ntwo\tthree\\x1b"
    assert neutralise("Çavuşoğlu — “quoted” 日本") == "Çavuşoğlu — “quoted” 日本"


def test_files_with_matches_escapes_names_one_per_line(built: Built) -> None:
    result = search(built, "-l", "ceasefire")
    assert result.exit_code == 0
    assert_inert(result.stdout)
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(
        line.endswith(("evil\\x1b]0;x\\x07\\u202e\\nname.txt", ".jsonl")) for line in lines
    )


def test_indexing_problems_and_summary_are_escaped(built: Built) -> None:
    assert built.indexing.exit_code == 2
    assert_inert(built.indexing.stderr + built.indexing.stdout)
    [problem] = built.indexing.stderr.splitlines()
    assert problem.startswith("searchidx: error: ") and "\\x07\\u202e\\nname.jsonl:2: invalid JSON" in problem
    assert len(built.indexing.stdout.splitlines()) == 1


def test_stats_escapes_index_path_and_roots(built: Built) -> None:
    result = CliRunner().invoke(main, ["stats", "--index", str(built.index)])
    assert result.exit_code == 0
    assert_inert(result.stdout)
    assert len(result.stdout.splitlines()) == 6
    data = json.loads(CliRunner().invoke(main, ["stats", "--json", "--index", str(built.index)]).stdout)
    assert data["data"]["path"] == str(built.index) and data["data"]["roots"] == [str(built.corpus)]


def test_error_messages_are_escaped(tmp_path: Path) -> None:
    missing = tmp_path / f"nothing{EVIL}"
    result = CliRunner().invoke(search_command, ["--index", str(missing), "x"])
    assert result.exit_code == 2
    assert_inert(result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "\\x1b]0;x\\x07\\u202e\\nname" in result.stderr


def test_caret_lines_up_under_escaped_text() -> None:
    assert caret("a\x1bb OR", 5) == "a\\x1bb OR\n        ^"


def test_hits_are_escaped(built: Built) -> None:
    result = search(built, "ceasefire")
    assert result.exit_code == 0
    assert_inert(result.stdout)
    assert "Body with \\x9b31m csi and \\u202e bidi" in result.stdout
    assert len(result.stdout.splitlines()) == 8  # 3 lines and a blank per hit: no path breaks a line


# ---- -0/--null ---------------------------------------------------------------------------


def test_null_prints_raw_paths_separated_by_nul(built: Built) -> None:
    result = search(built, "-l0", "ceasefire")
    assert result.exit_code == 0
    paths = result.stdout_bytes.split(b"\0")
    assert paths[-1] == b"" and sorted(paths[:-1]) == sorted(
        os.fsencode(built.corpus / f"{EVIL}{ext}") for ext in (".txt", ".jsonl")
    )


def test_null_round_trips_undecodable_names(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    name = os.fsdecode(b"/news/caf\xe9.txt")
    with_hits(monkeypatch, path=name)
    # Two hits in one file: -l names the file once.
    assert search(built, "--null", "-l", "ceasefire").stdout_bytes == b"/news/caf\xe9.txt\0"
    shown = search(built, "-l", "ceasefire")
    assert shown.exit_code == 0 and shown.stdout == "/news/caf\\udce9.txt\n"


def test_null_needs_files_with_matches(built: Built) -> None:
    result = search(built, "-0", "ceasefire")
    assert result.exit_code == 2 and "-l" in result.stderr


# ---- --json: lossless, escaped, always complete ---------------------------------------------


def test_json_escapes_c0_c1_and_bidi_losslessly(built: Built) -> None:
    result = search(built, "--json", "ceasefire")
    assert result.exit_code == 0
    assert_inert(result.stdout)
    assert "\\u009b31m" in result.stdout and "\\u202e" in result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    hit = next(r["data"] for r in records if r["type"] == "hit" and r["data"]["title"] == "Evil title")
    assert hit["snippet"] == "Body with \x9b31m csi and \u202e bidi, ceasefire talk."
    assert hit["path"] == str(built.corpus / f"{EVIL}.txt")
    assert json.loads(json_line("x", "\x7f\x85\u2066\u2069\u2028")) == {
        "type": "x",
        "data": "\x7f\x85\u2066\u2069\u2028",
    }


def with_hits(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """Make every hit carry ``changes`` (as an index written by an older version might)."""
    original = Index.search

    def patched(self: Index, *args: Any, **kwargs: Any) -> SearchResults:
        results = original(self, *args, **kwargs)
        hits = tuple(dataclasses.replace(hit, **changes) for hit in results.hits)
        return dataclasses.replace(results, hits=hits)

    monkeypatch.setattr(Index, "search", patched)


def test_lone_surrogates_never_cut_the_output_short(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    with_hits(monkeypatch, title="half \ud800 pair", snippet="low \udc00 ceasefire", source="\udfff")
    as_json = search(built, "--json", "ceasefire")
    assert as_json.exit_code == 0, as_json.output
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert records[-1]["type"] == "summary" and len(records) == 3
    assert records[0]["data"]["title"] == "half \ud800 pair"  # still lossless
    human = search(built, "ceasefire")
    assert human.exit_code == 0, human.output
    assert "half \\ud800 pair" in human.stdout and "2 matches" in human.stderr


# ---- ISO years always have 4 digits ---------------------------------------------------------


def test_year_one_is_0001_everywhere(built: Built) -> None:
    human = search(built, "ancient")
    assert "     0001-01-01 · " in human.stdout
    record = json.loads(search(built, "--json", "ancient").stdout.splitlines()[0])
    assert record["data"]["date"] == "0001-01-01T00:00:00Z"
    stats = CliRunner().invoke(main, ["stats", "--index", str(built.index)]).stdout
    assert "dates:      0001-01-01 .. 0001-01-01 (1 undated)" in stats
    data = json.loads(CliRunner().invoke(main, ["stats", "--json", "--index", str(built.index)]).stdout)
    assert data["data"]["first_date"] == "0001-01-01T00:00:00Z"


def test_iso_day_pads_years_and_treats_naive_as_utc() -> None:
    assert iso_day(dt.datetime(1, 1, 1)) == "0001-01-01"
    assert iso_day(dt.datetime(999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-2)))) == "1000-01-01"


def test_tui_shows_four_digit_years() -> None:
    from searchidx.tui.widgets.results import hit_text

    hit = Hit("x", "/p/x.txt", "T", dt.datetime(5, 3, 4, tzinfo=dt.UTC), 0.0, "", (), (), 1)
    assert "0005-03-04" in hit_text(hit).plain


def stats_of(**changes: Any) -> Iterator[str]:
    stats = IndexStats("/ix", 1, None, None, 0, 0, {}, ())
    return stats_lines(dataclasses.replace(stats, **changes))


def test_stats_lines_escape_versions() -> None:
    lines = list(stats_of(versions={"schema\x1b": "5\n6"}))
    assert "versions:   schema\\x1b 5\\n6" in lines


def test_pieces_cut_raw_offsets_before_neutralising() -> None:
    from searchidx.models import Span
    from searchidx.render import pieces

    text = "a\x1b[31mb oil c\noil"
    spans = [Span(8, 11), Span(14, 17)]  # both "oil"s, offsets into the raw text
    assert list(pieces(text, spans)) == [
        ("a\\x1b[31mb ", None),
        ("oil", spans[0]),
        (" c\\n", None),
        ("oil", spans[1]),
        ("", None),
    ]
    assert list(pieces(text, spans[1:], 12, 17, multiline=True)) == [
        ("c\n", None),
        ("oil", spans[1]),
        ("", None),
    ]


def test_the_human_line_shortens_paths_under_the_cwd_and_the_bundled_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchidx.ingest import bundled_seeds
    from searchidx.render import Style, hit_lines, shown_path

    seed = str(bundled_seeds() / "001_b78bc1a4e768935f.txt")
    monkeypatch.chdir(tmp_path)
    assert shown_path(seed) == "seeds/001_b78bc1a4e768935f.txt"
    assert shown_path(str(tmp_path / "news" / "a.txt")) == "news/a.txt"
    assert shown_path(str(tmp_path.parent / "elsewhere.txt")) == str(tmp_path.parent / "elsewhere.txt")
    hit = Hit("x", str(tmp_path / "news" / "a.txt"), "T", None, 0.0, "", (), (), 1)
    assert "undated · news/a.txt" in list(hit_lines(hit, Style(False)))[1]
