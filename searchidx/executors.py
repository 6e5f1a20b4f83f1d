"""Where new segments are written: local worker processes, or the workers of a Dask cluster.

A run's segment writers (:class:`searchidx.segments.SegmentPool`) each keep one
Whoosh segment open in one process across many batches, so they are given
*slots*: one ``concurrent.futures.Executor`` per segment, whose tasks all run in
the same process. :class:`LocalSlots` (the default) is one
``ProcessPoolExecutor`` of one process per slot, forked after the entity model is
loaded; :class:`DaskSlots` is ``Client.get_executor(workers=[address])`` for each
worker of a Dask cluster (``searchidx index --dask tcp://HOST:8786``), whose
processes write their segments into the index directory on storage they share
with the parent, which holds the lock and commits once.

``distributed`` is an optional extra (``pip install "searchidx[dask]"``),
imported only by :func:`connect`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from . import analysis
from .errors import ClusterError, IndexingInterrupted
from .workers import preload_for_workers, start_indexing_worker, thaw

__all__ = ["DaskCluster", "DaskSlots", "LocalSlots", "Slots", "connect"]

#: Seconds to reach a Dask scheduler before saying it cannot be reached.
CONNECT_SECONDS = 10.0
#: Seconds between two looks at which Dask workers are still connected.
LOOK_SECONDS = 1.0
INSTALL_HINT = 'pip install "searchidx[dask]"'


class Slots:
    """One executor per new segment, each running all its tasks in one process."""

    executors: Sequence[Executor] = ()
    #: The processes are not this one's children: an abandoned run asks them to drop their segments.
    remote = False

    def name(self, slot: int) -> str:
        """Who runs ``slot``'s tasks, for messages."""
        return f"worker {slot + 1}"

    def lost(self) -> BaseException | None:
        """The error to raise when a slot's process is gone (checked while waiting), else None."""
        return None

    def failure(self, slot: int, exc: BaseException) -> BaseException:
        """The error to raise for a task of ``slot`` that failed with ``exc``."""
        return exc

    def lost_segment(self, slot: int) -> BaseException:
        """The error for a slot whose segment misses articles it was sent (its process restarted)."""
        return IndexingInterrupted()

    def alive(self) -> list[bool]:
        """Whether each slot's process can still take a task (a lost worker's would wait forever)."""
        return [True] * len(self.executors)

    def close(self, *, abandon: bool) -> None:
        """Release the executors; with ``abandon``, stop what they run."""


class LocalSlots(Slots):
    """Local worker processes (the default): one single-process ``ProcessPoolExecutor`` per slot.

    The entity model is loaded here first, so forked workers inherit it; each
    worker dies with this process and drops its inherited lock descriptors
    (:func:`~searchidx.workers.start_indexing_worker`).
    """

    def __init__(self, count: int, *, entities: bool) -> None:
        # once here, not in every worker: a forked worker inherits the model
        self.frozen = preload_for_workers() if entities else False
        init = (os.getpid(), analysis.lean_nltk_import_enabled(), entities)
        self.executors = [
            ProcessPoolExecutor(max_workers=1, initializer=start_indexing_worker, initargs=init)
            for _ in range(count)
        ]

    def name(self, slot: int) -> str:
        """``worker process N``."""
        return f"worker process {slot + 1}"

    def failure(self, slot: int, exc: BaseException) -> BaseException:
        """A worker killed (the OOM killer, say) stops the run with nothing committed, as Ctrl-C does."""
        return IndexingInterrupted() if isinstance(exc, BrokenProcessPool) else exc

    def close(self, *, abandon: bool) -> None:
        """Shut the pools down; with ``abandon``, kill the workers first."""
        found: list[Any] = []
        if abandon:
            # No public way to stop a running task before 3.14 (kill_workers()): an abandoned
            # run's workers are killed, so none writes on once the parent removes their files.
            # All of them before any shutdown: a worker forked later holds a copy of the other
            # pools' pipes, and a batch still being sent into one would block its shutdown.
            for executor in self.executors:
                found += list((getattr(executor, "_processes", None) or {}).values())
                queue = getattr(executor, "_call_queue", None)
                if queue is not None:
                    queue.cancel_join_thread()  # batches nobody will read must not block
            for proc in found:
                proc.kill()
        for executor in self.executors:
            executor.shutdown(wait=True, cancel_futures=True)
        for proc in found:
            proc.join()
        thaw(self.frozen)
        self.frozen = False


class DaskCluster:
    """A connection to a Dask scheduler for one run (:func:`connect`); :meth:`close` it."""

    def __init__(self, address: str, client: Any) -> None:
        self.address = address
        self.client = client

    def slots(self) -> DaskSlots:
        """One slot per worker connected now (start workers with ``--nthreads 1``: the GIL)."""
        workers = sorted(self.client.nthreads())
        if not workers:
            raise ClusterError(
                f"the Dask scheduler at {self.address} has no workers: start some with "
                f"`dask worker {self.address}` and run again; nothing was committed"
            )
        return DaskSlots(self.client, workers, self.address)

    def close(self) -> None:
        """Disconnect (the cluster keeps running); a connection that fails to close is let go.

        It is called after the run committed or gave up: a socket error while saying goodbye
        to the scheduler changes neither, and must not replace the run's outcome or error.
        """
        with contextlib.suppress(OSError):
            self.client.close()


class DaskSlots(Slots):
    """One slot per Dask worker: its tasks are pinned to that worker (it keeps the open segment)."""

    remote = True

    def __init__(self, client: Any, workers: Sequence[str], address: str) -> None:
        self.client = client
        self.workers = list(workers)
        self.address = address
        self.executors = [
            client.get_executor(workers=[worker], allow_other_workers=False, pure=False) for worker in workers
        ]
        self.looked = time.monotonic()

    def name(self, slot: int) -> str:
        """``Dask worker ADDRESS``."""
        return f"Dask worker {self.workers[slot]}"

    def _lost(self, who: str) -> ClusterError:
        return ClusterError(
            f"{who} was lost mid-run: nothing from this run was committed (the index is at its "
            f"last commit); run again once the cluster at {self.address} is stable"
        )

    def lost(self) -> BaseException | None:
        """A :class:`ClusterError` once a slot's worker has left the scheduler (looked at every second)."""
        now = time.monotonic()
        if now - self.looked < LOOK_SECONDS:
            return None
        self.looked = now
        try:
            alive = set(self.client.nthreads())
        except OSError as exc:
            return ClusterError(
                f"lost the connection to the Dask scheduler at {self.address} ({exc}): nothing from "
                "this run was committed; check the scheduler and run again"
            )
        gone = [worker for worker in self.workers if worker not in alive]
        return self._lost(f"the Dask worker {gone[0]}") if gone else None

    def failure(self, slot: int, exc: BaseException) -> BaseException:
        """A task cancelled or killed with its worker is a lost worker; other errors stay as they are."""
        from concurrent.futures import CancelledError

        from distributed.scheduler import KilledWorker

        if isinstance(exc, KilledWorker | CancelledError):
            return self._lost(self.name(slot))
        return exc

    def lost_segment(self, slot: int) -> BaseException:
        """A worker restarted at the same address: its open segment went with the old process."""
        return self._lost(f"{self.name(slot)} restarted and")

    def alive(self) -> list[bool]:
        """Whether each slot's worker is still connected to the scheduler."""
        try:
            connected = set(self.client.nthreads())
        except OSError:
            connected = set()
        return [worker in connected for worker in self.workers]

    def close(self, *, abandon: bool) -> None:
        """Release the executors (the client is the cluster's); ``abandon`` cancels their tasks."""
        for executor in self.executors:
            executor.shutdown(wait=not abandon)


def connect(address: str, *, timeout: float | None = None) -> DaskCluster:
    """Connect to the Dask scheduler at ``address`` (``tcp://HOST:8786``) within ``timeout`` seconds.

    Raises:
        ClusterError: ``distributed`` is not installed, or the scheduler does not answer.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(f"--dask needs Dask's distributed package: {INSTALL_HINT}") from None
    try:
        seconds = CONNECT_SECONDS if timeout is None else timeout
        client = Client(address, timeout=seconds, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({reason}): start it with `dask scheduler` "
            "or give its address (tcp://HOST:8786); nothing was indexed"
        ) from None
    return DaskCluster(address, client)
