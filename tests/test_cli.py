from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main, search_command
from searchidx.ingest import bundled_seeds

SEARCH = [sys.executable, "-c", "from searchidx.cli import search_main; search_main()"]


@pytest.fixture(scope="module")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "ix"
    Index.build(path, [bundled_seeds()]).close()
    return str(path)


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(search_command, args, env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_hits_exit_0_and_human_output(seeds_dir: str) -> None:
    code, out, err = run(["--index", seeds_dir, "ceasefire"])
    assert code == 0
    assert out.splitlines()[0].startswith("  1. ")
    assert "score" in out and "\x1b[" not in out  # not a TTY: no colour
    assert "5 matches" in err


def test_json_lines_decode(seeds_dir: str) -> None:
    code, out, _ = run(["--index", seeds_dir, "--json", "-n", "2", "ceasefire"])
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["type"] for r in records] == ["hit", "hit", "summary"]
    hit = records[0]["data"]
    for key in ("rank", "id", "path", "title", "date", "score", "snippet", "snippet_spans", "title_spans"):
        assert key in hit
    start, end = hit["snippet_spans"][0]
    assert hit["snippet"][start:end].lower() == "ceasefire"
    assert records[-1]["data"]["total"] == 5 and records[-1]["data"]["elapsed_ms"] >= 0


def test_no_hits_exit_1_with_suggestion(seeds_dir: str) -> None:
    code, out, err = run(["--index", seeds_dir, "ceasfire"])
    assert code == 1 and out == ""
    assert "did you mean: ceasefire" in err
    code, out, _ = run(["--index", seeds_dir, "--json", "ceasfire"])
    assert code == 1 and json.loads(out)["data"]["suggestion"] == "ceasefire"


@pytest.mark.parametrize("query", ["(idlib OR", "foo:bar", "date:2020-99", "ab*"])
def test_malformed_query_exits_2_with_message(seeds_dir: str, query: str) -> None:
    code, out, err = run(["--index", seeds_dir, query])
    assert code == 2 and out == ""
    assert err.startswith("search: invalid query at column ")
    assert len(err.strip().splitlines()) == 1


def test_missing_configured_index_exits_2(tmp_path: Path) -> None:
    code, _, err = run(["--index", str(tmp_path / "none"), "x"])
    assert code == 2 and "searchidx index" in err


def test_count_and_files(seeds_dir: str) -> None:
    assert run(["--index", seeds_dir, "-c", "idlib"])[1] == "5\n"
    code, out, _ = run(["--index", seeds_dir, "-l", "sochi"])
    assert code == 0 and out.strip().endswith("002_c34a645ecb9f0efb.txt")


def test_colour_policy(seeds_dir: str) -> None:
    assert "\x1b[1;31m" in run(["--index", seeds_dir, "--color", "always", "idlib"])[1]
    assert "\x1b[" not in run(["--index", seeds_dir, "--color", "never", "idlib"])[1]


def test_escape_sequences_in_articles_are_neutralised(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text("Evil \x1b]0;owned\x07 title\n\nBody \x1b[31mred\x1b[0m text.\n")
    Index.build(tmp_path / "ix", [tmp_path / "evil.txt"]).close()
    _, out, _ = run(["--index", str(tmp_path / "ix"), "--color", "never", "body"])
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out


def test_bundled_seeds_are_indexed_on_first_search(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SEARCHIDX_INDEX"}
    proc = subprocess.run([*SEARCH, "ceasefire"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "building one from the bundled seed articles" in proc.stderr
    assert (tmp_path / "index").is_dir()
    again = subprocess.run([*SEARCH, "ceasefire"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "bundled" not in again.stderr and again.stdout == proc.stdout


def test_search_path_imports_neither_textual_nor_nltk(seeds_dir: str) -> None:
    # Nor the tagger's CRF library: a search with facets and filters reads entities.json; nor
    # what only indexing runs use (where segment writers run, Dask).
    probe = (
        "import sys\n"
        "from searchidx.cli import search_main\n"
        f"sys.argv = ['search', '--index', {seeds_dir!r}, '--facets', 'ceasefire talks person:putin']\n"
        "try:\n    search_main()\nexcept SystemExit:\n    pass\n"
        "loaded = ('textual', 'nltk', 'rich', 'pycrfsuite', 'searchidx.executors', 'distributed')\n"
        "print(sorted(m for m in loaded if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("[]"), proc.stderr


def test_a_plain_search_of_few_postings_does_not_load_numpy(seeds_dir: str) -> None:
    """Loading NumPy costs ~80 ms: scoring in arrays waits for a query of many postings."""
    probe = (
        "import sys\n"
        "from searchidx.cli import search_main\n"
        f"sys.argv = ['search', '--index', {seeds_dir!r}, 'ceasefire talks']\n"
        "try:\n    search_main()\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("False"), proc.stderr


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    # Far more output than a pipe buffers (64 KB), so the write really fails once head exits:
    # 400 different articles (identical ones would fold into one hit and a few KB of output).
    rng = random.Random(15)
    words = [f"{a}{b}{c}" for a in "bcdfgklmnprstvz" for b in "aeiou" for c in "dkmnrstx"]
    feed = tmp_path / "many.jsonl"
    feed.write_text(
        "\n".join(
            json.dumps(
                {"id": f"d{i}", "title": f"Oil {i}", "text": " ".join(["oil", *rng.choices(words, k=200)])}
            )
            for i in range(400)
        )
    )
    Index.build(tmp_path / "ix", [feed], entities=False, workers=1).close()
    command = " ".join(repr(a) for a in SEARCH) + f" --index {tmp_path / 'ix'} -n 400 --json oil"
    whole = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    assert len(whole.stdout) > 2 * 65536  # more than a pipe buffers (64 KB by default)
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -c 10"], capture_output=True, text=True
    )
    assert proc.stdout == '{"type": "'[:10]
    assert proc.stderr == "" and proc.returncode == 0, (proc.returncode, proc.stderr)


def test_index_command_reports_and_exits_2_on_skipped_file(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Good headline\n\nGood body.")
    (corpus / "bad.txt").write_bytes(b"\x00\x01")
    runner = CliRunner()
    result = runner.invoke(main, ["index", "--index", str(tmp_path / "ix"), str(corpus)])
    assert result.exit_code == 2
    assert "1 added" in result.stdout
    assert "bad.txt: binary file" in result.stderr
    again = runner.invoke(main, ["index", "--index", str(tmp_path / "ix"), "--json"])
    data = json.loads(again.stdout)["data"]
    assert data["unchanged"] == 1 and data["errors"] == 1


def test_stats_json(seeds_dir: str) -> None:
    result = CliRunner().invoke(main, ["stats", "--index", seeds_dir, "--json"])
    data = json.loads(result.stdout)["data"]
    assert result.exit_code == 0 and data["documents"] == 5
    assert data["first_date"] == "2018-09-17T00:00:00Z"


def test_every_command_has_help() -> None:
    for name, command in main.commands.items():
        assert command.help, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_rebuild_without_paths_uses_recorded_roots_across_versions(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Alpha headline\n\nAlpha body.")
    ix = tmp_path / "ix"
    runner = CliRunner()
    assert runner.invoke(main, ["index", "--index", str(ix), str(corpus)]).exit_code == 0
    meta = json.loads((ix / "searchidx.json").read_text())
    meta["schema_version"] = "0"
    (ix / "searchidx.json").write_text(json.dumps(meta))
    stale = runner.invoke(search_command, ["--index", str(ix), "alpha"])
    assert stale.exit_code == 2 and "searchidx index --rebuild" in stale.stderr
    rebuilt = runner.invoke(main, ["index", "--index", str(ix), "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(search_command, ["--index", str(ix), "alpha"]).exit_code == 0


def test_tests_never_import_benchmarks() -> None:
    import ast

    for path in Path(__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "bench" or n.startswith("bench.") for n in names), path.name
