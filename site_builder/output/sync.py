"""Bring the output folder up to date, writing only the files whose bytes changed.

A first build (no output folder yet, or one holding links or other odd entries) writes a staging
folder and swaps it in (`write.py`). Later builds change the existing folder in place through a
journal beside it (`journal.py`), the search index with the pages.

Every file is written as a new regular file and renamed into place: the output never holds hard
links or symbolic links (GitHub Pages refuses both); an output folder that does is rewritten whole."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from site_builder import urls
from site_builder.model import OutputFile
from site_builder.output import write
from site_builder.output.journal import Journal
from site_builder.output.state import KeptFile, OutputRecord, OutputState, StagedFile, file_stat
from site_builder.output.write import discard, interrupts_deferred, publish, write_stage

log = logging.getLogger(__name__)


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


