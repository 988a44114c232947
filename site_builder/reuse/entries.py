"""What the build cache stores, and how each entry and record is authenticated and checked when it
is read back (see `store` for the store, `key` for the key).

Whoever can write the cache but has not the key can only make misses: every entry and record carries
an HMAC-SHA256 of its fields, its folder and (for an entry) its key, so a forged, damaged or moved one
does not match. Behind the MAC, a record is used only when its fields are what this code writes, and
an entry is unpickled with nothing but the model's records, dates, time zones and read-only mappings
within its reach."""

from __future__ import annotations

import copyreg
import datetime
import hmac
import io
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from site_builder import model
from site_builder.output.state import OutputRecord, Stat
from site_builder.reuse import key as cache_key

log = logging.getLogger(__name__)

FORMAT = b"site-builder-cache 4\n"
"""Header of every stored entry: a change of layout bumps it and old entries are ignored."""
MAC_BYTES = 32
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


# --- records -------------------------------------------------------------------------------------


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


# Each record's MAC covers its table, its folder and every field, joined by NUL bytes (which no path
# holds and no other field can). A record read back is used only when its MAC matches and its fields
# are what this code writes: a path inside its folder, a stat of four integers, texts, an integer.
# Anything else is a miss (a TypeError, ValueError... while reading it, caught below).

_SOURCE = b"sources\0%s\0%s\0%s\0%s\0%d"
_OUTPUT = b"outputs\0%s\0%s\0%s\0%s\0%s"
_BUILD = b"builds\0%s\0%s"
_REFUSED = (TypeError, ValueError, AttributeError, UnicodeError)
"""What reading a record that is not as written raises."""


def path_bytes(path: str) -> bytes:
    """A path as stored: UTF-8, with the surrogates of a name that is not UTF-8 kept as they are."""
    return path.encode("utf-8", "surrogatepass")


def source_row(root: bytes, rel: bytes, record: SourceRecord) -> tuple[bytes, bytes, str, str, int, bytes]:
    stat = _text(record.stat)
    mac = cache_key.mac()(_SOURCE % (root, rel, stat.encode(), record.digest.encode(), record.read_ns))
    return root, rel, stat, record.digest, record.read_ns, mac


def source_records(root: bytes, rows: Iterable[tuple[Any, ...]]) -> dict[str, SourceRecord]:
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


def output_row(folder: bytes, path: str, record: OutputRecord) -> tuple[bytes, bytes, str, str, str, bytes]:
    stat, rel = _text(record.stat), path_bytes(path)
    mac = cache_key.mac()(_OUTPUT % (folder, rel, record.key.encode(), record.digest.encode(), stat.encode()))
    return folder, rel, record.key, record.digest, stat, mac


def output_records(folder: bytes, rows: Iterable[tuple[Any, ...]]) -> dict[str, OutputRecord]:
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


def build_mac(folder: bytes, record: str) -> bytes:
    """The MAC of the last build's record of `folder` (see last_build.py)."""
    return cache_key.mac()(_BUILD % (folder, record.encode()))


def build_record(folder: bytes, record: Any, mac: Any) -> str | None:
    """The last build's record of `folder` as stored, if it is the one stored by this code."""
    try:
        if hmac.compare_digest(mac, build_mac(folder, record)):
            return str(record)
    except _REFUSED:
        pass
    return None


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
