"""Run one function over many items in worker processes, results in order.

Workers are forked, so they start with everything the build has computed so far (the config, the
site model, the compiled templates); only the item indices go to them and only the results come
back. Small jobs stay in this process: starting workers costs more than it saves."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import site_builder.reuse.entries  # noqa: F401 - registers how the model's mappings cross processes
from site_builder import memo

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_WORKER = 128
"""Below this many items per worker, a job runs in this process."""
CHUNKS_PER_WORKER = 8
"""Items go to workers in this many chunks each, so that a slow chunk does not leave a core idle."""

_work: tuple[Callable[..., object], Sequence[object]] | None = None
"""The job being run, inherited by the forked workers (set only while `map_in_workers` runs)."""
_before_fork: list[Callable[[], None]] = []


def before_fork(callback: Callable[[], None]) -> None:
    """Call `callback` before workers are forked: it lets a thread of this process finish (a fork
    copies the locks a running thread holds, which the workers could then wait on forever)."""
    _before_fork.append(callback)


def forget_before_fork(callback: Callable[[], None]) -> None:
    if callback in _before_fork:
        _before_fork.remove(callback)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_in_workers(function: Callable[[T], R], items: Sequence[T], jobs: int,
                   meanwhile: Callable[[], None] | None = None) -> list[R]:
    """`[function(item) for item in items]`, computed by up to `jobs` forked processes; `meanwhile`
    is called once, while they work (or first, when the job runs in this process).

    An exception raised by `function` or `meanwhile` is raised here, as in the serial loop."""
    return list(iterate_in_workers(function, items, jobs, meanwhile))


def iterate_in_workers(function: Callable[[T], R], items: Sequence[T], jobs: int,
                       meanwhile: Callable[[], None] | None = None) -> Iterator[R]:
    """`map_in_workers`, each result given as soon as its chunk is done: what this process does with
    the first results is done while the workers make the next ones (iterate to the end)."""
    global _work
    import multiprocessing  # (with concurrent.futures: not imported by a build that starts no worker)
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, len(items) // MIN_ITEMS_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        yield from (function(item) for item in items)
        return
    size = -(-len(items) // (workers * CHUNKS_PER_WORKER))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    log.debug("%d items in %d chunks on %d workers", len(items), len(bounds), workers)
    for callback in list(_before_fork):
        callback()
    release_free_memory()
    _work = (function, items)
    # Frozen objects are left alone by the workers' collector: fewer copied pages, less memory.
    # (A build freezes what it has loaded already; only freeze, and thaw, if nothing is.)
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = pool.map(_run_chunk, bounds)  # every chunk handed out, the workers forked
            if meanwhile is not None:
                meanwhile()
            for part in parts:
                yield from part
    finally:
        _work = None
        if freezing:
            gc.unfreeze()


def release_free_memory() -> None:
    """Give the memory this process has freed back to the system (glibc keeps it otherwise), so that
    the workers about to be forked do not each count it as theirs: 10,000 parsed articles' cache
    entries and pickles, freed by now, would otherwise weigh on every worker's resident size."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _work is not None, "worker started without a job"
    memo.in_worker()
    function, items = _work
    return [function(items[index]) for index in range(*bounds)]
