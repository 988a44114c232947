"""What the command line prints of a build's problems, first things first, and its progress on a
terminal. Words only: the commands in `cli` decide when to print them."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from site_builder.errors import ERROR, HELD_BACK, NOTE, SERIOUS, WARNING, Kind, Problem

WARNINGS_SHOWN = 20
"""A build prints this many warnings at most beyond the serious ones (an archive without
translations would print thousands): `check` lists them all."""


def plural(number: int, word: str) -> str:
    """`1 error`, `2 errors`, `1,200 warnings`."""
    return f"{number:,} {word}{'s' if number != 1 else ''}"


def by_kind(problems: Iterable[Problem]) -> str:
    """`3 dead links, 1 file not read as an article` (most first, then by name)."""
    counts = Counter(p.kind for p in problems)
    return ", ".join(kind.counted(n) for kind, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def build_lines(warnings: Sequence[Problem], notes: Sequence[Problem]) -> list[str]:
    """What a build prints before its summary: `warning_lines`, with what it held back after the
    serious warnings, then the count of its other notes."""
    return [*warning_lines(warnings, held_back_lines(notes)), *notes_line(notes)]


def warning_lines(warnings: Sequence[Problem], serious_too: Sequence[str] = (),
                  shown: int = WARNINGS_SHOWN) -> list[str]:
    """A build's warnings as it prints them: their count by kind, every serious one (dead links,
    files not read), the `serious_too` lines, then the others up to `shown`, and how many more
    `check` lists."""
    serious = [w for w in warnings if w.kind in SERIOUS]
    others = [w for w in warnings if w.kind not in SERIOUS]
    lines = [f"{plural(len(warnings), 'warning')}: {by_kind(warnings)}."] if warnings else []
    lines += [str(w) for w in serious] + list(serious_too) + [str(w) for w in others[:shown]]
    if len(others) > shown:
        more = len(others) - shown
        lines.append(f"… and {plural(more, 'more warning')}: `site-builder check` lists them all.")
    return lines


def held_back_lines(notes: Sequence[Problem]) -> list[str]:
    """What a build left out on purpose: how many drafts and future articles, each future one by
    name with its date (a typo in a year hides an article until then)."""
    held = [n for n in notes if n.kind in HELD_BACK]
    if not held:
        return []
    drafts = sum(1 for n in held if n.kind == Kind.DRAFT)
    future = [n for n in held if n.kind == Kind.FUTURE]
    parts = [f"{plural(drafts, 'draft')} (`--drafts` builds {'it' if drafts == 1 else 'them'})"] if drafts else []
    if future:
        parts.append(f"{Kind.FUTURE.counted(len(future))} (`--future` builds {'it' if len(future) == 1 else 'them'})")
    return [f"Held back: {', '.join(parts)}{':' if future else '.'}", *(str(n) for n in future)]


def notes_line(notes: Sequence[Problem]) -> list[str]:
    """The notes a build does not print (no summary…), counted, and where to read them."""
    other = [n for n in notes if n.kind not in HELD_BACK]
    if not other:
        return []
    them = "it" if len(other) == 1 else "them"
    return [f"{plural(len(other), 'note')} ({by_kind(other)}): `site-builder check --notes` lists {them}."]


def count_line(problems: Sequence[Problem], notes_shown: bool) -> str:
    """`check`'s last line: `2 errors, 1 warning.`, with the notes (listed or not), or `No problems found.`"""
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = sum(1 for p in problems if p.severity == WARNING)
    notes = sum(1 for p in problems if p.severity == NOTE)
    if notes_shown:
        counted = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}, {plural(notes, 'note')}."
    else:
        counted = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}."
        if notes:
            counted = f"{counted[:-1]}; {plural(notes, 'note')} (`--notes` lists {'it' if notes == 1 else 'them'})."
    return "No problems found." if errors == warnings == notes == 0 else counted


class TerminalProgress:
    """A build's progress on one line of a terminal (stage and count), rewritten in place at most
    ten times a second, and cleared at the end: nothing of it stays in the terminal's text."""

    INTERVAL = 0.1

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.clock = clock
        self.shown = ""
        self.last = float("-inf")

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Show `stage` (and `done` of `total`, when counted); the last of a stage always shows."""
        now = self.clock()
        if done < total and now - self.last < self.INTERVAL and self.shown.startswith(stage):
            return
        self.last = now
        self.show(f"{stage} {done:,}/{total:,}…" if total else f"{stage}…")

    def show(self, text: str) -> None:
        self.stream.write("\r" + text + " " * max(0, len(self.shown) - len(text)))
        self.stream.flush()
        self.shown = text

    def clear(self) -> None:
        """Erase the line, before anything else is printed."""
        if self.shown:
            self.stream.write("\r" + " " * len(self.shown) + "\r")
            self.stream.flush()
            self.shown = ""
