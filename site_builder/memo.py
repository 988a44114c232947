"""Memoization for the pure functions that a rebuild calls again with (mostly) the same records."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

R = TypeVar("R")


def same_as_last_time(function: Callable[..., R]) -> Callable[..., R]:
    """Return the last result again when the arguments are equal to the last call's.

    Unlike `lru_cache`, nothing is hashed: the arguments are compared, and records that were
    memoized upstream compare by identity at once (the sitemap's tens of thousands of pages)."""
    last: list[tuple[tuple[object, ...], R]] = []

    @wraps(function)
    def remembered(*args: object) -> R:
        if last and last[0][0] == args:
            return last[0][1]
        result = function(*args)
        last[:] = [(args, result)]
        return result

    return remembered
