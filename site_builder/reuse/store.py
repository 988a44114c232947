"""The persistent build cache: parsed articles keyed by content, and what each output folder holds.

Everything lives in one SQLite database in the cache folder (`<project>/.site-builder-cache/` by
default). SQLite commits atomically, so a build killed while writing leaves the previous cache.

The cache is input like any other (CI restores it from earlier runs): every entry and record carries
an HMAC-SHA256 under a secret key kept outside it (see `reuse.key`) and a format version, and any
doubt is a miss, rebuilt: a MAC or a version that does not match, a value the unpickler refuses, a
path outside its folder, a field of the wrong type. A cache that cannot be opened or written is one
warning and a build without it; a database that cannot be read at all is deleted and started afresh.
Keys hold a fingerprint of the package's code and of the config (and, for pages, of the templates),
so changing any of them invalidates what depends on it."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from site_builder import memo
from site_builder.output.state import OutputRecord
from site_builder.reuse import key as cache_key
from site_builder.reuse import workers as parallel
from site_builder.reuse.entries import (
    SourceRecord,
    build_mac,
    build_record,
    output_records,
    output_row,
    pack,
    path_bytes,
    source_records,
    source_row,
    unpack,
)

log = logging.getLogger(__name__)

R = TypeVar("R")

KEEP_FACTOR = 3
"""Entries are pruned (all but those of the current build) once there are this many times more than
articles: the preview server (at its own URL) and `build` can then share the cache without evicting
each other's entries."""


# --- the store -----------------------------------------------------------------------------------

DATABASE = "cache.sqlite3"
SCHEMA_VERSION = 6
"""Kept in the database (`PRAGMA user_version`): tables of another layout are dropped, not read."""
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, entry BLOB NOT NULL)",
    # Paths are stored as bytes (UTF-8, surrogates kept): any file name a folder can hold fits. Each
    # record carries the MAC of its fields (see cache_entries.py).
    "CREATE TABLE IF NOT EXISTS sources (root BLOB, rel BLOB, stat TEXT, digest TEXT, read_ns INTEGER, mac BLOB, "
    "PRIMARY KEY (root, rel))",
    "CREATE TABLE IF NOT EXISTS outputs (folder BLOB, path BLOB, key TEXT, digest TEXT, stat TEXT, mac BLOB, "
    "PRIMARY KEY (folder, path))",
    "CREATE TABLE IF NOT EXISTS builds (folder BLOB PRIMARY KEY, record TEXT NOT NULL, mac BLOB)",
    # What is kept of a folder, an entry as `pack` makes them, under the key kind + NUL + folder:
    # `DEPENDENTS`, what the pages of the last build into an output folder depend on (see
    # reuse/edits.py); `LISTING`, the folders under a folder as last walked (see output/listing.py).
    "CREATE TABLE IF NOT EXISTS folders (kind TEXT, folder BLOB, entry BLOB NOT NULL, PRIMARY KEY (kind, folder))",
)
TABLES = ("articles", "sources", "outputs", "builds", "dependents", "folders")
"""Every table this layout or an earlier one had (dropped when the layout changes)."""
DEPENDENTS, LISTING = "dependents", "listing"


ROWS_PER_INSERT = 1000
"""Articles written by one INSERT statement (fewer where SQLite takes fewer values in one: 999
before 3.32, 32,766 since, unless built otherwise)."""


def fails_soft(default: Callable[..., Any]) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A method of Cache that treats any problem of the database as a miss (`default(*args)`): the
    build goes on, and a damaged database is started afresh when the cache is closed."""
    def wrap(method: Callable[..., R]) -> Callable[..., R]:
        @wraps(method)
        def run(self: Cache, *args: Any, **kwargs: Any) -> R:
            if threading.current_thread() is not self._writer:
                self.wait()
            if self._db is not None and not self.broken:
                try:
                    return method(self, *args, **kwargs)
                except sqlite3.OperationalError as exc:  # locked by another build for too long, read-only, full
                    self.warn(f"cannot be used now ({exc})")
                except sqlite3.DatabaseError as exc:
                    self.warn(f"is damaged ({exc}): it will be started afresh")
                    self.broken = True
                except (sqlite3.Error, OSError) as exc:
                    self.warn(f"cannot be used now ({exc})")
                except UnicodeError:  # a text that is no UTF-8 even with its surrogates kept: not stored
                    log.debug("the build cache %s cannot hold a value: a miss", self.folder, exc_info=True)
            return default(*args, **kwargs)  # type: ignore[no-any-return]
        return run
    return wrap


ADVICE = ("the build goes on without it. If this persists, see that the folder can be written and its disk is "
          "not full, or delete it (always safe: the next build makes a new one), or build with --no-cache")

_REMEMBERED: dict[tuple[Path, str, Path], Any] = memo.remembered("site_builder.reuse.store._REMEMBERED", {})
"""Records read from or written to a cache database by this process: (cache folder, table, folder) →
records. Forgotten when a database is started afresh (`forget_records`)."""


def forget_records() -> None:
    _REMEMBERED.clear()


class Cache:
    """The cache database of one project; every method fails soft (a cache miss), never the build,
    and so does opening it: a cache that cannot be used is one warning, and a build without it."""

    def __init__(self, folder: Path, project: Path | None = None):
        self.folder = folder
        self.broken = False
        """A read or write found the database damaged: it is deleted on `close`."""
        self._warned = False
        self._writer: threading.Thread | None = None
        """Writes new articles while the build goes on (see `put_articles`); every method waits for it."""
        self._written: BaseException | None = None
        self._db = self._open() if self._has_key(project) else None
        """None when the cache cannot be used: every method is then a miss."""
        parallel.before_fork(self.wait)

    @property
    def db(self) -> sqlite3.Connection:
        """The database (used by the methods that fail soft: without one, each is a miss)."""
        if self._db is None:
            raise sqlite3.OperationalError("the cache is not open")
        return self._db

    def warn(self, problem: str, advice: str = ADVICE) -> None:
        """Say once per build that the cache cannot be used as it should, and what to do."""
        if not self._warned:
            self._warned = True
            log.warning("the build cache %s %s%s.", self.folder, problem, f"; {advice}" if advice else "")

    @property
    def usable(self) -> bool:
        """False when the cache could not be opened: a build does better without it."""
        return self._db is not None

    def wait(self) -> None:
        """Let the background writer finish (re-raising what it raised that was not a database error)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.join()
        error, self._written = self._written, None
        if error is not None:
            raise error

    def _has_key(self, project: Path | None) -> bool:
        """Find the secret key (see `reuse.key`): never in the project or the cache folder, where
        whoever can write them could read it."""
        if not cache_key.from_environment():
            try:
                where = cache_key.key_file().resolve()
            except RuntimeError:
                where = None
            for folder in (self.folder, project):
                if where is not None and folder is not None and where.is_relative_to(folder.resolve()):
                    self.warn(f"cannot be used: its key file {where} would be inside {folder}, where it would be "
                              "no secret",
                              f"the build goes on without it. Set XDG_CONFIG_HOME to a folder outside it, or "
                              f"{cache_key.KEY_ENV}")
                    return False
        cache_key.mac()  # the key read (or made) before workers are forked: they inherit it
        problem = cache_key.secret().problem
        if problem:
            self.warn(problem, "meanwhile, what it keeps lasts only as long as this process")
        return True

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.warn(f"cannot be made ({exc.strerror or exc})", "the build goes on without it. Give one that can be "
                      "made with --cache-dir, or build with --no-cache")
            return None
        path = self.folder / DATABASE
        if path.is_dir() and not path.is_symlink() and self._start_afresh():
            self.warn(f"held a folder named {DATABASE} where its database goes: it was deleted, and a new "
                      "database started", "")
        for attempt in (1, 2):
            try:
                return _connect(path)
            except sqlite3.OperationalError as exc:  # cannot be opened, read-only, locked, full: left as it is
                self.warn(f"cannot be opened ({exc})")
                return None
            except sqlite3.DatabaseError as exc:  # not a database, or damaged at its start
                if attempt == 2 or not self._start_afresh():
                    self.warn(f"is unreadable ({exc})")
                    return None
                self.warn("was unreadable: it was deleted, and a new one started", "")
        raise AssertionError("unreachable")

    def _start_afresh(self) -> bool:
        """Delete the database (and what SQLite keeps beside it); False if it cannot be."""
        forget_records()
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                path = self.folder / (DATABASE + suffix)
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("the build cache %s could not be deleted: %s", self.folder, exc)
            return False
        return True

    def close(self) -> None:
        parallel.forget_before_fork(self.wait)
        self.wait()
        if self._db is not None:
            self._db.close()
        if self.broken:
            self._start_afresh()

    # articles
    @fails_soft(lambda keys: {})
    def articles(self, keys: Iterable[str]) -> dict[str, object]:
        """The stored values for `keys` (those found and intact)."""
        found: dict[str, object] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self.db.execute(f"SELECT key, entry FROM articles WHERE key IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall()
            for key, entry in rows:
                value = unpack(entry, key)
                if value is not None:
                    found[key] = value
        return found

    @fails_soft(lambda: True)
    def holds_articles(self) -> bool:
        """False when no parsed article is stored (a first build's cache)."""
        return self.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None

    @fails_soft(lambda keys: set(keys))
    def missing(self, keys: Iterable[str]) -> set[str]:
        """Those of `keys` that have no entry."""
        wanted = set(keys)
        present = {key for (key,) in self.db.execute("SELECT key FROM articles")}
        return wanted - present

    def put_articles(self, items: Mapping[str, object], keep: set[str]) -> None:
        """Store new entries (values, or entries as `pack` made them) and drop the ones no article
        uses any more, in one transaction, in a thread: SQLite lets other work run meanwhile (a first
        build writes tens of megabytes here); the next use of the cache waits for it."""
        self.wait()
        if self._db is None:
            return
        entries = {key: value if isinstance(value, bytes) else pack(value, key) for key, value in items.items()}
        self._writer = threading.Thread(target=self._put_in_background, args=(entries, keep), name="cache writer")
        self._writer.start()

    def _put_in_background(self, entries: Mapping[str, bytes], keep: set[str]) -> None:
        try:
            self._put_entries(entries, keep)
        except BaseException as exc:  # noqa: BLE001 - raised again by `wait`, in the build's thread
            self._written = exc

    @fails_soft(lambda *_, **__: None)
    def _put_entries(self, entries: Mapping[str, bytes], keep: set[str]) -> None:
        if not entries and self._count_articles() <= KEEP_FACTOR * len(keep):
            return
        with self.transaction():
            # Rows go in by the thousand: this thread takes the GIL back from the build's after every
            # statement (to bind the next values), waiting up to the switch interval (5 ms) each time
            # the build's thread runs Python meanwhile. One statement per row held the render
            # workers' fork 0.35 s waiting for it at the end of a first build; per hundred, 0.2 s.
            items = list(entries.items())
            rows = max(1, min(ROWS_PER_INSERT, self.db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 2))
            whole = len(items) - len(items) % rows
            if whole:
                many = "INSERT OR REPLACE INTO articles VALUES " + ", ".join(["(?, ?)"] * rows)
                self.db.executemany(many, (tuple(value for item in items[start:start + rows] for value in item)
                                           for start in range(0, whole, rows)))
            self.db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?)", items[whole:])
            if self._count_articles() > KEEP_FACTOR * len(keep):
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM keep")
                self.db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keep))
                self.db.execute("DELETE FROM articles WHERE key NOT IN (SELECT key FROM keep)")

    def _count_articles(self) -> int:
        (count,) = self.db.execute("SELECT count(*) FROM articles").fetchone()
        return int(count)

    # sources
    @fails_soft(lambda root: {})
    def sources(self, root: Path) -> dict[str, SourceRecord]:
        """What is known of `root`'s source files (read once per process; `put_sources` updates it).

        Remembering is safe even if another process updates the database meanwhile: a record is
        trusted only while the file's stat is the one it holds (`SourceRecord.still_valid`)."""
        memo = (self.folder.resolve(), "sources", root.resolve())
        if memo not in _REMEMBERED:
            where = path_bytes(str(memo[2]))
            rows = self.db.execute("SELECT rel, stat, digest, read_ns, mac FROM sources WHERE root = ?", (where,))
            _REMEMBERED[memo] = source_records(where, rows)
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda *_, **__: None)
    def put_sources(self, root: Path, records: Mapping[str, SourceRecord], known: Mapping[str, SourceRecord]) -> None:
        """Record what is now known of `root`'s source files (`known`: what was)."""
        _REMEMBERED[(self.folder.resolve(), "sources", root.resolve())] = dict(records)
        where = path_bytes(str(root.resolve()))
        changed = [(path_bytes(rel), r) for rel, r in records.items() if known.get(rel) != r]
        gone = [path_bytes(rel) for rel in known if rel not in records]
        if not changed and not gone:
            return
        with self.transaction():
            self.db.executemany("DELETE FROM sources WHERE root = ? AND rel = ?", ((where, rel) for rel in gone))
            self.db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                                (source_row(where, rel, r) for rel, r in changed))

    # outputs
    @fails_soft(lambda folder: {})
    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        """What the last build wrote into `folder` (read once per process; `put_outputs` updates it).
        As with `sources`, a record is trusted only while the file's stat is the one it holds."""
        memo = (self.folder.resolve(), "outputs", folder)
        if memo not in _REMEMBERED:
            where = path_bytes(str(folder))
            rows = self.db.execute("SELECT path, key, digest, stat, mac FROM outputs WHERE folder = ?", (where,))
            _REMEMBERED[memo] = output_records(where, rows)
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda folder, paths: {})
    def outputs_of(self, folder: Path, paths: Iterable[str]) -> dict[str, OutputRecord]:
        """What the last build wrote at those `paths` of `folder` (those it wrote)."""
        memo = (self.folder.resolve(), "outputs", folder)
        if memo in _REMEMBERED:
            return {path: _REMEMBERED[memo][path] for path in paths if path in _REMEMBERED[memo]}
        where, wanted = path_bytes(str(folder)), [path_bytes(path) for path in dict.fromkeys(paths)]
        rows = self.db.execute("SELECT path, key, digest, stat, mac FROM outputs WHERE folder = ? AND path IN "
                               f"({','.join('?' * len(wanted))})", (where, *wanted))
        return output_records(where, rows)

    @fails_soft(lambda *_, **__: None)
    def put_outputs(self, folder: Path, changed: Mapping[str, OutputRecord], removed: Iterable[str],
                    replace_all: bool) -> None:
        """Record what the build left in `folder`: changed and removed files, or all of them."""
        memo = (self.folder.resolve(), "outputs", folder)
        remembered = {} if replace_all or memo not in _REMEMBERED else _REMEMBERED.pop(memo)
        where = path_bytes(str(folder))
        with self.transaction():
            if replace_all:
                self.db.execute("DELETE FROM outputs WHERE folder = ?", (where,))
            else:
                self.db.executemany("DELETE FROM outputs WHERE folder = ? AND path = ?",
                                    ((where, path_bytes(path)) for path in removed))
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
                                (output_row(where, path, r) for path, r in changed.items()))
        if remembered or replace_all:
            for path in removed:
                remembered.pop(path, None)
            _REMEMBERED[memo] = {**remembered, **changed}

    # the last build into each output folder (see last_build.py)
    @fails_soft(lambda folder: None)
    def get_build(self, folder: Path) -> str | None:
        where = path_bytes(str(folder))
        row = self.db.execute("SELECT record, mac FROM builds WHERE folder = ?", (where,)).fetchone()
        if row is None:
            return None
        record = build_record(where, *row)
        if record is None:
            log.debug("the record of the last build of %s is forged or damaged: a miss", folder)
        return record

    @fails_soft(lambda *_, **__: None)
    def put_build(self, folder: Path, record: str | None) -> None:
        where = path_bytes(str(folder))
        if record is None:
            self.db.execute("DELETE FROM builds WHERE folder = ?", (where,))
        else:
            self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?, ?)",
                            (where, record, build_mac(where, record)))

    # what is kept of a folder: what the pages of the last build into it depend on (`DEPENDENTS`, see
    # edits.py), the folders under it as last walked (`LISTING`)
    @fails_soft(lambda kind, folder: None)
    def get_kept(self, kind: str, folder: Path) -> object | None:
        where = path_bytes(str(folder))
        row = self.db.execute("SELECT entry FROM folders WHERE kind = ? AND folder = ?", (kind, where)).fetchone()
        return None if row is None else unpack(row[0], f"{kind}\0{folder}")

    @fails_soft(lambda *_, **__: None)
    def put_kept(self, kind: str, folder: Path, value: object | None) -> None:
        where = path_bytes(str(folder))
        if value is None:
            self.db.execute("DELETE FROM folders WHERE kind = ? AND folder = ?", (kind, where))
        else:
            entry = pack(value, f"{kind}\0{folder}")
            self.db.execute("INSERT OR REPLACE INTO folders VALUES (?, ?, ?)", (kind, where, entry))

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)


def _connect(path: Path) -> sqlite3.Connection:
    """The database at `path`, with tables of this layout (those of another are dropped)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # No fsync: a build that crashes or is killed still leaves every commit whole (the operating
        # system has the writes); only a crash of the system itself could lose or damage some, and
        # then entries fail their MAC, records their stat, and a damaged database is started afresh.
        # Forcing the 67 MB of a first build's entries to disk held the render workers' fork for 0.4 s.
        db.execute("PRAGMA synchronous=OFF")
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:
            with _Transaction(db):
                for table in TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
