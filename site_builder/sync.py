"""Bring the output folder up to date, writing only the files whose bytes changed.

A first build (no output folder yet) writes a staging folder and swaps it in (`write.py`). Later
builds change the existing folder in place through a journal beside it: the new files are written
into the journal first; then each changed file is moved in, its previous version moved into the
journal, and files no longer produced are moved there too. If anything fails, or the build is
killed, the journal puts every previous file back (at once, or when the next build starts), so the
output is the previous site byte for byte. The journal is deleted once every file is in place.

Every file is written as a new regular file and renamed into place: the output never holds hard
links or symbolic links (GitHub Pages refuses both); an output folder that does is rewritten whole."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import urls
from site_builder.cache import OutputRecord, Stat, file_stat
from site_builder.errors import BuildError, Problem
from site_builder.render import OutputFile
from site_builder.write import discard, interrupts_deferred, publish, write_error, write_file, write_files, write_stage

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
        stat = write_file(target, output.data)
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


def scan(folder: Path, records: dict[str, OutputRecord]) -> OutputState:
    """What is in `folder` now (after undoing an interrupted update, if any)."""
    recover(folder)
    state = OutputState(folder, records=records, exists=folder.is_dir())
    if state.exists:
        for rel, entry in entries_under(str(folder)):
            if entry.is_file(follow_symlinks=False):
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
    with Journal(folder) as journal:
        journal.stage(writes)  # Ctrl-C until here puts everything back; from the first swap on, it waits
        with interrupts_deferred():
            journal.apply(writes, removed)
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

def journal_prefix(folder: Path) -> str:
    return f".{folder.name}.journal-"


def journals_of(folder: Path) -> list[Path]:
    """Journals left beside `folder` by updates that did not finish."""
    return sorted(folder.parent.glob(journal_prefix(folder) + "*")) if folder.parent.is_dir() else []


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
            self.path = Path(tempfile.mkdtemp(prefix=journal_prefix(self.folder), dir=self.folder.parent))
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
        """Keep the changes: drop the previous versions."""
        shutil.rmtree(self.path)
        self.committed = True
        _remove_empty_parents(self.folder, [path for path, action, _, _ in self.plan if action == "remove"])

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
    temporary = journal / "plan.json.tmp"
    temporary.write_text(json.dumps(plan), encoding="utf-8")
    os.replace(temporary, journal / "plan.json")


def recover(folder: Path) -> None:
    """Undo an update of `folder` that was interrupted, if there is one."""
    for journal in journals_of(folder):
        log.warning("the last build of %s was interrupted: putting the previous output back", folder)
        rollback(folder, journal)


def rollback(folder: Path, journal: Path | None = None) -> None:
    """Put back every file a journal of `folder` moved aside, remove the files it added."""
    for found in [journal] if journal is not None else journals_of(folder):
        _roll_back(folder, found)


def _roll_back(folder: Path, journal: Path) -> None:
    plan_file = journal / "plan.json"
    plan = json.loads(plan_file.read_text(encoding="utf-8")) if plan_file.exists() else []
    added = []
    for index, (path, action, existed, staged) in reversed(list(enumerate(plan))):
        target, old = folder / path, journal / "old" / str(index)
        if old.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
        elif action == "write" and not existed and not (journal / "new" / staged).exists():
            target.unlink(missing_ok=True)  # it was moved in: the previous output did not have it
            added.append(path)
    _remove_empty_parents(folder, added)
    shutil.rmtree(journal)


def _remove_empty_parents(folder: Path, paths: Iterable[str]) -> None:
    for path in paths:
        parent = (folder / path).parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
