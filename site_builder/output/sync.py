"""Bring the output folder up to date, writing only the files whose bytes changed.

A first build (no output folder yet) writes a staging folder and swaps it in (`write.py`). Later
builds change the existing folder in place through a journal beside it: the new files are written
into the journal first; then each changed file is moved in, its previous version moved into the
journal, and files no longer produced are moved there too. If anything fails, or the build is
killed, the journal puts every previous file back (at once, or when the next build starts), so the
output is the previous site byte for byte. Once every file is in place, the journal's plan is
renamed `done.json` in one step (the commit: from then on the next build finishes the update rather
than undoing it, whatever the order in which a file system lists or deletes the journal's files),
then the journal is deleted.

Before anything else, a build finishes or undoes what an interrupted one left (`recover`), then
refuses an output folder that is not its own (`check_owned`): a folder the builder wrote holds its
record (see `write.py`).

Every file is written as a new regular file and renamed into place: the output never holds hard
links or symbolic links (GitHub Pages refuses both); an output folder that does is rewritten whole."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import urls
from site_builder.errors import BuildError, Problem
from site_builder.output import write
from site_builder.output.write import discard, interrupts_deferred, publish, write_error, write_files, write_stage
from site_builder.render.pages import OutputFile
from site_builder.reuse.store import OutputRecord, Stat, file_stat

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


def open_output(folder: Path, records: Callable[[], Mapping[str, OutputRecord]]) -> OutputState:
    """The output folder, once what an interrupted build left is finished or undone, and only if it
    is the builder's own (`check_owned`, with the cache's `records` of what was written there)."""
    recover(folder)
    state = scan(folder, {})
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


def scan(folder: Path, records: dict[str, OutputRecord]) -> OutputState:
    """What is in `folder` now."""
    state = OutputState(folder, records=records, exists=folder.is_dir())
    if state.exists:
        for rel, entry in entries_under(str(folder)):
            state.empty = False
            if rel == urls.BUILDER_RECORD and entry.is_file(follow_symlinks=False):
                state.marked = True
            elif entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                state.files[rel] = file_stat(st)
                state.clean = state.clean and st.st_nlink == 1
            else:
                state.clean = False
    return state


def entries_under(folder: str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path inside `folder`, entry) of everything under it but folders; links are not followed."""
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from entries_under(entry.path, rel + "/")
            else:
                yield rel, entry


@dataclass(frozen=True)
class Written:
    """What the write stage did."""

    records: dict[str, OutputRecord]
    """New records for the files written or found identical."""
    removed: tuple[str, ...]
    replaced_all: bool
    files_written: int


Indexer = Callable[[Path, "Path | None"], None]
"""Indexes a site folder for search, into its own `pagefind/` (None) or into the given folder."""


def write_output(outputs: Sequence[OutputFile], state: OutputState, keys: dict[str, str],
                 index: Indexer | None = None, index_root: str = "pagefind/", stage: Path | None = None) -> Written:
    """Make `state.folder` hold exactly `outputs` (and the search index under `index_root`, made by
    `index` before anything is published); `keys` are the pages' keys, kept in the records. A first
    build writes into `stage` (new if None), where workers may have written pages already."""
    folder = state.folder
    if not state.exists or not state.clean:
        stage = write_stage(outputs, folder, stage)
        try:
            if index:
                index(stage, None)
            publish(stage, folder)
        finally:
            discard(stage)
        records = {o.path: OutputRecord(keys.get(o.path, ""), o.sha256(),
                                        o.stat if isinstance(o, StagedFile) else file_stat(os.stat(folder / o.path)))
                   for o in outputs}
        return Written(records, (), True, len(outputs))
    writes, records = _changes(outputs, state, keys)
    produced = {o.path for o in outputs}
    # With search, the index is replaced as a whole once the pages are in place; without, it goes.
    removed = [p for p in state.files if p not in produced and not (index and p.startswith(index_root))]
    # A folder an earlier version wrote gets the builder's record, with the rest of the changes.
    changes = writes if state.marked else {**writes, urls.BUILDER_RECORD: write.RECORD_TEXT}
    with Journal(folder) as journal:
        journal.stage(changes)  # Ctrl-C until here puts everything back; from the first swap on, it waits
        with interrupts_deferred():
            journal.apply(changes, removed)
            if index:
                index(folder, journal.path / "index")
                bundle_writes, bundle_removed = _index_changes(folder, journal.path / "index", index_root, state)
                journal.stage(bundle_writes)
                journal.apply(bundle_writes, bundle_removed)
            journal.commit()
    for path in writes:
        records[path] = OutputRecord(records[path].key, records[path].digest, file_stat(os.stat(folder / path)))
    return Written(records, tuple(removed), False, len(writes))


def _changes(outputs: Sequence[OutputFile], state: OutputState,
             keys: dict[str, str]) -> tuple[dict[str, bytes], dict[str, OutputRecord]]:
    """The files whose bytes differ from what the folder holds, and the records to update."""
    writes: dict[str, bytes] = {}
    records: dict[str, OutputRecord] = {}
    for out in outputs:
        if isinstance(out, KeptFile):
            continue
        key, data = keys.get(out.path, ""), out.data
        sha = out.sha256()
        known = state.current(out.path)
        if known is None and out.path in state.files and _same_bytes(state.folder / out.path, data):
            # Already there (the cache was lost, say): kept, and recorded for the next build.
            records[out.path] = OutputRecord(key, sha, state.files[out.path])
            continue
        if known is not None and known.digest == sha:
            if known.key != key:
                records[out.path] = OutputRecord(key, sha, known.stat)
            continue
        writes[out.path] = data
        records[out.path] = OutputRecord(key, sha, (0, 0, 0, 0))
    return writes, records


def _index_changes(folder: Path, made: Path, index_root: str, state: OutputState) -> tuple[dict[str, bytes], list[str]]:
    """The new search index's files that differ from the old one's, and the old ones it lacks."""
    new = {index_root + p.relative_to(made).as_posix(): p.read_bytes() for p in made.rglob("*") if p.is_file()}
    writes = {path: data for path, data in new.items() if not _same_bytes(folder / path, data)}
    return writes, [p for p in state.files if p.startswith(index_root) and p not in new]


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


# --- the journal ---------------------------------------------------------------------------------

PLAN, DONE = "plan.json", "done.json"
"""A journal's plan: there while its changes may need undoing; renamed DONE once they are all made
(committed) or all undone, then deleted last but for the builder's record."""


def journals_of(folder: Path) -> list[Path]:
    """Journals left beside `folder` by updates that did not finish."""
    return write.leftovers(folder, "journal")


class Journal:
    """Changes to an output folder that are undone together unless committed (module docstring)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.plan: list[tuple[str, str, bool, str]] = []
        """(path, "write" or "remove", whether it existed, name of the new file in the journal)."""
        self.staged: dict[str, str] = {}
        self.committed = False

    def __enter__(self) -> Journal:
        try:
            self.path = write.new_folder_beside(self.folder, "journal")
            (self.path / "new").mkdir()
            (self.path / "old").mkdir()
        except OSError as exc:
            raise write_error(self.folder, exc) from exc
        return self

    def stage(self, writes: dict[str, bytes]) -> None:
        """Write the new files into the journal (the next `apply` swaps them in)."""
        for path in writes:
            self.staged[path] = f"{len(self.staged)}"
        write_files([(self.path / "new" / self.staged[path], data) for path, data in writes.items()])

    def apply(self, writes: dict[str, bytes], removed: Iterable[str]) -> None:
        """Delete `removed` and swap in the staged `writes`, each previous version kept in the journal."""
        start = len(self.plan)
        # Removals first: a file may make way for a folder of the same name.
        steps = [(path, "remove", True, "") for path in removed]
        steps += [(path, "write", (self.folder / path).exists(), self.staged[path]) for path in writes]
        self.plan += steps
        _write_plan(self.path, self.plan)
        for index, (path, action, existed, staged) in enumerate(steps, start):
            target = self.folder / path
            if existed:
                os.rename(target, self.path / "old" / str(index))
            if action == "write":
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(self.path / "new" / staged, target)

    def commit(self) -> None:
        """Keep the changes: mark them done in one step, then drop the previous versions."""
        os.replace(self.path / PLAN, self.path / DONE)
        self.committed = True
        _finish(self.folder, self.path)

    def __exit__(self, kind: object, exc: BaseException | None, _: object) -> None:
        if exc is None or self.committed:  # a Ctrl-C held until after the commit changes nothing
            return
        rollback(self.folder, self.path)
        if isinstance(exc, OSError):
            raise write_error(self.folder, exc) from exc


def update_in_place(folder: Path, writes: dict[str, bytes], removed: Iterable[str]) -> None:
    """Write `writes` and delete `removed` in `folder`, all or nothing (see the module's docstring)."""
    with Journal(folder) as journal:
        journal.stage(writes)
        journal.apply(writes, removed)
        journal.commit()


def _write_plan(journal: Path, plan: list[tuple[str, str, bool, str]]) -> None:
    """The plan is what a rollback follows; written whole (temporary file, then rename) or not at all."""
    temporary = journal / (PLAN + ".tmp")
    temporary.write_text(json.dumps(plan), encoding="utf-8")
    os.replace(temporary, journal / PLAN)


def recover(folder: Path) -> None:
    """Finish or undo what an interrupted build of `folder` left: the previous output set aside by
    a swap (put back), a journal (undone, or finished if it was committed), staging folders
    (removed). Only the builder's own folders are touched (`write.is_ours`)."""
    write.finish_swap(folder)
    write.remove_stale(folder, "journal", lambda journal: _recover_journal(folder, journal))
    write.remove_stale(folder, "tmp")


def _recover_journal(folder: Path, journal: Path) -> None:
    if (journal / PLAN).exists():
        log.warning("the last build of %s was interrupted: putting the previous output back", folder)
        rollback(folder, journal)
    else:  # committed (its plan is DONE), or stopped before anything was moved (no plan yet)
        _finish(folder, journal)


def rollback(folder: Path, journal: Path) -> None:
    """Put back every file `journal` moved aside from `folder`, remove the files it added: the plan's
    steps, last first. A step already undone (by a rollback that was itself interrupted) is skipped,
    so this may be run again."""
    for index, (path, action, existed, staged) in reversed(list(enumerate(_plan(journal / PLAN)))):
        target, old = folder / path, journal / "old" / str(index)
        if old.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
        elif action == "write" and not existed and not (journal / "new" / staged).exists():
            target.unlink(missing_ok=True)  # it was moved in: the previous output did not have it
            _remove_empty_parents(folder, [path])  # (a file it replaced may go back where its folder is)
    if (journal / PLAN).exists():
        os.replace(journal / PLAN, journal / DONE)
    _finish(folder, journal)


def _finish(folder: Path, journal: Path) -> None:
    """Delete a journal whose steps are all made or all undone: the folders the changes left empty,
    then its files, its plan (DONE) last but for the record, so that a kill meanwhile leaves it to
    be finished, never undone, by the next build."""
    _remove_empty_parents(folder, [path for path, *_ in _plan(journal / DONE)])
    for name in ("new", "old", "index"):
        shutil.rmtree(journal / name, ignore_errors=True)
    (journal / DONE).unlink(missing_ok=True)
    discard(journal)


def _plan(file: Path) -> list[tuple[str, str, bool, str]]:
    try:
        return [tuple(step) for step in json.loads(file.read_text(encoding="utf-8"))]  # type: ignore[misc]
    except FileNotFoundError:
        return []


def _remove_empty_parents(folder: Path, paths: Iterable[str]) -> None:
    for path in paths:
        parent = (folder / path).parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
