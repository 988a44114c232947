"""Every error the builder reports, and how it is worded: `path:line: message`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """How bad a problem is: an `error` stops the build; a `warning` is reported (and fails only
    under --strict); a `note` is for the editor who asks (`check --notes`: an article without a
    summary, one held back), never fails anything. A text too, so that it reads and compares as
    the words it is."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


ERROR, WARNING, NOTE = Severity.ERROR, Severity.WARNING, Severity.NOTE


class Kind(StrEnum):
    """What a problem is about, for counting them by kind and putting the serious ones first
    (`build` prints every `SERIOUS` warning, then the others up to a limit)."""

    OTHER = "problem of another kind"
    DEAD_LINK = "dead link"
    NOT_AN_ARTICLE = "file not read as an article"
    NOT_COPIED = "file not copied"
    NO_TRANSLATION = "article without translation"
    UNREGISTERED_TAG = "tag not in tags.toml"
    STALE = "translation that may be stale"
    NO_SUMMARY = "article without summary"
    DRAFT = "draft held back"
    FUTURE = "article dated in the future"

    def counted(self, number: int) -> str:
        """`3 dead links`, `1 file not read as an article`."""
        if number == 1:
            return f"1 {self.value}"
        first, _, rest = self.value.partition(" ")
        plural = {"dead link": "dead links"}.get(self.value) or f"{first}s {rest}"
        return f"{number:,} {plural.rstrip()}"


SERIOUS = frozenset({Kind.DEAD_LINK, Kind.NOT_AN_ARTICLE})
"""Warnings a build always prints whole: a reader meets a dead link, and a file not read is an
article missing from the site."""
HELD_BACK = frozenset({Kind.DRAFT, Kind.FUTURE})


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    """Path of the offending file, relative to the project when possible."""
    line: int | None
    message: str
    severity: Severity = ERROR
    kind: Kind = Kind.OTHER

    def __str__(self) -> str:
        """`path:line: message`, always one line that shows every character it holds (see `shown`)."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "" if self.severity == ERROR else f"{self.severity}: "
        return shown(f"{where}: {prefix}{self.message}")


UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
"""What a message never prints as it is: control characters (C0, DEL, C1: a newline would split a
`path:line: message`, an escape sequence clear the screen or set the terminal's title), line
separators, the bidirectional embeddings, overrides and isolates (they reorder what the reader
sees), and surrogates (a file name's bytes that are not UTF-8, as the OS gives them to Python)."""
NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def shown(text: str) -> str:
    """`text` as a message shows it: each character of `UNSEEN` as an escape (`\\n`, `\\x1b`,
    `\\u202e`; a file name's byte that is not UTF-8 as that byte, `\\xe9`). File names reach messages
    as they are on disk, written by anyone: this is where they are made harmless to print."""
    if text.isprintable():  # (every character of UNSEEN is unprintable: the common case costs one scan)
        return text
    return UNSEEN.sub(_escape, text)


def shown_lines(text: str) -> str:
    """`text` of several lines (a terminal's or a page's report), each line `shown`."""
    return "\n".join(map(shown, text.split("\n")))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in NAMED:
        return NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # the byte that was not UTF-8 (Python's `surrogateescape`)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """By file, then line (a problem without a line first), then message."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.message, p.severity))


class SiteError(Exception):
    """Base of every error the builder reports to the user without a traceback."""

    def __init__(self, problems: Iterable[Problem] | str, warnings: Iterable[Problem] = ()):
        if isinstance(problems, str):
            problems = [Problem("site", None, problems)]
        self.problems: list[Problem] = sort_problems(problems)
        self.warnings: list[Problem] = sort_problems(warnings)
        """Warnings found along with the problems (a failed build's): not why it failed, but part
        of what one run reports."""
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[SiteError], tuple[list[Problem], list[Problem]]]:
        """Pickle with the problems, so an error raised in a worker process arrives whole."""
        return type(self), (self.problems, self.warnings)


class ConfigError(SiteError):
    """site.toml, content/tags.toml or the command line is wrong."""


class ContentError(SiteError):
    """One or more articles are wrong."""


class BuildError(SiteError):
    """Rendering or writing failed (template error, collision, I/O)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean `x`?)' for the nearest choice, or ''."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def display_path(path: Path, root: Path) -> str:
    """Path as shown in messages: relative to the project root when inside it (a Problem escapes it)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
