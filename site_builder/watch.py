"""Watching a project for the preview server: a thin watchfiles loop and a pure `classify`.

watchfiles already groups a burst of saves into one batch; `classify` keeps only the changes that
can alter the site (content, templates, static files, site.toml) and drops editor swap and backup
files and output or cache folders, so one save gives one rebuild and a build never triggers another."""

from __future__ import annotations

import logging
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
# What editors write beside the file being saved: vim (.x.swp, 4913, x~), emacs (#x#, .#x),
# JetBrains (x___jb_tmp___), gedit (.goutputstream-…), LibreOffice (.~lock.x#), Kate, macOS, Windows.
EDITOR_JUNK = re.compile(
    r"""( \.sw[a-p]$ | \.swp?x$ | ^4913$ | ~$ | ^\#.*\#$ | ^\.\# | ___jb_(tmp|old|bak)___$
        | ^\.goutputstream- | ^\.~lock\. | \.kate-swp$ | \.(tmp|temp|bak|orig|part|crdownload)$
        | ^\.DS_Store$ | ^Thumbs\.db$ | ^desktop\.ini$ )""",
    re.VERBOSE | re.IGNORECASE,
)

Changes = Iterable[tuple[watchfiles.Change, str]]


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


def watch(project: Path, on_change: Callable[[list[str]], None], stop: threading.Event,
          ready: threading.Event | None = None) -> None:
    """Call `on_change(paths)` once per batch of relevant changes until `stop` is set.

    `ready` is set once the watcher is in place (changes made after it are seen)."""
    root = project.resolve()
    batches = watchfiles.watch(root, stop_event=stop, yield_on_timeout=True, rust_timeout=200,
                               watch_filter=None, raise_interrupt=False)
    for changes in batches:
        if ready is not None:
            ready.set()
        paths = classify(changes, root)
        if paths:
            log.debug("changed: %s", ", ".join(paths))
            on_change(paths)
