"""Set-up shared by every indexing worker process: die with the parent, never hold its lock.

A worker that outlived a killed indexer would keep an inherited copy of the
write lock's descriptor (``flock`` locks belong to the open file, shared
across ``fork``) and block the next run for good. So each worker closes the
descriptors of locks the parent holds, asks Linux to kill it when the parent
dies (``PR_SET_PDEATHSIG``), and, everywhere, watches its parent id.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
import threading
import time

from . import analysis
from .storage import held_locks

__all__ = ["preload_for_workers", "start_indexing_worker", "start_worker", "thaw"]

_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the watcher below still ends us
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="searchidx-parent-watch", daemon=True).start()


def start_worker(parent: int, lean: bool) -> None:
    """Initialise a worker process (``ProcessPoolExecutor(initializer=...)``).

    Args:
        parent: The indexer's process id (``os.getpid()`` when the pool was made).
        lean: Import NLTK without NumPy/SciPy, as the parent does.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for fd in list(held_locks):
        with contextlib.suppress(OSError):
            os.close(fd)
    held_locks.clear()
    _die_with(parent)
    analysis.lean_nltk_import(lean)


def preload_for_workers() -> bool:
    """Load the entity model before forking workers (they inherit it), out of this process's collections.

    The model is objects that live as long as the run: every full collection of the parent
    walked them, beside the workers (its full collections took 0.10-0.12 s of CPU on all
    Reuters, 0.02 s frozen; all its collections 0.17-0.20 s, 0.10-0.12 s frozen).
    Nothing is frozen when the host froze objects itself (its choice stays).

    Returns:
        Whether the collector's objects were frozen here: then :func:`thaw` them after the run.
    """
    from .entities.tagger import preload

    preload()
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def thaw(frozen: bool) -> None:
    """Give back to the collector what :func:`preload_for_workers` froze (``frozen``: what it returned)."""
    if frozen:
        gc.unfreeze()


def start_indexing_worker(parent: int, lean: bool, entities: bool) -> None:
    """Set up a local indexing worker (the segment writers' processes, ``update``'s entity pool).

    :func:`start_worker`, then the entity model is loaded, when entities are
    extracted. The parent loads it before starting the workers
    (:func:`preload_for_workers`), so a forked worker inherits it
    loaded and only another start method loads it here.
    """
    start_worker(parent, lean)
    if entities:
        from .entities.tagger import preload

        preload()
    # What the worker holds now (the model, the name lists, modules) lives as long as it does:
    # out of the collector's sight, collections walk only what the run allocates and do not
    # touch (so copy) the pages shared with the parent. A run makes few reference cycles, so
    # collections can be rarer: on Reuters with entities a worker's collections took 1.1 s of
    # its 25 s CPU (2,100 of them), now 0.4 s (140), the same peak memory.
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)
