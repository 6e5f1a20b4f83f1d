from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from whoosh.index import open_dir

from searchidx import Index, IndexLocked, IndexNotFound, IndexVersionError, SearchidxError, SourceNotFound
from searchidx.index import META_FILE, resolve_index_path

from .conftest import write_corpus


def ids(index: Index) -> set[str]:
    return {h.id for h in index.search("date:1900..", limit=100, highlight=False).hits} | {
        h.id for h in index.search("-zzzzzz", limit=100, highlight=False).hits
    }


def test_build_counts_and_stats(built: Index) -> None:
    report = built.last_report
    assert report is not None
    assert (report.added, report.updated, report.removed, report.skipped) == (5, 0, 0, 0)
    stats = built.stats()
    assert stats.documents == 5
    assert stats.first_date is not None and stats.first_date.year == 2020
    assert stats.undated == 1
    assert stats.versions["schema_version"] and stats.versions["analyzer_version"]
    assert ids(built) == {"world/peace.txt", "world/markets.txt", "tech/chips.txt", "r1", "r2"}


def test_update_is_incremental(built: Index, corpus: Path) -> None:
    assert built.update([corpus]).summary().startswith("0 added, 0 updated, 0 removed, 5 unchanged")
    (corpus / "world" / "peace.txt").write_text("Peace talks collapse\n\nNo deal in Geneva.")
    (corpus / "tech" / "chips.txt").unlink()
    (corpus / "new.txt").write_text("Fresh headline\n\nSomething new happened.")
    feed = corpus / "feed.jsonl"
    feed.write_text(feed.read_text().splitlines()[0] + "\n")  # r2 removed from the feed
    report = built.update([corpus])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 2, 2)
    assert built.search("collapse").total == 1
    assert built.search("semiconductor").total == 0
    assert ids(built) == {"world/peace.txt", "world/markets.txt", "r1", "new.txt"}


def test_unreadable_file_keeps_its_indexed_version(built: Index, corpus: Path) -> None:
    (corpus / "world" / "peace.txt").write_bytes(b"\x00binary now")
    report = built.update([corpus])
    assert report.skipped == 1 and report.removed == 0
    assert built.search("geneva").total == 1


def test_bad_jsonl_line_does_not_stop_the_run(tmp_path: Path) -> None:
    feed = tmp_path / "f.jsonl"
    feed.write_text('{"id": "ok", "text": "fine words"}\n{broken\n')
    with Index.build(tmp_path / "ix", [feed]) as index:
        report = index.last_report
        assert report is not None and report.added == 1 and report.skipped == 1
        assert report.problems[0].line == 2


def test_open_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="searchidx index"):
        Index.open(tmp_path / "nothing")


def test_a_missing_source_is_its_own_error_and_indexes_nothing(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="no such file or directory; nothing was indexed"):
        Index.build(tmp_path / "ix", [tmp_path / "not-there"], entities=False)
    assert not (tmp_path / "ix" / META_FILE).exists()


def test_version_mismatch_asks_for_rebuild(built: Index) -> None:
    meta_path = built.path / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["analyzer_version"] = "0"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="searchidx index --rebuild"):
        Index.open(built.path)


def test_rebuild_replaces_atomically(built: Index, corpus: Path) -> None:
    (corpus / "world" / "markets.txt").unlink()
    with Index.build(built.path, [corpus], rebuild=True) as fresh:
        assert fresh.stats().documents == 4
        assert fresh.last_report is not None and fresh.last_report.added == 4
    assert not list(built.path.parent.glob(".ix.*"))


def test_create_refuses_a_non_index_directory(tmp_path: Path) -> None:
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "keep.txt").write_text("precious")
    with pytest.raises(SearchidxError, match="not a searchidx index"):
        Index.create(tmp_path / "stuff")
    assert (tmp_path / "stuff" / "keep.txt").read_text() == "precious"


def test_second_writer_times_out_with_clear_error(built: Index, corpus: Path) -> None:
    writer = open_dir(str(built.path)).writer()  # hold the lock as another process would
    try:
        with pytest.raises(IndexLocked, match="another process"):
            built.update([corpus], lock_timeout=0.2)
    finally:
        writer.cancel()
    assert built.update([corpus]).unchanged == 5


def test_searches_see_new_commits(built: Index, corpus: Path) -> None:
    assert built.search("volcano").total == 0
    (corpus / "v.txt").write_text("Volcano erupts\n\nAsh everywhere.")
    done = threading.Event()

    def writer() -> None:
        with Index.open(built.path) as other:
            other.update([corpus])
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    assert done.is_set()
    assert built.search("volcano").total == 1


def test_resolve_index_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEARCHIDX_INDEX", raising=False)
    assert resolve_index_path(None) == (Path("index"), False)
    monkeypatch.setenv("SEARCHIDX_INDEX", str(tmp_path))
    assert resolve_index_path(None) == (tmp_path, True)
    assert resolve_index_path("x") == (Path("x"), True)


def test_duplicate_ids_reported(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    (corpus / "dup.jsonl").write_text('{"id": "r1", "text": "again"}\n')
    with Index.build(tmp_path / "ix", [corpus]) as index:
        report = index.last_report
        assert report is not None
        assert any("duplicate id 'r1'" in p.reason for p in report.problems)
        assert index.stats().documents == 5


def test_should_stop_abandons_a_run_with_nothing_committed(built: Index, corpus: Path) -> None:
    from searchidx import IndexingInterrupted

    (corpus / "late.txt").write_text("Late headline\n\nArrived after the first build.")
    calls = iter(range(10**6))
    with pytest.raises(IndexingInterrupted, match="nothing from this run was committed"):
        built.update([corpus], should_stop=lambda: next(calls) >= 3, workers=2)
    assert built.search("late").total == 0
    assert built.update([corpus]).added == 1


def _feed(path: Path, count: int) -> Path:
    words = ["ceasefire", "tariff", "harvest", "election", "pipeline", "merger"]
    rows = [
        json.dumps(
            {
                "id": f"a{i}",
                "title": f"{words[i % 6].title()} report {i}",
                "date": f"2020-0{1 + i % 9}-1{i % 10}",
                "text": f"The {words[i % 6]} story number {i} mentions {words[(i * 5) % 6]} twice: "
                f"{words[(i * 5) % 6]}. Zyxwordunique{i % 7} appears once.",
            }
        )
        for i in range(count)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_parallel_segments_match_serial_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchidx import analysis, segments

    feed = _feed(tmp_path / "feed.jsonl", 120)
    one = Index.build(tmp_path / "one", [feed], workers=1, entities=False)
    monkeypatch.setattr(segments, "PARALLEL_MIN", 10)
    monkeypatch.setattr("searchidx.update.PARALLEL_MIN", 10)
    monkeypatch.setattr("searchidx.update.BATCH", 25)  # streamed to the same 2 workers in 5 batches
    seen: list[tuple[int, int]] = []
    analysis._MEMO.pop("zyxworduniqu", None)  # must come back from a worker's stems
    two = Index.build(
        tmp_path / "two", [feed], workers=2, entities=False, progress=lambda d, t: seen.append((d, t))
    )
    assert len(list((tmp_path / "two").glob("*.seg"))) == 2
    assert seen and seen[-1] == (feed.stat().st_size, feed.stat().st_size)  # bytes read, to read
    for query in ("ceasefire", '"tariff story"', "merger date:2020-03", "zyxwordunique3", "report -harvest"):
        first, second = one.search(query, limit=200), two.search(query, limit=200)
        assert first.total == second.total > 0
        # Same documents with the same scores (ties may come in another docnum order).
        ranked = [sorted((-round(h.score, 6), h.id) for h in r.hits) for r in (first, second)]
        assert ranked[0] == ranked[1]
    stems = json.loads((tmp_path / "two" / "stems.json").read_text())
    assert "zyxwordunique3" in stems
    # A later incremental run replaces articles living in the worker segments.
    feed.write_text(feed.read_text().replace("story number 7 ", "story number seven "))
    report = two.update([feed], workers=2)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 119)
    assert two.search("seven").total == 1 and two.stats().documents == 120


def test_parallel_segments_interrupted_commit_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchidx import IndexingInterrupted, segments

    monkeypatch.setattr(segments, "PARALLEL_MIN", 10)
    monkeypatch.setattr("searchidx.update.PARALLEL_MIN", 10)
    monkeypatch.setattr(segments, "POLL_SECONDS", 0.01)
    small = _feed(tmp_path / "small.jsonl", 3)
    index = Index.build(tmp_path / "ix", [small], workers=1, entities=False)
    big = _feed(tmp_path / "big.jsonl", 3000)
    big.write_text(big.read_text().replace('"id": "a', '"id": "b'))
    polls = iter(range(10**6))
    with pytest.raises(IndexingInterrupted):
        index.update([big], workers=2, should_stop=lambda: next(polls) >= 5)
    assert index.stats().documents == 3
    assert index.update([small], workers=2).unchanged == 3
    assert len(list((tmp_path / "ix").glob("*.seg"))) == 1  # abandoned worker segments cleaned up


def test_an_open_index_sees_replacements_in_a_large_segment(tmp_path: Path) -> None:
    # Whoosh's Searcher.refresh() reused the old segment's reader (same segment id), so the
    # replaced version stayed visible: 301 documents instead of 300.
    feed = _feed(tmp_path / "feed.jsonl", 300)
    index = Index.build(tmp_path / "ix", [feed], workers=1, entities=False)
    assert index.search("story").total == 300
    feed.write_text(feed.read_text().replace("story number 7 ", "story number seven "))
    assert index.update([feed]).updated == 1
    assert index.stats().documents == 300 and index.search("story").total == 300
    assert [h.id for h in index.search("seven").hits] == ["a7"]
