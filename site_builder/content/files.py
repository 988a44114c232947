"""Finding and reading the article files: `content/articles/**/*.md`, each as bytes (see `sources`
for what may be a source at all), within the size limit."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from site_builder import sources
from site_builder.errors import WARNING, Kind, Problem

log = logging.getLogger(__name__)


ARTICLES_DIR = Path("content") / "articles"


@dataclass(frozen=True)
class Source:
    """One article file as read from disk."""

    rel: str
    """Path relative to the project, POSIX style: how the file is named in every message."""
    data: bytes


def load_sources(root: Path, max_bytes: int | None = None) -> tuple[list[Source], list[Problem]]:
    """Read every `content/articles/**/*.md`, sorted by path; only sources (see `sources`) are read.

    A file over `max_bytes` is reported without being read."""
    paths, problems = find_sources(root)
    sources: list[Source] = []
    for path in paths:
        source, problem = read_source(root, path, max_bytes)
        if source:
            sources.append(source)
        if problem:
            problems.append(problem)
    return sources, problems


def find_sources(root: Path) -> tuple[list[Path], list[Problem]]:
    """Every `content/articles/**/*.md`, sorted by path (not read); what is not a source (a link out
    of the project or to a folder, a FIFO, a name that is not UTF-8: see `sources`) is reported."""
    found = sources.walk(root, ARTICLES_DIR.as_posix())
    paths, problems = [], found.problems
    for rel, path in found.files:
        name = rel.rpartition("/")[2]
        if is_article_name(name):
            paths.append(path)
        elif (problem := not_read(f"{ARTICLES_DIR.as_posix()}/{rel}", name)) is not None:
            problems.append(problem)
    return paths, problems


def is_article_name(name: str) -> bool:
    """True for the name of a file that is an article (`*.md`, not hidden: editors' files are; a
    language suffix in lower case: `x.fr.md`, not `x.FR.md`)."""
    return name.endswith(".md") and not name.startswith(".") and not _upper_suffix(name[:-3])


MARKDOWN_EXTENSIONS = frozenset({"md", "markdown", "mdown", "mkd", "mkdn", "mdwn"})
"""What other tools (Hugo, editors) accept as Markdown; an article here ends in `.md`."""


def not_read(rel: str, name: str) -> Problem | None:
    """The warning for a file under content/articles/ that looks like an article but is not read as
    one (`x.fr.markdown`, `x.FR.md`, `x.fr.MD`), saying what to rename it to; None for any other."""
    stem, _, extension = name.rpartition(".")
    if is_article_name(name) or name.startswith(".") or not stem or extension.lower() not in MARKDOWN_EXTENSIONS:
        return None  # (with no dot, `stem` is empty)
    base, _, suffix = stem.rpartition(".")
    if base and _language_like(suffix):
        rename = f"`{base}.{suffix.lower()}.md`"
    else:
        rename = f"`{stem}.fr.md` (with its language's suffix)"
    why = (f"its name ends in `.{extension}`, not `.md`" if extension != "md"
           else "its language suffix is not in lower case")
    return Problem(rel, None, f"is not read as an article ({why}): rename it {rename}", WARNING, Kind.NOT_AN_ARTICLE)


def _language_like(suffix: str) -> bool:
    return len(suffix) == 2 and suffix.isascii() and suffix.isalpha()


def _upper_suffix(stem: str) -> bool:
    """True when `stem` ends in a language suffix written in capitals (`x.FR`, `x.Fr`)."""
    suffix = stem.rpartition(".")[2]
    return suffix != stem and _language_like(suffix) and not suffix.islower()


def find_sources_again(root: Path, last: Sequence[Path], changed: Iterable[str]) -> list[Path] | None:
    """What `find_sources` finds once the entries at `changed` (paths relative to `root`) changed,
    knowing it found `last` before; None when one of them is or was a folder, is or is in a link, or
    is anything but a regular file under a UTF-8 name: only a walk tells what changed with it."""
    top = root / ARTICLES_DIR
    known = {str(path) for path in last}
    added: list[Path] = []
    removed: set[str] = set()
    for rel in changed:
        path = root / rel
        if not path.is_relative_to(top):
            continue
        between = [p for p in path.parents if p.is_relative_to(top) and p != top]
        try:
            mode: int | None = os.lstat(path).st_mode
        except OSError:
            mode = None
        if (path == top or (mode is not None and not stat.S_ISREG(mode)) or not sources.is_utf8(path.name)
                or any(p.is_symlink() for p in between)):
            return None
        if mode is None:
            if str(path) not in known:  # maybe a folder, gone with what it held
                return None
            removed.add(str(path))
        elif is_article_name(path.name) and str(path) not in known:
            added.append(path)
        elif not_read(rel, path.name) is not None:  # its warning is the walk's
            return None
    paths = [path for path in last if str(path) not in removed] if removed else list(last)
    if added:  # in the walk's order
        paths = sorted(paths + added, key=lambda p: (p.parent.relative_to(top).parts, p.name))
    return paths


def read_source(root: Path, path: Path, max_bytes: int | None) -> tuple[Source | None, Problem | None]:
    """One article file, or the reason it cannot be used (not a source: see `sources`; too large,
    unreadable)."""
    rel = path.relative_to(root).as_posix()
    problem = sources.file_problem(root, path, rel)
    if problem is not None:
        return None, problem
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, sources.unreadable_problem(rel, exc)
    return read_file_source(rel, str(path), size, max_bytes)


def read_file_source(rel: str, path: str, size: int, max_bytes: int | None) -> tuple[Source | None, Problem | None]:
    """`read_source` for a file known to be a plain file (or a link inside the project) of `size`
    bytes: 4× cheaper than looking at it through pathlib again (a first build reads every article).
    Opened without blocking, and refused unless it is a regular file still (see `sources.open_regular`)."""
    if max_bytes is not None and size > max_bytes:
        return None, oversize_problem(rel, size, max_bytes)
    try:
        handle, _ = sources.open_regular(path)
        try:
            data = sources.read_all(handle, size)
        finally:
            os.close(handle)
    except OSError as exc:
        return None, sources.unreadable_problem(rel, exc)
    return Source(rel, data), None


def read_unseen_source(root: Path, rel: str, path: str,
                       max_bytes: int | None) -> tuple[Source | None, Problem | None, os.stat_result | None]:
    """`read_source` for a file nothing has looked at yet (a first build's workers read every
    article): its stat, returned, is the opened file's. A link is left to `read_source`, which
    refuses one that leads out of the project; its stat is its target's."""
    try:
        handle, info = sources.open_regular(path, os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EMLINK):  # (what opening a link without following it says)
            return None, sources.unreadable_problem(rel, exc), None
        source, problem = read_source(root, Path(path), max_bytes)
        try:
            return source, problem, os.stat(path) if source else None
        except OSError as again:
            return None, sources.unreadable_problem(rel, again), None
    try:
        if max_bytes is not None and info.st_size > max_bytes:
            return None, oversize_problem(rel, info.st_size, max_bytes), None
        data = sources.read_all(handle, info.st_size)
    except OSError as exc:
        return None, sources.unreadable_problem(rel, exc), None
    finally:
        os.close(handle)
    return Source(rel, data), None, info


def oversize_problem(rel: str, size: int, max_bytes: int) -> Problem:
    """The message for an article over the configured size limit."""
    return Problem(rel, None, f"is {size:,} bytes, over the limit of {max_bytes:,} bytes: split it, "
                   "or raise `max_article_bytes` in site.toml")


class Found(NamedTuple):
    """The article files there are, and the problems of finding them (linked folders)."""

    paths: list[Path]
    problems: list[Problem]
