"""What may be a source of the site: one rule for content/, templates/ and static/, and site.toml.

A source is a regular file or a folder inside the project, reached without following a symbolic
link out of it, under a name that is valid UTF-8 (a name becomes a cache key, a URL, a message).
Anything else met under a source folder is reported with its path and never opened: a link out of
the project (with where it leads and what to do), a named pipe, socket or device (opening a FIFO
waits for a writer, for ever), a name that is not UTF-8. Links that stay inside the project are
treated as before: a link to a file in content/ or templates/ is read as that file, a link to a
folder there is reported (its files would be found twice, or without end), and a link in static/ is
not copied (a warning says so). A source folder that is itself a link (`static -> assets/site`) is
followed, but never to a folder that holds it (`ln -s . static` would publish the whole project,
.git/config and drafts included) nor into a hidden folder (.git, the cache).

Files are opened without blocking and looked at (fstat) before a byte is read: a file replaced by a
FIFO after the walk is reported too, never waited on."""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from site_builder.errors import UNSEEN, WARNING, ConfigError, Problem

log = logging.getLogger(__name__)

SOURCE_FOLDERS = ("content", "templates", "static")
"""The project's folders the site is made from (with site.toml): what the preview watches."""
WALKED_FOLDERS = ("content", "content/articles", "templates", "static")
"""The source folders, and the folders above them, that may be links only as `link_problem` allows."""
COPIED = "static"
THEME_DIR = Path(__file__).parent / "theme"
"""The package's own theme: its templates (under the project's `templates/`), assets and favicon."""
"""The folder whose files are copied as they are: a link there is never followed, even inside."""

READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
"""How a source is opened: with plain system calls (half the time of a Python file object), and
without blocking, so that a FIFO is opened at once (then refused) rather than waited on for ever;
a regular file reads the same either way."""


class SourceFile(NamedTuple):
    """A file a walk found usable (a tuple: a walk makes one per article)."""

    rel: str
    """Path inside the walked folder, POSIX style (`partials/card.html`)."""
    path: Path
    """Where it is: under the project as found (a link's own path, not its target's)."""


@dataclass
class Walk:
    """What a source folder holds: its usable files, in walk order, and a problem for all else."""

    files: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class NotAFile(OSError):
    """What opening a source says of a FIFO, a socket or a device: it is not read."""

    def __init__(self, mode: int):
        super().__init__(errno.EINVAL, kind_message(mode))
        self.mode = mode


def walk(root: Path, folder: str) -> Walk:
    """Every source file under the project's `folder` (`content/articles`, `templates`, `static`):
    each folder's files by name, then its folders; a problem for everything that is not a source."""
    found = Walk()
    problem = folder_problem(root, folder)
    if problem is not None:
        found.problems.append(problem)
        return found
    top = root / folder
    if not top.is_dir():
        return found
    real_root = os.path.realpath(root)
    pending = [""]  # folders still to read, inside `top` ("" or ending in "/"); a stack, never recursion
    while pending:
        inner = pending.pop()
        subfolders = _read_folder(real_root, top, folder, inner, found)
        pending.extend(reversed(subfolders))
    return found


def _read_folder(real_root: str, top: Path, folder: str, inner: str, found: Walk) -> list[str]:
    """Add the files of `top/inner` to `found` (and the problems of its other entries); its folders."""
    try:
        with os.scandir(top / inner) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        found.problems.append(unreadable_problem(f"{folder}/{inner}".rstrip("/"), exc))
        return []
    subfolders = []
    here = top / inner
    for entry in listed:
        rel = inner + entry.name
        kind: str | None
        plain = entry.name.isascii() and entry.name.isprintable() and entry.name != ".git"
        if plain and entry.is_file(follow_symlinks=False):
            kind = "file"  # (nearly every entry: judged without the general case's calls)
        else:
            try:
                lmode = _lmode(entry)
            except FileNotFoundError:  # gone since the folder was listed
                continue
            except OSError as exc:
                found.problems.append(unreadable_problem(f"{folder}/{rel}", exc))
                continue
            kind, problem = judge(real_root, entry.path, f"{folder}/{rel}", lmode, folder)
            if problem is not None:
                found.problems.append(problem)
        if kind == "folder":
            subfolders.append(rel + "/")
        elif kind == "file":
            found.files.append(SourceFile(rel, here / entry.name))
    return subfolders


def _lmode(entry: os.DirEntry[str]) -> int:
    """The entry's type as `lstat` gives it, from the folder's listing when it says (no system call)."""
    if entry.is_symlink():
        return stat.S_IFLNK
    if entry.is_dir(follow_symlinks=False):
        return stat.S_IFDIR
    if entry.is_file(follow_symlinks=False):
        return stat.S_IFREG
    return entry.stat(follow_symlinks=False).st_mode


def judge(real_root: str, path: str, rel: str, lmode: int, folder: str) -> tuple[str | None, Problem | None]:
    """What the entry at `path` (shown as `rel`, of type `lmode`, in the source folder `folder`) is to
    the build: `file` (read it), `folder` (walk it) or None (neither), and the problem to report."""
    name = rel.rsplit("/", 1)[-1]
    if not is_utf8(name):
        return None, name_problem(rel, name)
    if name == ".git":  # a repository or submodule inside a source folder: its history, and maybe a token
        return None, Problem(rel, None, "is git's own data (a repository or submodule inside the project's "
                             "folders) and is never published or read: nothing to do", WARNING)
    if (unseen := UNSEEN.search(name)) is not None:
        return None, Problem(rel, None, f"the file name holds the character U+{ord(unseen.group()):04X}, which no "
                             "address or message can show as it is (shown escaped here): rename it")
    if stat.S_ISDIR(lmode):
        return "folder", None
    if stat.S_ISREG(lmode):
        return "file", None
    if not stat.S_ISLNK(lmode):
        return None, Problem(rel, None, kind_message(lmode))
    problem = link_problem(real_root, path, rel)
    if problem is not None:
        return None, problem
    try:
        mode = os.stat(path).st_mode
    except OSError:  # a dangling link or a loop: reading it says which
        mode = stat.S_IFREG
    if folder.split("/")[0] == COPIED:
        what = "folder" if stat.S_ISDIR(mode) else "file"
        return None, Problem(rel, None, f"is a link; links in {COPIED}/ are not copied to the site: "
                             f"copy the {what} there instead", WARNING)
    if stat.S_ISDIR(mode):
        return None, Problem(rel, None, "is a link to a folder; links to folders are not followed: "
                             f"move the folder into {folder}/ instead")
    if not stat.S_ISREG(mode):
        return None, Problem(rel, None, kind_message(mode))
    return "file", None


def folder_problem(root: Path, folder: str) -> Problem | None:
    """Why the project's source folder `folder` (or one above it: `content` for `content/articles`)
    may not be walked; None when it may, or does not exist."""
    real_root = os.path.realpath(root)
    parts = folder.split("/")
    for end in range(1, len(parts) + 1):
        rel = "/".join(parts[:end])
        path = os.path.join(root, *parts[:end])
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            problem = link_problem(real_root, path, rel)
            if problem is not None:
                return problem
    return None


def link_problem(real_root: str, path: str, rel: str) -> Problem | None:
    """Why the link at `path` (shown as `rel`) may not be followed: it leads out of the project, into
    a hidden folder, or to a folder that holds it; None when it may."""
    target = os.path.realpath(path)
    if not _within(target, real_root):
        return Problem(rel, None, f"is a link to {target}, outside the project; it is not followed: "
                       "copy the files into the project, or remove the link")
    inner = os.path.relpath(target, real_root)
    if _within(os.path.realpath(os.path.dirname(path)), target):
        held = "the project folder" if inner == "." else Path(inner).as_posix()
        return Problem(rel, None, f"is a link to {held}, which holds it; it is not followed (it would "
                       "take in everything there, itself included): remove the link")
    if any(part.startswith(".") for part in Path(inner).parts):
        return Problem(rel, None, f"is a link to {Path(inner).as_posix()}, in a hidden folder; it is not "
                       "followed: copy the files into the project, or remove the link")
    return None


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def file_problem(root: Path, path: Path, rel: str) -> Problem | None:
    """Why the project's file at `path` (shown as `rel`) is not a source; None when it is, or when
    it cannot even be looked at (reading it says why)."""
    try:
        lmode = os.lstat(path).st_mode
    except OSError:
        return None
    folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
    return judge(os.path.realpath(root), str(path), rel, lmode, folder)[1]  # (a folder: reading it says so)


def read_file(root: Path, rel: str) -> bytes | None:
    """The bytes of the project's file `rel` (`site.toml`, `content/tags.toml`); None when there is
    none. Raises ConfigError when it is not a source, or cannot be read."""
    path = root / rel
    problem = file_problem(root, path, rel)
    if problem is not None:
        raise ConfigError([problem])
    try:
        return read_bytes(str(path))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError([unreadable_problem(rel, exc)]) from exc


def open_regular(path: str, flags: int = 0) -> tuple[int, os.stat_result]:
    """A handle on the regular file at `path`, opened without blocking, and its stat; raises
    NotAFile for a FIFO, socket or device (closed again, never read), OSError for a folder."""
    handle = os.open(path, READ_FLAGS | flags)
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(info.st_mode)
    except BaseException:
        os.close(handle)
        raise
    return handle, info


def read_bytes(path: str) -> bytes:
    """The bytes of the regular file at `path` (see `open_regular`)."""
    handle, info = open_regular(path)
    try:
        return read_all(handle, info.st_size)
    finally:
        os.close(handle)


def read_all(handle: int, size: int) -> bytes:
    """The bytes of an open file of `size` bytes, in one call unless it grew since its size was taken."""
    data = os.read(handle, size + 1)
    if len(data) > size:
        parts = [data]
        while part := os.read(handle, 1 << 20):
            parts.append(part)
        data = b"".join(parts)
    return data


KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
         (stat.S_ISBLK, "a device"))


def unreadable_problem(rel: str, exc: OSError) -> Problem:
    """The message for a file that cannot be read: what is said of a FIFO, a socket or a device
    (see `open_regular`), or the system's reason."""
    if isinstance(exc, NotAFile):
        return Problem(rel, None, kind_message(exc.mode))
    return Problem(rel, None, f"cannot be read: {exc.strerror}")


def kind_message(mode: int) -> str:
    """What is said of a file that is neither a regular file nor a folder."""
    kind = next((name for test, name in KINDS if test(mode)), None)
    if kind is None:
        return "is neither a regular file nor a folder; it is not read: remove it"
    return f"is {kind}, not a file; it is not read: remove it"


def is_utf8(name: str) -> bool:
    """True when a file name (as the OS gives it: bytes that are not UTF-8 as `\\udcXX`) is UTF-8."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def name_problem(rel: str, name: str) -> Problem:
    """The message for a name that is not UTF-8, with the name it likely meant when the bytes that are
    not UTF-8 read as Windows-1252 (Latin-1 and its Windows form: the encodings of old archives)."""
    try:
        meant = "".join(bytes([ord(char) - 0xDC00]).decode("cp1252") if "\udc80" <= char <= "\udcff" else char
                        for char in name)
    except UnicodeDecodeError:  # (bytes that Windows-1252 leaves undefined: 0x81, 0x8D, 0x8F, 0x90, 0x9D)
        meant = ""
    hint = f" (to `{meant}` if it was written in Latin-1)" if meant.isprintable() and meant else ""
    return Problem(rel, None, f"the file name is not valid UTF-8: rename it{hint}")
