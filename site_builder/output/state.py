"""The output folder as a build finds it: its files and their stat, what the last build wrote there
(each file's page key, digest and stat), and the files a build keeps or stages rather than holding
their bytes.

Before anything else, a build finishes or undoes what an interrupted one left (`journal.recover`),
then refuses an output folder that is not its own (`check_owned`): a folder the builder wrote holds
its record (see `write.py`)."""

from __future__ import annotations

import logging
import os
import stat as stat_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import urls
from site_builder.errors import BuildError, Problem
from site_builder.model import OutputFile
from site_builder.output import write
from site_builder.output.journal import recover
from site_builder.output.listing import Listing, walk_tree
from site_builder.output.write import write_error

log = logging.getLogger(__name__)


@dataclass
class OutputState:
    """An output folder as the build found it, and what the cache says the last build wrote there."""

    folder: Path
    files: dict[str, Stat] = field(default_factory=dict)
    """Every regular file now in the folder, by path inside it."""
    records: dict[str, OutputRecord] = field(default_factory=dict)
    exists: bool = False
    clean: bool = True
    """False when the folder holds links or other odd entries: it is then rewritten whole."""
    marked: bool = False
    """True when the folder holds the builder's record (which is not among `files`)."""
    empty: bool = True
    """True when the folder holds no file (nothing but folders, if anything), or is not there."""
    listing: Listing = field(default_factory=dict)
    """Its folders as this scan found them: what the next scan need not list again (see `output.listing`)."""

    def current(self, path: str) -> OutputRecord | None:
        """The record of `path`, if the file there is still exactly what the last build wrote."""
        record = self.records.get(path)
        return record if record is not None and self.files.get(path) == record.stat else None


class KeptFile(OutputFile):
    """A page left as it is in the output folder (its key has not changed): read only if asked."""

    def __init__(self, folder: Path, path: str, source: str):
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "_folder", folder)

    @property  # type: ignore[override]
    def data(self) -> bytes:
        return (self._folder / self.path).read_bytes()  # type: ignore[attr-defined]


class StagedFile(KeptFile):
    """A page that a worker wrote straight into the staging folder of a first build (rather than
    sending its bytes back): read back only if asked."""

    stat: Stat
    """The file's stat as written: the same once the staging folder is swapped in (a folder's
    rename changes none of its files' inode, size or times)."""

    def __init__(self, folder: Path, path: str, source: str, sha256: str, stat: Stat):
        super().__init__(folder, path, source)
        object.__setattr__(self, "_sha256", sha256)
        object.__setattr__(self, "stat", stat)

    @property
    def written(self) -> bool:
        return True

    def sha256(self) -> str:
        return self._sha256  # type: ignore[attr-defined, no-any-return]


def stage_file(stage: Path, output: OutputFile) -> StagedFile:
    """Write `output` into the staging folder `stage` (see write.write_stage)."""
    if not urls.is_safe_output_path(output.path):  # check_outputs says it again, once all are made
        raise BuildError([Problem(output.source, None, f"would write outside the output folder ({output.path!r})")])
    target = os.path.join(stage, output.path)  # (os.path: 13,000 pages make pathlib's cost show)
    try:
        make_folder(os.path.dirname(target))
        stat = write.write_file(target, output.data)  # (through the module: the fault tests replace it)
    except OSError as exc:
        raise write_error(stage, exc) from exc
    return StagedFile(stage, output.path, output.source, output.sha256(), file_stat(stat))


def make_folder(folder: str) -> None:
    """`os.makedirs(folder, exist_ok=True)` in one system call when the parent is there."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def open_output(folder: Path, records: Callable[[], Mapping[str, OutputRecord]],
                known: Listing | None = None) -> OutputState:
    """The output folder, once what an interrupted build left is finished or undone, and only if it
    is the builder's own (`check_owned`, with the cache's `records` of what was written there).
    `known`: its folders as the last scan found them (see `scan`)."""
    recover(folder)
    state = scan(folder, {}, known)
    check_owned(state, records)
    return state


def check_owned(state: OutputState, records: Callable[[], Mapping[str, OutputRecord]]) -> None:
    """Refuse a folder that holds files but is not the builder's: it holds no record, and is not
    what an earlier version (which left none) wrote either (`written_before`)."""
    if state.exists and not state.marked and not state.empty and not written_before(state, records()):
        raise write.not_ours_error(state.folder)


def written_before(state: OutputState, records: Mapping[str, OutputRecord]) -> bool:
    """True when every file in the folder is one the cache's `records` say a build wrote there, with
    the same stat (Pagefind's files aside: they are never recorded), and there is at least one."""
    recorded = [path for path in state.files if not path.startswith(urls.search_bundle_root())]
    return state.clean and bool(recorded) and all(
        path in records and records[path].stat == state.files[path] for path in recorded)


def scan(folder: Path, records: dict[str, OutputRecord], known: Listing | None = None) -> OutputState:
    """What is in `folder` now; `known`, its folders as an earlier scan found them, spares listing
    again those that did not change (see `output.listing`)."""
    state = OutputState(folder, records=records, exists=folder.is_dir())
    if state.exists:
        found, state.listing = walk_tree(str(folder), known)
        for rel, st in found:
            state.empty = False
            if not stat_module.S_ISREG(st.st_mode):
                state.clean = False
            elif rel == urls.BUILDER_RECORD:
                state.marked = True
            else:
                state.files[rel] = file_stat(st)
                state.clean = state.clean and st.st_nlink == 1
    return state


Stat = tuple[int, int, int, int]
"""What says a file is unchanged: size, mtime and ctime in ns, inode."""


def file_stat(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(frozen=True)
class OutputRecord:
    """A file the last build wrote into an output folder."""

    key: str
    """What produced it: a page's key, or '' for files compared by bytes only."""
    digest: str
    """SHA-256 of its bytes."""
    stat: Stat
    """Its stat right after it was written: if it still matches, the file is untouched."""
