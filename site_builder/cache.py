"""The persistent build cache: parsed articles keyed by content, and what each output folder holds.

Everything lives in one SQLite database in the cache folder (`<project>/.site-builder-cache/` by
default). SQLite commits atomically, so a build killed while writing leaves the previous cache.

The cache is input like any other (CI restores it from earlier runs): every entry and record carries
an HMAC-SHA256 under a secret key kept outside it (see `cache_key`) and a format version, and any
doubt is a miss, rebuilt: a MAC or a version that does not match, a value the unpickler refuses, a
path outside its folder, a field of the wrong type. A cache that cannot be opened or written is one
warning and a build without it; a database that cannot be read at all is deleted and started afresh.
Keys hold a fingerprint of the package's code and of the config (and, for pages, of the templates),
so changing any of them invalidates what depends on it."""

from __future__ import annotations

import copyreg
import datetime
import hashlib
import hmac
import io
import logging
import os
import pickle
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache, wraps
from importlib import metadata
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import site_builder
from site_builder import cache_key, model, parallel
from site_builder.config import SiteConfig

log = logging.getLogger(__name__)

R = TypeVar("R")

CACHE_DIR = ".site-builder-cache"
FORMAT = b"site-builder-cache 4\n"
"""Header of every stored entry: a change of layout bumps it and old entries are ignored."""
MAC_BYTES = 32
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


def folder_fingerprint(*folders: Path) -> str:
    """Names and bytes of every file under `folders` (templates: a change re-renders every page)."""
    parts: list[bytes | str] = []
    for index, folder in enumerate(folders):
        parts.append(str(index))  # where each folder is does not matter, what it holds does
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


# --- entries -------------------------------------------------------------------------------------
# An entry is FORMAT, the MAC of (FORMAT, its key, the payload) under the secret key, and the payload:
# a pickle of model records. Whoever can write the cache but does not hold the key can only make
# misses: a forged, replayed (under another key) or damaged entry fails its MAC. Behind the MAC, the
# unpickler still constructs nothing but the model's records (see `_Unpickler`).

RECORD_TYPES: dict[str, type] = {cls.__name__: cls for cls in (model.Article, model.Translation, model.TagLink,
                                                                 model.Correction)}
"""The records an entry may hold (an article and what it is made of)."""
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in RECORD_TYPES.values()}
_GET_FIELDS = {cls: attrgetter(*names) for cls, names in _FIELDS.items()}


def _record(name: str, values: tuple[object, ...]) -> object:
    """The record of type `name` with these field values (how an entry stores a record)."""
    cls = RECORD_TYPES[name]
    names = _FIELDS[cls]
    if type(values) is not tuple or len(values) != len(names):
        raise pickle.UnpicklingError(f"a {name} record of the wrong shape")
    record: object = object.__new__(cls)
    record.__dict__.update(zip(names, values, strict=True))
    return record


def _reduce_record(record: object) -> tuple[Callable[..., object], tuple[str, tuple[object, ...]]]:
    cls = type(record)
    return _record, (cls.__name__, _GET_FIELDS[cls](record))


_DISPATCH = {**copyreg.dispatch_table, **{cls: _reduce_record for cls in RECORD_TYPES.values()}}
"""How entries are pickled: records by `_record` and their fields, so that loading one never puts
one of the model's classes within the pickle's reach."""


class _Sealed:
    """A constructor the unpickler may call: it takes no state and no attribute (a pickle's BUILD
    on it fails), unlike a function or a class, whose attributes a pickle could set."""

    __slots__ = ("_make",)
    _make: Callable[..., object]

    def __init__(self, make: Callable[..., object]):
        object.__setattr__(self, "_make", make)

    def __call__(self, *args: Any) -> object:
        return self._make(*args)

    def __setattr__(self, name: str, value: object) -> None:
        raise pickle.UnpicklingError("a cache entry tried to change what loads it")

    def __setstate__(self, state: object) -> None:
        raise pickle.UnpicklingError("a cache entry tried to change what loads it")


class _Unpickler(pickle.Unpickler):
    """Constructs only the model's records, time zones, dates and read-only mappings: what an entry
    holds. No class of the project's is ever handed to the pickle (the records come from `_record`),
    and the datetime types are built-in, so no class can be changed, nor any code run."""

    ALLOWED: dict[tuple[str, str], object] = {
        ("datetime", "datetime"): datetime.datetime, ("datetime", "date"): datetime.date,
        ("datetime", "timezone"): datetime.timezone, ("datetime", "timedelta"): datetime.timedelta,
        (__name__, "_mapping"): _Sealed(_mapping), (__name__, "_zone"): _Sealed(_zone),
        (__name__, "_record"): _Sealed(_record),
    }

    def find_class(self, module: str, name: str) -> Any:
        found = self.ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return found


def _keyed(key: str) -> bytes:
    data = key.encode("utf-8", "surrogatepass")
    return len(data).to_bytes(4, "little") + data


def pack(value: object, key: str) -> bytes:
    """Header, MAC and pickled value: what the entry of `key` is stored as."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    payload = buffer.getvalue()
    return FORMAT + cache_key.mac()(FORMAT, _keyed(key), payload) + payload


def unpack_own(blob: bytes) -> object:
    """An entry that `pack` made in this build (a worker's result), not read from disk: loaded
    without the MAC and the allow-list of types that an entry from the database needs (twice as
    fast: 0.17 s for 10,000 articles)."""
    return pickle.loads(memoryview(blob)[len(FORMAT) + MAC_BYTES:])


def unpack(blob: object, key: str) -> object | None:
    """The value stored as the entry of `key`, or None when the entry is truncated, forged, damaged,
    of another format or made with another secret key."""
    start = len(FORMAT) + MAC_BYTES
    if not isinstance(blob, bytes) or len(blob) < start or not blob.startswith(FORMAT):
        return None
    payload = memoryview(blob)[start:]
    if not hmac.compare_digest(cache_key.mac()(FORMAT, _keyed(key), payload), blob[len(FORMAT):start]):
        log.debug("cache entry %s: its MAC does not match", key)
        return None
    try:
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any failure means "not usable": the value is rebuilt
        log.debug("cache entry %s could not be loaded", key, exc_info=True)
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


DATABASE = "cache.sqlite3"
SCHEMA_VERSION = 4
"""Kept in the database (`PRAGMA user_version`): tables of another layout are dropped, not read."""
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, entry BLOB NOT NULL)",
    # Paths are stored as bytes (UTF-8, surrogates kept): any file name a folder can hold fits. Each
    # record carries the MAC of its fields (see `_row`).
    "CREATE TABLE IF NOT EXISTS sources (root BLOB, rel BLOB, stat TEXT, digest TEXT, read_ns INTEGER, mac BLOB, "
    "PRIMARY KEY (root, rel))",
    "CREATE TABLE IF NOT EXISTS outputs (folder BLOB, path BLOB, key TEXT, digest TEXT, stat TEXT, mac BLOB, "
    "PRIMARY KEY (folder, path))",
    "CREATE TABLE IF NOT EXISTS builds (folder BLOB PRIMARY KEY, record TEXT NOT NULL, mac BLOB)",
)
TABLES = ("articles", "sources", "outputs", "builds")


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

_REMEMBERED: dict[tuple[Path, str, Path], Any] = {}
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
        self._db = self._open(project) if self._has_key(project) else None
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
        """Find the secret key (see `cache_key`): never in the project or the cache folder, where
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

    def _open(self, project: Path | None) -> sqlite3.Connection | None:
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
            where = _path_bytes(str(memo[2]))
            rows = self.db.execute("SELECT rel, stat, digest, read_ns, mac FROM sources WHERE root = ?", (where,))
            _REMEMBERED[memo] = _source_records(where, rows)
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda *_, **__: None)
    def put_sources(self, root: Path, records: Mapping[str, SourceRecord], known: Mapping[str, SourceRecord]) -> None:
        """Record what is now known of `root`'s source files (`known`: what was)."""
        _REMEMBERED[(self.folder.resolve(), "sources", root.resolve())] = dict(records)
        where = _path_bytes(str(root.resolve()))
        changed = [(_path_bytes(rel), r) for rel, r in records.items() if known.get(rel) != r]
        gone = [_path_bytes(rel) for rel in known if rel not in records]
        if not changed and not gone:
            return
        with self.transaction():
            self.db.executemany("DELETE FROM sources WHERE root = ? AND rel = ?", ((where, rel) for rel in gone))
            self.db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                                (_source_row(where, rel, r) for rel, r in changed))

    # outputs
    @fails_soft(lambda folder: {})
    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        """What the last build wrote into `folder` (read once per process; `put_outputs` updates it).
        As with `sources`, a record is trusted only while the file's stat is the one it holds."""
        memo = (self.folder.resolve(), "outputs", folder)
        if memo not in _REMEMBERED:
            where = _path_bytes(str(folder))
            rows = self.db.execute("SELECT path, key, digest, stat, mac FROM outputs WHERE folder = ?", (where,))
            _REMEMBERED[memo] = _output_records(where, rows)
        return dict(_REMEMBERED[memo])

    @fails_soft(lambda *_, **__: None)
    def put_outputs(self, folder: Path, changed: Mapping[str, OutputRecord], removed: Iterable[str],
                    replace_all: bool) -> None:
        """Record what the build left in `folder`: changed and removed files, or all of them."""
        memo = (self.folder.resolve(), "outputs", folder)
        remembered = {} if replace_all or memo not in _REMEMBERED else _REMEMBERED.pop(memo)
        where = _path_bytes(str(folder))
        with self.transaction():
            if replace_all:
                self.db.execute("DELETE FROM outputs WHERE folder = ?", (where,))
            else:
                self.db.executemany("DELETE FROM outputs WHERE folder = ? AND path = ?",
                                    ((where, _path_bytes(path)) for path in removed))
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
                                (_output_row(where, path, r) for path, r in changed.items()))
        if remembered or replace_all:
            for path in removed:
                remembered.pop(path, None)
            _REMEMBERED[memo] = {**remembered, **changed}

    # the last build into each output folder (see last_build.py)
    @fails_soft(lambda folder: None)
    def get_build(self, folder: Path) -> str | None:
        where = _path_bytes(str(folder))
        row = self.db.execute("SELECT record, mac FROM builds WHERE folder = ?", (where,)).fetchone()
        if row is None:
            return None
        record, mac = row
        try:
            if hmac.compare_digest(mac, cache_key.mac()(_BUILD % (where, record.encode()))):
                return str(record)
        except _REFUSED:
            pass
        log.debug("the record of the last build of %s is forged or damaged: a miss", folder)
        return None

    @fails_soft(lambda *_, **__: None)
    def put_build(self, folder: Path, record: str | None) -> None:
        where = _path_bytes(str(folder))
        if record is None:
            self.db.execute("DELETE FROM builds WHERE folder = ?", (where,))
        else:
            self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?, ?)",
                            (where, record, cache_key.mac()(_BUILD % (where, record.encode()))))

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


# --- records ---------------------------------------------------------------------------------------
# Each record's MAC covers its table, its folder and every field, joined by NUL bytes (which no path
# holds and no other field can). A record read back is used only when its MAC matches and its fields
# are what this code writes: a path inside its folder, a stat of four integers, texts, an integer.
# Anything else is a miss (a TypeError, ValueError... while reading it, caught below).

_SOURCE = b"sources\0%s\0%s\0%s\0%s\0%d"
_OUTPUT = b"outputs\0%s\0%s\0%s\0%s\0%s"
_BUILD = b"builds\0%s\0%s"
_REFUSED = (TypeError, ValueError, AttributeError, UnicodeError)
"""What reading a record that is not as written raises."""


def _path_bytes(path: str) -> bytes:
    """A path as stored: UTF-8, with the surrogates of a name that is not UTF-8 kept as they are."""
    return path.encode("utf-8", "surrogatepass")


def _source_row(root: bytes, rel: bytes, record: SourceRecord) -> tuple[bytes, bytes, str, str, int, bytes]:
    stat = _text(record.stat)
    mac = cache_key.mac()(_SOURCE % (root, rel, stat.encode(), record.digest.encode(), record.read_ns))
    return root, rel, stat, record.digest, record.read_ns, mac


def _source_records(root: bytes, rows: Iterable[tuple[Any, ...]]) -> dict[str, SourceRecord]:
    sign, records, refused = cache_key.mac(), {}, 0
    for rel, stat, digest_, read_ns, mac in rows:
        try:
            if not hmac.compare_digest(mac, sign(_SOURCE % (root, rel, stat.encode(), digest_.encode(), read_ns))):
                raise ValueError("its MAC does not match")
            records[_inside(rel)] = SourceRecord(_stat(stat), digest_, int(read_ns))
        except _REFUSED:
            refused += 1
    _said_refused(refused, "sources")
    return records


def _output_row(folder: bytes, path: str, record: OutputRecord) -> tuple[bytes, bytes, str, str, str, bytes]:
    stat, rel = _text(record.stat), _path_bytes(path)
    mac = cache_key.mac()(_OUTPUT % (folder, rel, record.key.encode(), record.digest.encode(), stat.encode()))
    return folder, rel, record.key, record.digest, stat, mac


def _output_records(folder: bytes, rows: Iterable[tuple[Any, ...]]) -> dict[str, OutputRecord]:
    sign, records, refused = cache_key.mac(), {}, 0
    for path, key, digest_, stat, mac in rows:
        try:
            if not hmac.compare_digest(mac, sign(_OUTPUT % (folder, path, key.encode(), digest_.encode(),
                                                            stat.encode()))):
                raise ValueError("its MAC does not match")
            records[_inside(path)] = OutputRecord(str(key), str(digest_), _stat(stat))
        except _REFUSED:
            refused += 1
    _said_refused(refused, "outputs")
    return records


def _said_refused(count: int, table: str) -> None:
    if count:
        log.debug("%d records of %s in the cache are forged or damaged: misses", count, table)


def _inside(data: bytes) -> str:
    """The stored path, if it stays inside its folder (relative, without `..`, as this code writes)."""
    path = data.decode("utf-8", "surrogatepass")
    if not path or path[0] == "/" or "\0" in path or "/../" in f"/{path}/":
        raise ValueError(f"{path!r} is not a path inside the folder")
    return path


def _text(stat: Stat) -> str:
    return " ".join(map(str, stat))


def _stat(text: str) -> Stat:
    size, mtime, ctime, ino = map(int, text.split(" "))
    return (size, mtime, ctime, ino)


def now_ns() -> int:
    return time.time_ns()
