"""The process's memory: every memo the package keeps is declared through this module where it is
defined (`memoized` for a function, `remembered` for a container), so that `forget` clears them
all, by construction rather than by a list kept by hand. `tests/test_memo.py` fails on a memo
declared any other way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Clearable(Protocol):
    def clear(self) -> None: ...

    def __len__(self) -> int: ...


C = TypeVar("C", bound=Clearable)

_REGISTRY: dict[str, tuple[Callable[[], None], Callable[[], int]]] = {}
"""Name of each memo → (what clears it, how many entries it holds)."""
_IN_WORKER = False
"""True in a worker process (see `in_worker`)."""


def memoized(maxsize: int | None = 128, in_workers: bool = True) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)`, registered: `forget` clears it.

    Without `in_workers`, a worker process (which makes its share of one build, then exits) calls
    the function without the memo: for memos that pay off only from one build to the next of a
    long-lived process (the preview's), such as the views of pages, each made once per build. A
    worker that kept them would hold every page view it made until the end (some 20 KB per
    article page)."""
    def wrap(function: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _REGISTRY[f"{function.__module__}.{function.__qualname__}"] = (cached.cache_clear,
                                                                        lambda: cached.cache_info().currsize)
        if in_workers:
            return cached  # type: ignore[return-value]

        @functools.wraps(function)
        def call(*args: Any) -> Any:
            return function(*args) if _IN_WORKER else cached(*args)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return wrap


def in_worker() -> None:
    """Say that this process is a worker (`reuse.workers`): the memos declared without `in_workers`
    are not kept from here on."""
    global _IN_WORKER
    _IN_WORKER = True


def remembered(name: str, container: C) -> C:
    """A module-level container that remembers across builds (a dict, or an object with `clear`
    and `len`), registered under `name`: `forget` clears it."""
    _REGISTRY[name] = (container.clear, container.__len__)
    return container


def forget() -> None:
    """Forget what earlier builds of this process computed, and let it go: the next build reads the
    cache, as a new process would."""
    for clear, _ in _REGISTRY.values():
        clear()


def sizes() -> dict[str, int]:
    """How many entries each registered memo holds now."""
    return {name: size() for name, (_, size) in _REGISTRY.items()}


def clear(function: Callable[..., Any]) -> None:
    """Clear the memo of one function declared with `memoized`."""
    function.cache_clear()  # type: ignore[attr-defined]
