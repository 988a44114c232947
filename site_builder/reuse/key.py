"""The secret key that authenticates the build cache (HMAC-SHA256 over every entry and record).

A cache folder is input like any other: CI restores it from earlier runs, it can be copied or
shared, anyone who can write the project can write it. A plain checksum proves nothing then
(anyone can recompute it), so entries carry a MAC made with a key that never leaves this machine
or CI job, kept outside every project and cache folder:

- `SITE_BUILDER_CACHE_KEY`, when set and not empty (CI: a repository secret passed in);
- else a per-user key file, `$XDG_CONFIG_HOME/site-builder/cache.key` (`~/.config/...` when that is
  not set), made on first use with mode 0600 and read once per process.

An entry made with another key is a miss: a key that changes (a new CI runner without the secret, a
deleted key file) makes a cold build, never a wrong one. When no key file can be kept, the process
makes a key of its own (its cache is then cold in every new process) and says why."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from site_builder import memo

log = logging.getLogger(__name__)

KEY_ENV = "SITE_BUILDER_CACHE_KEY"
KEY_BYTES = 32


@dataclass(frozen=True)
class Secret:
    """The key of this process, and why it lasts no longer than the process, if it does not."""

    key: bytes
    problem: str | None = None
    """Why no lasting key could be had (said once, by the cache that uses it)."""


def key_file() -> Path:
    """Where the per-user key lives (XDG base directories: a relative XDG_CONFIG_HOME is ignored)."""
    config_home = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if os.path.isabs(config_home) else Path.home() / ".config"
    return base / "site-builder" / "cache.key"


def from_environment() -> bool:
    """True when the key is given by `SITE_BUILDER_CACHE_KEY` (no key file is used)."""
    return bool(os.environ.get(KEY_ENV))


@memo.memoized(maxsize=1)
def secret() -> Secret:
    """The key, found (or the key file made) once per process; forked workers inherit it."""
    given = os.environ.get(KEY_ENV)
    if given:
        return Secret(hashlib.sha256(b"site-builder cache key\n" + os.fsencode(given)).digest())
    try:
        path = key_file()
    except RuntimeError as exc:  # no home folder to keep it in
        return Secret(os.urandom(KEY_BYTES), f"has no folder to keep its key file in ({exc}; set {KEY_ENV})")
    try:
        return Secret(_read_or_make(path))
    except (OSError, UnusableKey) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Secret(os.urandom(KEY_BYTES), f"cannot use its key file {path} ({why}; or set {KEY_ENV})")


class UnusableKey(ValueError):
    """A key file that must not be trusted (the text says why and what to do)."""


def _read_or_make(path: Path) -> bytes:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Made whole under a temporary name, then linked into place: a process reading the key never
    # sees half of it, and of two processes making it at once, the first one's key stands.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(os.urandom(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
    log.debug("made the cache key file %s", path)
    return _read(path)


def _read(path: Path) -> bytes:
    """The key in `path`: a regular file of this user's that no one else can read or write."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnusableKey("it is not a regular file")
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise UnusableKey("other users can read or change it: `chmod 600` it, as its owner")
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    if len(data) < KEY_BYTES:
        raise UnusableKey("it is too short: delete it, a new one is made")
    return data


class Mac:
    """HMAC-SHA256 (RFC 2104) under one key, its two padded keys hashed once: a short record's MAC
    takes 0.6 µs instead of 1.4 µs with `hmac.digest`, which sets the key up on every call
    (10,000 source records are read by every build)."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __call__(self, *parts: bytes | memoryview) -> bytes:
        """The MAC of the parts joined (the caller makes the joining unambiguous)."""
        inner = self._inner.copy()
        for part in parts:
            inner.update(part)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


@memo.memoized(maxsize=1)
def mac() -> Mac:
    return Mac(secret().key)


def forget() -> None:
    """Find the key again (tests that change where it comes from)."""
    memo.clear(secret)
    memo.clear(mac)
