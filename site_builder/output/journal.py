"""Change an output folder in place, all or nothing, through a journal beside it.

The new files are written into the journal first; then each changed file is moved in, its previous
version moved into the journal, and files no longer produced are moved there too. If anything
fails, or the build is killed, the journal puts every previous file back (at once, or when the next
build starts: `recover`), so the output is the previous site byte for byte. Once every file is in
place, the journal's plan is renamed `done.json` in one step (the commit: from then on the next
build finishes the update rather than undoing it, whatever the order in which a file system lists
or deletes the journal's files), then the journal is deleted."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from site_builder.output import write
from site_builder.output.write import discard, write_error, write_files

log = logging.getLogger(__name__)


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
    write.write_file(temporary, json.dumps(plan).encode("utf-8"))  # (through the module: the write seam)
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
