"""A user review of the CLI: -l per file, -0 alone, JSON errors, entity filters without entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main, search_command


@pytest.fixture(scope="module")
def feed_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    folder = tmp_path_factory.mktemp("feed")
    rows = [{"id": f"r{i}", "title": f"Oil report {i}", "text": "Oil prices rose."} for i in range(5)]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (folder / "note.txt").write_text("A note\n\nOil is mentioned here too.\n")
    return Index.build(tmp_path_factory.mktemp("ix") / "ix", [folder], entities=False)


def run(index: Index, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(search_command, ["--index", str(index.path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_files_with_matches_lists_each_file_once(feed_index: Index) -> None:
    code, out, _ = run(feed_index, "-l", "oil")
    assert (
        code == 0 and len(out.splitlines()) == 2 and out.splitlines()[0].endswith(("feed.jsonl", "note.txt"))
    )
    _code, raw, _ = run(feed_index, "-l", "-0", "oil")
    assert raw.count("\0") == 2


def test_null_without_l_is_one_line(feed_index: Index) -> None:
    code, out, err = run(feed_index, "-0", "oil")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "-0/--null goes with -l" in err


def test_json_error_ends_stdout_with_an_error_record(feed_index: Index) -> None:
    code, out, err = run(feed_index, "--json", "(oil")
    assert code == 2 and "missing ')'" in err
    record = json.loads(out.splitlines()[-1])
    assert record["type"] == "error" and record["data"]["column"] == 1


@pytest.mark.parametrize("args", [["oil person:yamani"], ["oil -person:yamani"], ["--place", "x", "oil"]])
def test_entity_filters_on_an_index_without_entities_are_errors(feed_index: Index, args: list[str]) -> None:
    code, out, err = run(feed_index, *args)
    assert code == 2 and out == "" and "built with --no-entities" in err


def test_entities_command_on_an_index_without_entities_says_why(feed_index: Index) -> None:
    result = CliRunner().invoke(main, ["entities", "--index", str(feed_index.path)])
    assert result.exit_code == 2 and "no entities (built with --no-entities)" in result.stderr


def test_no_entities_applies_or_is_refused_never_ignored(tmp_path: Path) -> None:
    from searchidx import Index, IndexOptionError

    corpus = tmp_path / "news"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Talks in Moscow\n\nVladimir Putin met Erdogan in Moscow.\n")
    with_entities = Index.build(tmp_path / "ix", [corpus], workers=1)
    runner = CliRunner()
    refused = runner.invoke(main, ["index", "--no-entities", "--index", str(with_entities.path), str(corpus)])
    assert refused.exit_code == 2 and "--rebuild --no-entities" in refused.stderr
    assert Index.open(with_entities.path).has_entities  # nothing was changed
    plain = Index.build(tmp_path / "plain", [corpus], entities=False, workers=1)
    with pytest.raises(IndexOptionError):
        Index.build(plain.path, [corpus], entities=True)
    # Without the option an update or a rebuild keeps the index's choice; --rebuild --entities changes it.
    assert not Index.build(plain.path, [corpus]).has_entities
    assert not Index.build(plain.path, [corpus], rebuild=True, workers=1).has_entities
    assert Index.build(plain.path, [corpus], rebuild=True, entities=True, workers=1).has_entities
