"""The persistent build cache: parsed articles keyed by content, and what each output folder holds.

Everything lives in one SQLite database in the cache folder (`<project>/.site-builder-cache/` by
default). SQLite commits atomically, so a build killed while writing leaves the previous cache; each
entry also carries a checksum and a format version, and is ignored (then rebuilt) when either does
not match; a database that cannot be read at all is deleted and started afresh. Keys hold a
fingerprint of the package's code and of the config (and, for pages, of the templates), so changing
any of them invalidates what depends on it."""

from __future__ import annotations

import copyreg
import hashlib
import io
import logging
import os
import pickle
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache, wraps
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import site_builder
from site_builder import parallel, sources
from site_builder.config import SiteConfig

log = logging.getLogger(__name__)

R = TypeVar("R")

CACHE_DIR = ".site-builder-cache"
FORMAT = b"site-builder-cache 3\n"
"""Header of every stored entry: a change of layout bumps it and old entries are ignored."""
DEPENDENCIES = ("jinja2", "markdown-it-pyrs", "markdown-it-py", "mdit-py-plugins", "nh3", "babel", "python-slugify",
                "text-unidecode", "PyYAML", "MarkupSafe")
KEEP_FACTOR = 3
"""Entries are pruned (all but those of the current build) once there are this many times more than
articles: the preview server (at its own URL) and `build` can then share the cache without evicting
each other's entries."""
RACY_NS = 2_000_000_000
"""A file modified this close to the moment it was read could change again without its stat
changing (coarse timestamps): its stat is not trusted next time, its bytes are read again."""


def _mapping(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(items)


def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


# The model's read-only mappings and time zones must cross process boundaries and be stored, with
# no reconstructor beyond these two (see _Unpickler).
copyreg.pickle(MappingProxyType, lambda m: (_mapping, (dict(m),)))
copyreg.pickle(ZoneInfo, lambda z: (_zone, (z.key,)))


# --- fingerprints --------------------------------------------------------------------------------

def digest(*parts: bytes | str) -> str:
    """Hex SHA-256 of the parts, each length-prefixed so that ("ab", "c") != ("a", "bc")."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The package's own source and the versions of the libraries that shape the output."""
    package = Path(site_builder.__file__).parent
    parts: list[bytes | str] = [site_builder.__version__, sys.version]
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    for name in DEPENDENCIES:
        try:
            parts += [name, metadata.version(name)]
        except metadata.PackageNotFoundError:
            parts += [name, "-"]
    return digest(*parts)


def config_fingerprint(config: SiteConfig) -> str:
    """Everything site.toml (and the command line) said; not where the project is (its files are
    fingerprinted by content)."""
    return digest(repr(replace(config, root=Path("."), source_file=None)))


def folder_fingerprint(*folders: tuple[Path, str]) -> str:
    """Names and bytes of the source files of each (project, folder) (templates: a change re-renders
    every page), and what `sources.walk` reports there: a build that would report it never passes
    for a build with nothing changed."""
    parts: list[bytes | str] = []
    for index, (root, folder) in enumerate(folders):
        parts.append(str(index))  # where each folder is does not matter, what it holds does
        found = sources.walk(root, folder)
        for file in found.files:
            try:
                parts += [file.rel, sources.read_bytes(str(file.path))]
            except OSError as exc:
                parts += [file.rel, str(sources.unreadable_problem(file.rel, exc))]
        parts += [str(problem) for problem in found.problems]
    return digest(*parts)


# --- entries -------------------------------------------------------------------------------------

class _Unpickler(pickle.Unpickler):
    """Rebuilds only the model's records: a tampered cache cannot make the builder run code."""

    ALLOWED = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "timezone"),
               ("datetime", "timedelta"), ("site_builder.cache", "_mapping"), ("site_builder.cache", "_zone")}

    def find_class(self, module: str, name: str) -> Any:
        allowed = (module, name) in self.ALLOWED or (
            module == "site_builder.model" and "." not in name and not name.startswith("_"))
        if not allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return super().find_class(module, name)


def pack(value: object) -> bytes:
    """Header, checksum and pickled value: what one entry is stored as."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return FORMAT + hashlib.sha256(payload).digest() + payload


def unpack_own(blob: bytes) -> object:
    """An entry that `pack` made in this build (a worker's result), not read from disk: loaded
    without the checksum and the allow-list of types that an entry from the database needs (twice
    as fast: 0.17 s for 10,000 articles)."""
    return pickle.loads(memoryview(blob)[len(FORMAT) + 32:])


def unpack(blob: bytes) -> object | None:
    """The stored value, or None when the entry is truncated, corrupt or of another format."""
    start = len(FORMAT) + 32
    if len(blob) < start or not blob.startswith(FORMAT):
        return None
    payload = blob[start:]
    if hashlib.sha256(payload).digest() != blob[len(FORMAT):start]:
        return None
    try:
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any failure means "not usable": the value is rebuilt
        log.debug("cache entry could not be loaded", exc_info=True)
        return None


# --- the store -----------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class SourceRecord:
    stat: Stat
    digest: str
    """SHA-256 of the file's bytes when it had `stat`."""
    read_ns: int
    """When it was read (see RACY_NS)."""

    def still_valid(self, stat: Stat) -> bool:
        """True when `stat` proves the bytes are still those hashed in `digest`."""
        return stat == self.stat and stat[1] + RACY_NS < self.read_ns


SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sources (root TEXT, rel TEXT, stat TEXT, digest TEXT, read_ns INTEGER,
                                    PRIMARY KEY (root, rel));
CREATE TABLE IF NOT EXISTS outputs (folder TEXT, path TEXT, key TEXT, digest TEXT, stat TEXT,
                                    PRIMARY KEY (folder, path));
CREATE TABLE IF NOT EXISTS builds (folder TEXT PRIMARY KEY, record TEXT NOT NULL);
"""


ROWS_PER_INSERT = 1000
"""Articles written by one INSERT statement (fewer where SQLite takes fewer values in one: 999
before 3.32, 32,766 since, unless built otherwise)."""


def fails_soft(default: Callable[..., Any]) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A method of Cache that treats a damaged database as a miss (`default(*args)`): the build goes
    on, and the database is started afresh when the cache is closed."""
    def wrap(method: Callable[..., R]) -> Callable[..., R]:
        @wraps(method)
        def run(self: Cache, *args: Any, **kwargs: Any) -> R:
            if threading.current_thread() is not self._writer:
                self.wait()
            if not self.broken:
                try:
                    return method(self, *args, **kwargs)
                except sqlite3.OperationalError as exc:  # locked by another build for too long, disk full
                    log.warning("the build cache %s cannot be used now (%s)", self.folder, exc)
                except sqlite3.DatabaseError as exc:
                    log.warning("the build cache %s is damaged (%s): it will be started afresh", self.folder, exc)
                    self.broken = True
            return default(*args, **kwargs)  # type: ignore[no-any-return]
        return run
    return wrap


_REMEMBERED: dict[tuple[Path, str, Path], Any] = {}
"""Records read from or written to a cache database by this process: (cache folder, table, folder) →
records. Forgotten when a database is started afresh (`forget_records`)."""


def forget_records() -> None:
    _REMEMBERED.clear()


class Cache:
    """The cache database of one project; every method fails soft (a cache miss), never the build."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.broken = False
        """A read or write found the database damaged: it is deleted on `close`."""
        self.db = self._open()
        self._writer: threading.Thread | None = None
        """Writes new articles while the build goes on (see `put_articles`); every method waits for it."""
        self._written: BaseException | None = None
        parallel.before_fork(self.wait)

    def wait(self) -> None:
        """Let the background writer finish (re-raising what it raised that was not a database error)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.join()
        error, self._written = self._written, None
        if error is not None:
            raise error

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "cache.sqlite3"
        for attempt in (1, 2):
            try:
                db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                # No fsync: a build that crashes or is killed still leaves every commit whole (the
                # operating system has the writes); only a crash of the system itself could lose or
                # damage some, and then entries fail their checksum, records their stat, and a
                # damaged database is started afresh. Forcing the 67 MB of a first build's entries
                # to disk held the render workers' fork for 0.4 s.
                db.execute("PRAGMA synchronous=OFF")
                db.executescript(SCHEMA)  # a damaged database is found here, or by `fails_soft` later
                return db
            except sqlite3.DatabaseError:
                if attempt == 2:
                    raise
                log.warning("the build cache %s is unreadable: starting a new one", path)
                for stale in self.folder.glob("cache.sqlite3*"):
                    stale.unlink()
        raise AssertionError("unreachable")

    def close(self) -> None:
        parallel.forget_before_fork(self.wait)
        self.wait()
        self.db.close()
        if self.broken:
            forget_records()
            for stale in self.folder.glob("cache.sqlite3*"):
                stale.unlink(missing_ok=True)

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
                value = unpack(entry)
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
        entries = {key: value if isinstance(value, bytes) else pack(value) for key, value in items.items()}
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
            rows = self.db.execute("SELECT rel, stat, digest, read_ns FROM sources WHERE root = ?", (str(memo[2]),))
            _REMEMBERED[memo] = {rel: SourceRecord(_stat(stat), digest_, read_ns)
                                 for rel, stat, digest_, read_ns in rows}
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda *_, **__: None)
    def put_sources(self, root: Path, records: Mapping[str, SourceRecord], known: Mapping[str, SourceRecord]) -> None:
        """Record what is now known of `root`'s source files (`known`: what was)."""
        _REMEMBERED[(self.folder.resolve(), "sources", root.resolve())] = dict(records)
        root = root.resolve()
        changed = [(rel, r) for rel, r in records.items() if known.get(rel) != r]
        gone = [rel for rel in known if rel not in records]
        if not changed and not gone:
            return
        with self.transaction():
            self.db.executemany("DELETE FROM sources WHERE root = ? AND rel = ?", ((str(root), rel) for rel in gone))
            self.db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                                ((str(root), rel, _text(r.stat), r.digest, r.read_ns) for rel, r in changed))

    # outputs
    @fails_soft(lambda folder: {})
    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        """What the last build wrote into `folder` (read once per process; `put_outputs` updates it).
        As with `sources`, a record is trusted only while the file's stat is the one it holds."""
        memo = (self.folder.resolve(), "outputs", folder)
        if memo not in _REMEMBERED:
            rows = self.db.execute("SELECT path, key, digest, stat FROM outputs WHERE folder = ?", (str(folder),))
            _REMEMBERED[memo] = {path: OutputRecord(key, digest_, _stat(stat)) for path, key, digest_, stat in rows}
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda *_, **__: None)
    def put_outputs(self, folder: Path, changed: Mapping[str, OutputRecord], removed: Iterable[str],
                    replace_all: bool) -> None:
        """Record what the build left in `folder`: changed and removed files, or all of them."""
        memo = (self.folder.resolve(), "outputs", folder)
        remembered = {} if replace_all or memo not in _REMEMBERED else _REMEMBERED.pop(memo)
        with self.transaction():
            if replace_all:
                self.db.execute("DELETE FROM outputs WHERE folder = ?", (str(folder),))
            else:
                self.db.executemany("DELETE FROM outputs WHERE folder = ? AND path = ?",
                                    ((str(folder), path) for path in removed))
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)",
                                ((str(folder), p, r.key, r.digest, _text(r.stat)) for p, r in changed.items()))
        if remembered or replace_all:
            for path in removed:
                remembered.pop(path, None)
            _REMEMBERED[memo] = {**remembered, **changed}

    # the last build into each output folder (see last_build.py)
    @fails_soft(lambda folder: None)
    def get_build(self, folder: Path) -> str | None:
        row = self.db.execute("SELECT record FROM builds WHERE folder = ?", (str(folder),)).fetchone()
        return str(row[0]) if row else None

    @fails_soft(lambda *_, **__: None)
    def put_build(self, folder: Path, record: str | None) -> None:
        if record is None:
            self.db.execute("DELETE FROM builds WHERE folder = ?", (str(folder),))
        else:
            self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?)", (str(folder), record))

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _text(stat: Stat) -> str:
    return " ".join(map(str, stat))


def _stat(text: str) -> Stat:
    size, mtime, ctime, ino = (int(x) for x in text.split())
    return (size, mtime, ctime, ino)


def now_ns() -> int:
    return time.time_ns()
