"""``searchidx index --dask``: segments written by the workers of a Dask cluster (a LocalCluster here).

One cluster of 2 worker processes serves the whole module (starting one costs a few seconds).
Small batches send a ~60-article corpus through the workers: the same search results as a
local build, and a worker killed mid-run leaves the index at its last commit, with no
uncommitted file left behind.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main

distributed = pytest.importorskip(
    "distributed", reason='the Dask extra is not installed: pip install "searchidx[dask]" (CI installs it)'
)
from dask.utils import key_split  # noqa: E402  (installed with distributed)

PEOPLE = ["Angela Merkel", "Vladimir Putin", "Recep Tayyip Erdogan", "Emmanuel Macron", "Joe Biden"]
PLACES = ["Berlin", "Moscow", "Ankara", "Paris", "Washington", "Idlib"]
ORGS = ["Reuters", "the United Nations", "NATO", "the European Union", "OPEC"]
TOPICS = ["ceasefire", "tariff", "harvest", "election", "pipeline", "merger", "oil price", "gold"]
QUERIES = ("ceasefire", "oil price", '"gold reserves"', "tariff -harvest", "merger date:2020-03", "talks")


def _corpus(path: Path, count: int, prefix: str = "a") -> Path:
    rows = []
    for i in range(count):
        person, place, org = PEOPLE[i % 5], PLACES[(i * 7) % 6], ORGS[(i * 3) % 5]
        topic, other = TOPICS[i % 8], TOPICS[(i * 5) % 8]
        text = (
            f"{place.upper()} -- {person} met officials of {org} in {place} on Tuesday to discuss the "
            f"{topic}, officials said. The {topic} talks, number {i}, also touched on {other} and "
            f"{other} again; {person} said the gold reserves of {place} were not at stake. "
            f"Analysts at {org} expect the {topic} to weigh on markets. Wordunique{i % 11} closes it."
        )
        record = {"id": f"{prefix}{i}", "title": f"{person} discusses {topic} in {place}", "text": text}
        record["date"] = f"2020-{1 + i % 9:02d}-{10 + i % 18}"
        rows.append(json.dumps(record))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    ) as local:
        yield local


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker segments for a few dozen articles, sent 20 at a time (10 per worker)."""
    monkeypatch.setattr("searchidx.update.PARALLEL_MIN", 10)
    monkeypatch.setattr("searchidx.update.BATCH", 20)


def _results(index: Index) -> dict[str, list[tuple[float, str, dict[str, tuple[str, ...]]]]]:
    found = {}
    for query in QUERIES:
        hits = index.search(query, limit=100).hits
        # Same documents, scores and entities (ties may come in another document order).
        found[query] = sorted((-round(h.score, 6), h.id, dict(h.entities)) for h in hits)
    return found


def _segments(where: Path) -> int:
    return len(list(where.glob("*.seg")))


def test_a_dask_build_finds_what_a_local_build_finds(
    cluster: Any, small_batches: None, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "news.jsonl", 60)
    local = Index.build(tmp_path / "local", [corpus], workers=2)
    with (
        distributed.Client(cluster.scheduler_address, set_as_default=False) as client,
        distributed.get_task_stream(client) as tasks,
    ):
        result = CliRunner().invoke(
            main,
            ["index", "--index", str(tmp_path / "dask"), "--dask", cluster.scheduler_address, str(corpus)],
            env={"SEARCHIDX_DEBUG": "1"},  # an internal error's traceback in the output (failed twice in CI)
        )
    assert result.exit_code == 0, result.output
    assert "60 added" in result.output
    ran = sorted(key_split(task["key"]) for task in tasks.data)
    assert ran == ["finish_segment"] * 2 + ["write_batch"] * 6  # 3 batches of 20, shared by 2 workers
    assert _segments(tmp_path / "local") == _segments(tmp_path / "dask") == 2  # one per worker
    with Index.open(tmp_path / "dask") as dask:
        expected = _results(local)
        assert all(expected.values()) and any(e for hits in expected.values() for *_, e in hits)
        assert _results(dask) == expected
        assert dask.stats().documents == 60
    # The run's vocabulary came back from the workers (suggestions and prefixes use it).
    stems = json.loads((tmp_path / "dask" / "stems.json").read_text(encoding="utf-8"))
    assert {"wordunique3", "ceasefire", "merkel"} <= set(stems)
    # An update through the cluster adds to the same index, and replaces through the parent.
    more = _corpus(tmp_path / "more.jsonl", 30, prefix="b")
    corpus.write_text(corpus.read_text().replace("number 7,", "number seven,"), encoding="utf-8")
    with Index.open(tmp_path / "dask") as dask:
        report = dask.update([corpus, more], dask=cluster.scheduler_address)
        assert (report.added, report.updated, report.unchanged) == (30, 1, 59)
        assert dask.stats().documents == 90 and dask.search("seven").total == 1
    local.close()


def _forget_open_segments() -> None:  # what a worker restarted at the same address has lost
    from searchidx import segments

    segments._OPEN.clear()


@pytest.mark.parametrize("how", ["killed", "restarted in place"])
def test_a_worker_lost_mid_run_leaves_the_last_commit(
    cluster: Any, small_batches: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from searchidx.errors import ClusterError
    from searchidx.segments import SegmentPool

    address = cluster.scheduler_address
    where = tmp_path / "ix"
    index = Index.build(where, [_corpus(tmp_path / "first.jsonl", 30)], entities=False, dask=address)
    before = _results(index)
    files = sorted(os.listdir(where))
    client = distributed.Client(address, set_as_default=False)
    victim, *_ = sorted(client.run(os.getpid).items())
    send = SegmentPool.send

    def send_then_lose(pool: SegmentPool, articles: Any) -> None:  # a worker holds its first batch
        send(pool, articles)
        if sum(pool.sent) == 20:
            if how == "killed":
                os.kill(victim[1], signal.SIGKILL)
            else:
                futures.wait(pool.pending[0])  # its open segment holds the first batch
                client.run(_forget_open_segments, workers=[pool.slots.workers[0]])

    monkeypatch.setattr(SegmentPool, "send", send_then_lose)
    big = _corpus(tmp_path / "big.jsonl", 200, prefix="b")
    with pytest.raises(ClusterError, match="was lost mid-run: nothing from this run was committed"):
        index.update([big], dask=address)
    assert sorted(os.listdir(where)) == files  # the uncommitted segment files are gone
    assert index.stats().documents == 30 and _results(index) == before
    monkeypatch.undo()
    client.wait_for_workers(2, timeout=30)  # the nanny restarted it: the next run works
    client.close()
    assert index.update([big], dask=address).added == 200
    assert index.stats().documents == 230
    index.close()


def test_a_connection_that_fails_to_close_leaves_the_run_committed(
    cluster: Any, small_batches: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saying goodbye to the scheduler after the commit cannot turn the run into an error."""
    original_init, original_close = distributed.Client.__init__, distributed.Client.close
    created: list[Any] = []  # the run's client (older clients may be collected meanwhile)
    failed: list[Any] = []

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        created.append(self)

    def failing_close(self: Any, *args: Any, **kwargs: Any) -> Any:
        original_close(self, *args, **kwargs)
        # Once, and not from a garbage-collected client's __del__ (it closes itself again).
        if any(self is c for c in created) and not failed and sys._getframe(1).f_code.co_name != "__del__":
            failed.append(self)
            raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(distributed.Client, "__init__", recording_init)
    monkeypatch.setattr(distributed.Client, "close", failing_close)
    corpus = _corpus(tmp_path / "news.jsonl", 30)
    result = CliRunner().invoke(
        main, ["index", "--index", str(tmp_path / "ix"), "--dask", cluster.scheduler_address, str(corpus)]
    )
    assert result.exit_code == 0, result.output
    assert "30 added" in result.output and failed
    with Index.open(tmp_path / "ix") as index:
        assert index.stats().documents == 30


def test_an_unreachable_scheduler_is_one_line_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("searchidx.executors.CONNECT_SECONDS", 0.5)
    corpus = _corpus(tmp_path / "news.jsonl", 5)
    Index.build(tmp_path / "ix", [corpus], workers=1, entities=False).close()
    files = sorted(os.listdir(tmp_path / "ix"))
    more = _corpus(tmp_path / "more.jsonl", 5, prefix="b")
    result = CliRunner().invoke(
        main, ["index", "--index", str(tmp_path / "ix"), "--dask", "tcp://127.0.0.1:9", str(more)]
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0]
    assert "dask scheduler" in lines[0]
    assert sorted(os.listdir(tmp_path / "ix")) == files
    with Index.open(tmp_path / "ix") as index:
        assert index.stats().documents == 5
    # A new index is not left half-made either.
    result = CliRunner().invoke(
        main, ["index", "--index", str(tmp_path / "new"), "--dask", "tcp://127.0.0.1:9", str(more)]
    )
    assert result.exit_code == 2 and not (tmp_path / "new").exists()


def test_without_the_extra_the_option_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    corpus = _corpus(tmp_path / "news.jsonl", 5)
    result = CliRunner().invoke(
        main, ["index", "--index", str(tmp_path / "ix"), "--dask", "tcp://127.0.0.1:8786", str(corpus)]
    )
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == 'searchidx: --dask needs Dask\'s distributed package: pip install "searchidx[dask]"'
    )
    assert not (tmp_path / "ix").exists()
