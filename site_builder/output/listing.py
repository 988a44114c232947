"""Walking a folder's tree, listing again only the folders that changed since the last walk.

A walk gives every entry under a folder but the folders (path inside it, lstat), and a `Listing`:
each folder's stat, taken just before it was listed, and the names it held. The next walk, given
that listing, stats each folder and lists only those whose stat differs: adding, removing or
renaming an entry changes its folder's mtime and ctime, so the others hold the names they held.
(Git trusts a folder's stat the same way, for its untracked files.) Only a folder changed too close
to when its stat was taken could change again without its stat changing (coarse timestamps): such
a folder is listed again every time, until it is older (`RACY_NS`).

For an output folder of 13,600 files in 13,800 folders, a walk that lists none again took 0.14 s
against 0.21–0.24 s for one that lists each (on the machine measured, busy): part of what a build
with nothing to do spends making sure nobody changed its output folder."""

from __future__ import annotations

import os
import re
import stat as stat_module
import time
from itertools import chain

RACY_NS = 2_000_000_000
"""A folder modified this close to when its stat was taken could change again without its stat
changing (coarse timestamps: FAT's are 2 s): the next walk lists it again."""

FolderStat = tuple[int, int, int, int]
"""What says a folder holds the same names: size, mtime and ctime in ns, inode."""

Folder = tuple[FolderStat, tuple[str, ...], bool]
"""A folder as walked: its stat, the names in it (sorted; a folder's ends with `/`), and whether it
was last changed long enough before its stat was taken to be trusted (see `RACY_NS`)."""

Listing = dict[str, Folder]
"""The folders under a walked folder, by path inside it ('' for itself, `fr/2024/` for the others)."""

_NAMES = re.compile(r"(?!\.\.?/?(?:\0|$))[^/\0]+/?(?:\0(?!\.\.?/?(?:\0|$))[^/\0]+/?)*")
"""Names as a listing holds them, joined by NUL: no `/` but a folder's last, no `.` or `..`."""


def walk_tree(root: str, known: Listing | None = None) -> tuple[list[tuple[str, os.stat_result]], Listing]:
    """Every entry under `root` but the folders (path inside it, lstat; links are not followed), in
    no particular order; and the listing of its folders. The folders of `known` whose stat is the
    same and was trusted are not listed again (a `known` that is not as this function makes it is
    ignored). Raises OSError as `os.scandir` would (`root` not a folder, or changed while walked)."""
    try:
        return _walk(root, known if known and _names_ok(known) else {})
    except (TypeError, ValueError, IndexError, AttributeError):  # `known` is not a listing
        return _walk(root, {})


def _walk(root: str, known: Listing) -> tuple[list[tuple[str, os.stat_result]], Listing]:
    started = time.time_ns()
    found: list[tuple[str, os.stat_result]] = []
    listing: Listing = {}
    base = root.rstrip(os.sep) + os.sep
    lstat = os.lstat
    pending = [""]
    while pending:
        rel = pending.pop()
        st = lstat(base + rel) if rel else os.stat(root)  # (the root itself may be a link, as scandir takes it)
        if not stat_module.S_ISDIR(st.st_mode):
            raise NotADirectoryError(base + rel)
        stat = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        before = known.get(rel)
        if before is not None and before[2] is True and before[0] == stat:
            listing[rel] = before  # (still trusted: it was, and has not changed since)
            names = before[1]
        else:
            with os.scandir(base + rel) as entries:
                names = tuple(sorted(e.name + "/" if e.is_dir(follow_symlinks=False) else e.name for e in entries))
            listing[rel] = (stat, names, max(st.st_mtime_ns, st.st_ctime_ns) + RACY_NS < started)
        for name in names:
            if name[-1] == "/":
                pending.append(rel + name)
            else:
                found.append((rel + name, lstat(base + rel + name)))
    return found, listing


def _names_ok(known: Listing) -> bool:
    """True when the names in `known` are names a walk lists (a listing from elsewhere could hold
    `../x`): tuples of strings that, joined by NUL, match `_NAMES` (one match for them all)."""
    folders = [names for _, names, _ in known.values()]
    if not all(type(names) is tuple for names in folders):
        return False
    joined = "\0".join(chain.from_iterable(folders))
    return not joined or _NAMES.fullmatch(joined) is not None
