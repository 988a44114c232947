"""Writing the site on a first build: into a staging folder beside the output, then swapped in
whole (later builds change only what changed: `sync.py`).

Every folder the builder makes at or beside the output (the staging folder, which becomes the
output; a journal; the previous output set aside during a swap) holds the builder's record,
`.site-builder`, written first and deleted last. It is the proof that a folder is the builder's
own: an existing output folder is replaced only if it holds one, and what an interrupted build left
beside the output is finished or removed by the next build, and nothing else is.

A failed or interrupted build therefore leaves the previous output exactly as it was."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from site_builder import memo
from site_builder.errors import BuildError, ConfigError, Problem
from site_builder.model import OutputFile
from site_builder.urls import BUILDER_RECORD

log = logging.getLogger(__name__)

PROTECTED_FOLDERS = ("content", "templates", "static", "site_builder", "tests", ".git")
RECORD_TEXT = (b"This folder was written by site-builder, which replaces everything in it at each build.\n"
               b"Keep this file: without it, site-builder refuses to write here.\n")
"""The record's bytes: the same in every folder, so that the output stays the same for the same input
(its presence is the proof; GitHub Pages' upload action and Jekyll both leave dot files out)."""


def check_output_dir(out_dir: Path, project: Path) -> None:
    """Refuse an output folder whose replacement would delete the project or its sources (whether
    it is the builder's own is checked once an interrupted build is recovered: `output.state.open_output`)."""
    out, root = out_dir.resolve(), project.resolve()
    if out == root or root.is_relative_to(out):
        raise ConfigError(f"the output folder {out_dir} is the project folder or holds it; building there "
                          "would delete your sources: choose a folder such as `public`")
    for name in PROTECTED_FOLDERS:
        if out.is_relative_to(root / name):
            raise ConfigError(f"the output folder {out_dir} is inside the project's `{name}/`: "
                              "choose a folder such as `public`")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the output folder {out_dir} exists and is not a folder")


def not_ours_error(out_dir: Path) -> ConfigError:
    """An existing output folder that the builder did not write, worded for the user."""
    return ConfigError(f"the output folder {out_dir} holds files that site-builder did not write (it has no "
                       f"{BUILDER_RECORD} record), and building there would delete them: choose an empty or "
                       "new folder, or delete this one yourself if nothing in it is needed (a site built by an "
                       "earlier version of site-builder, before the record, is one to delete)")


# --- the builder's own folders -----------------------------------------------------------------

def holds_record(folder: Path) -> bool:
    """True when `folder` holds the builder's record (a regular file, not a link)."""
    try:
        return stat.S_ISREG((folder / BUILDER_RECORD).lstat().st_mode)
    except OSError:
        return False


def is_ours(folder: Path) -> bool:
    """True when `folder` is a folder (not a link) that the builder made: it holds the record, or
    nothing at all (made, then killed before the record was written)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return holds_record(folder) or not any(folder.iterdir())


def leftovers(out_dir: Path, kind: str) -> list[Path]:
    """The folders of `kind` ("tmp", "journal", "old") beside `out_dir`, as `new_folder_beside`
    names them: those an interrupted build may have left."""
    prefix = f".{out_dir.name}.{kind}-"
    try:
        with os.scandir(out_dir.parent) as entries:
            return sorted(out_dir.parent / e.name for e in entries if e.name.startswith(prefix))
    except OSError:
        return []


def new_folder_beside(out_dir: Path, kind: str) -> Path:
    """A new folder `.<output's name>.<kind>-<random>` beside `out_dir`, holding only the record.

    Made with the mode a plain mkdir gives (what the umask leaves of 0o777), not mkdtemp's 0o700:
    the staging folder becomes the output, which a web server running as another user must read."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        folder = out_dir.parent / f".{out_dir.name}.{kind}-{secrets.token_hex(6)}"
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        write_file(folder / BUILDER_RECORD, RECORD_TEXT)
        return folder
    raise FileExistsError(errno.EEXIST, "no free name for a temporary folder", str(out_dir.parent))


def discard(folder: Path) -> None:
    """Remove a folder the builder made, its record last (so that a kill meanwhile leaves it
    recognizably the builder's, for the next build to remove); quietly if it is already gone. A
    Ctrl-C meanwhile still lets the removal finish, so no half-deleted folder is left behind."""
    try:
        _remove(folder)
    except KeyboardInterrupt:
        _remove(folder)
        raise


def _remove(folder: Path) -> None:
    if os.path.islink(folder):  # an output folder that was a link, exchanged: its target is not ours
        with contextlib.suppress(OSError):
            os.unlink(folder)
        return
    try:
        with os.scandir(folder) as listing:
            entries = [entry for entry in listing if entry.name != BUILDER_RECORD]
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(folder / BUILDER_RECORD)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def remove_stale(out_dir: Path, kind: str, finish: Callable[[Path], None] = discard) -> None:
    """`finish` each folder of `kind` an interrupted build left beside `out_dir` (by default,
    remove it); a folder of that name that is not the builder's is left alone, with a warning."""
    for folder in leftovers(out_dir, kind):
        if is_ours(folder):
            finish(folder)
        else:
            log.warning("%s looks like what an interrupted build left, but it does not hold the builder's "
                        "record %s (an older version's, or not the builder's): left alone; delete it "
                        "yourself if it is not needed", folder, BUILDER_RECORD)


# --- a first build: a staging folder, swapped in whole ----------------------------------------

def new_stage(out_dir: Path) -> Path:
    """A new staging folder next to `out_dir` (holding only the record)."""
    try:
        return new_folder_beside(out_dir, "tmp")
    except OSError as exc:
        raise write_error(out_dir, exc) from exc


def write_stage(outputs: Iterable[OutputFile], out_dir: Path, stage: Path | None = None) -> Path:
    """Write every file into a staging folder next to `out_dir` (a new one, or `stage`, which
    already holds the files that are `written`); return it."""
    stage = stage or new_stage(out_dir)
    try:
        root = str(stage)
        files = [(os.path.join(root, out.path), out.data) for out in outputs if not out.written]
        for folder in sorted({os.path.dirname(path) for path, _ in files}):
            os.makedirs(folder, exist_ok=True)
        write_files(files)
    except OSError as exc:
        discard(stage)
        raise write_error(out_dir, exc) from exc
    except BaseException:
        discard(stage)
        raise
    return stage


def write_files(files: Sequence[tuple[str | Path, bytes]]) -> None:
    """Write each (path, bytes) as a new file in a folder made for them, one after the other: on the
    disks measured (ext4 on a virtual disk, tmpfs), threads made writing 13,000 pages 2–5× slower."""
    for path, data in files:
        write_file(path, data)


def write_file(path: str | Path, data: bytes) -> os.stat_result:
    """Create (or truncate) `path` and write `data`: plain system calls, cheaper than Python's
    buffered files for the many small files of a site. Returns the file's stat once written.

    The one seam every writer of the output goes through (staging folder, workers' pages, journal
    and its plan, the builder's record), looked up through this module: the fault tests replace it.

    The mode is what the umask leaves of 0o666, as for any file a program creates."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
        return os.fstat(handle)
    finally:
        os.close(handle)


def publish(stage: Path, out_dir: Path) -> None:
    """Put the staging folder in place of `out_dir` (the previous output is left at `stage`'s path,
    or gone, for the caller to discard).

    The two are exchanged in one step where the system can (Linux); elsewhere the previous output
    is set aside, in a folder of the builder's, before the new one is renamed in: a build killed
    between the two is undone by the next one (`finish_swap`). Ctrl-C meanwhile takes effect once
    this is done (or undone): the output folder is never half-replaced or left beside an old copy."""
    with interrupts_deferred():
        try:
            if not out_dir.exists():
                os.rename(stage, out_dir)
            elif not exchange(stage, out_dir):
                _swap_through_aside(stage, out_dir)
        except OSError as exc:
            raise write_error(out_dir, exc) from exc


def _swap_through_aside(stage: Path, out_dir: Path) -> None:
    aside = new_folder_beside(out_dir, "old")
    try:
        os.rename(out_dir, aside / "site")
        try:
            os.rename(stage, out_dir)
        except OSError:
            os.rename(aside / "site", out_dir)  # put the previous site back first
            raise
    finally:
        discard(aside)


def finish_swap(out_dir: Path) -> None:
    """Undo a swap a killed build left half-done: the previous output, set aside, is put back (the
    new one, still in its staging folder, is removed with the other stale ones)."""
    def put_back(aside: Path) -> None:
        if (aside / "site").is_dir() and not os.path.lexists(out_dir):
            log.warning("the last build of %s was interrupted while replacing it: putting the previous "
                        "output back", out_dir)
            os.rename(aside / "site", out_dir)
        discard(aside)
    remove_stale(out_dir, "old", put_back)


def exchange(first: Path, second: Path) -> bool:
    """Exchange two folders in one step (renameat2 with RENAME_EXCHANGE, Linux 3.15+); False where
    the system or the file system cannot, and nothing was done."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


@memo.memoized(maxsize=None)
def _renameat2() -> Callable[..., int] | None:
    """The C library's renameat2 (glibc 2.28+, musl 1.2.2+), or None."""
    if sys.platform != "linux":
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def write_error(out_dir: Path, exc: OSError) -> BuildError:
    """An operating-system failure while writing, worded for the user (`No space left on device`)."""
    where = f" ({exc.filename})" if exc.filename else ""
    return BuildError([Problem(str(out_dir), None, f"cannot write the site: {exc.strerror or exc}{where}; "
                               "the previous output was left as it was")])


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT until the block is done, then raise KeyboardInterrupt (main thread only: signal
    handlers cannot be set elsewhere, and only the main thread receives SIGINT)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if received:
        raise KeyboardInterrupt
