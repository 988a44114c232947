"""Watching a project for the preview server: a thin watchfiles loop and a pure `classify`.

watchfiles already groups a burst of saves into one batch; `classify` keeps only the changes that
can alter the site (content, templates, static files, site.toml) and drops editor swap and backup
files and output or cache folders, so one save gives one rebuild and a build never triggers another.

Nothing stops the loop but its stop event: when watchfiles fails (it gives up on a file name that is
not UTF-8) or a rebuild raises, the failure is handed on and watching starts again."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

import watchfiles

from site_builder.sources import SOURCE_FOLDERS

log = logging.getLogger(__name__)

WATCHED_FOLDERS = SOURCE_FOLDERS
WATCHED_FILES = ("site.toml",)
# Folders that never hold sources, wherever they are: tools' caches, output, version control.
IGNORED_FOLDERS = frozenset({
    "public", ".site-builder-cache", ".git", ".hg", ".svn", ".venv", "venv", "node_modules",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode",
})
IGNORED_BYTES = frozenset(os.fsencode(name) for name in IGNORED_FOLDERS)
# What editors write beside the file being saved: vim (.x.swp, 4913, x~), emacs (#x#, .#x),
# JetBrains (x___jb_tmp___), gedit (.goutputstream-…), LibreOffice (.~lock.x#), Kate, macOS, Windows.
EDITOR_JUNK = re.compile(
    r"""( \.sw[a-p]$ | \.swp?x$ | ^4913$ | ~$ | ^\#.*\#$ | ^\.\# | ___jb_(tmp|old|bak)___$
        | ^\.goutputstream- | ^\.~lock\. | \.kate-swp$ | \.(tmp|temp|bak|orig|part|crdownload)$
        | ^\.DS_Store$ | ^Thumbs\.db$ | ^desktop\.ini$ )""",
    re.VERBOSE | re.IGNORECASE,
)

Changes = Iterable[tuple[watchfiles.Change, str]]
RETRY_SECONDS = 0.5
"""The pause before watching again after a failure (so that one failing again at once costs little)."""


def classify(changes: Changes, root: Path) -> list[str]:
    """The changed paths (relative to the absolute project folder `root`, sorted) that call for a
    rebuild; [] for none. Pure: only the paths as reported are looked at."""
    relevant = set()
    for _, raw in changes:
        try:
            rel = PurePosixPath(Path(raw).relative_to(root).as_posix())
        except ValueError:  # outside the project (the preview's own output is elsewhere)
            continue
        if is_source(rel):
            relevant.add(rel.as_posix())
    return sorted(relevant)


def is_source(rel: PurePosixPath) -> bool:
    """True for a path (relative to the project) whose change can alter the built site."""
    parts = rel.parts
    if not parts or EDITOR_JUNK.search(parts[-1]) or IGNORED_FOLDERS.intersection(parts[:-1]):
        return False
    if len(parts) == 1:
        return parts[0] in WATCHED_FILES or parts[0] in WATCHED_FOLDERS
    return parts[0] in WATCHED_FOLDERS


def watch(project: Path, on_change: Callable[[list[str] | None], None], stop: threading.Event,
          ready: threading.Event | None = None, on_error: Callable[[Exception], None] | None = None) -> None:
    """Call `on_change(paths)` once per batch of relevant changes until `stop` is set.

    `ready` is set once the watcher is in place (changes made after it are seen). A failure of
    `on_change` is passed to `on_error`, and watching goes on. When watching itself fails, it starts
    again, and the batch it was reading is lost: once the new watcher is in place, if the sources'
    stat changed since the last such moment, `on_error` is told and `on_change(None)` asks for
    everything to be looked at again. (watchfiles fails on any event about a file whose name is not
    UTF-8, even a build reading it: comparing the stat keeps that build from calling for another.)"""
    root = project.resolve()
    report = on_error or _log_error
    failed: Exception | None = None
    """What stopped the last watcher, until a new one is in place."""
    known: frozenset[tuple[bytes, int, int, int, int]] | None = None
    """The sources' stat when a watcher was last in place after a failure."""
    while not stop.is_set():
        in_place = False
        try:
            batches = watchfiles.watch(root, stop_event=stop, yield_on_timeout=True, rust_timeout=200,
                                       watch_filter=None, raise_interrupt=False)
            for changes in batches:
                paths: list[str] | None = classify(changes, root)
                if not in_place:
                    in_place = True
                    if ready is not None:
                        ready.set()
                    if failed is not None and (now := sources_state(root)) != known:
                        known, paths = now, None  # a change may have been missed
                        report(failed)
                    failed = None
                if paths is None or paths:
                    log.debug("changed: %s", "(not known)" if paths is None else ", ".join(paths))
                    _call(on_change, paths, report)
        except Exception as exc:  # whatever it is, the preview must go on watching
            log.debug("watching failed", exc_info=True)
            if not in_place and str(exc) != str(failed):  # it could not even start: say so, once
                report(exc)
            failed = exc
            stop.wait(RETRY_SECONDS)


def _call(on_change: Callable[[list[str] | None], None], paths: list[str] | None,
          report: Callable[[Exception], None]) -> None:
    try:
        on_change(paths)
    except Exception as exc:  # a rebuild that fails is reported; the next change is rebuilt
        log.debug("rebuilding failed", exc_info=True)
        report(exc)


def sources_state(root: Path) -> frozenset[tuple[bytes, int, int, int, int]]:
    """The stat (type, inode, size, modification time) of every path under `root` that `is_source`,
    named as bytes (whatever their encoding); nothing is opened."""
    top = os.fsencode(root)
    found = set()
    for entry in (*WATCHED_FILES, *WATCHED_FOLDERS):
        found.update(_stat(top, os.path.join(top, os.fsencode(entry))))
    for folder in WATCHED_FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(top, os.fsencode(folder)), followlinks=False):
            dirnames[:] = [d for d in dirnames if d not in IGNORED_BYTES]
            for name in dirnames + filenames:
                found.update(_stat(top, os.path.join(dirpath, name)))
    return frozenset(found)


def _stat(top: bytes, path: bytes) -> list[tuple[bytes, int, int, int, int]]:
    if not is_source(PurePosixPath(os.fsdecode(os.path.relpath(path, top)))):
        return []
    try:
        st = os.lstat(path)
    except OSError:  # not there (or gone meanwhile)
        return []
    return [(path, st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns)]


def _log_error(exc: Exception) -> None:
    log.error("watching failed: %s: %s", type(exc).__name__, exc)
