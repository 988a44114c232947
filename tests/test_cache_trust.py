"""The cache is input like any other (CI restores it from earlier runs): whatever it holds, a build's
output equals a clean build's, and a cache that cannot be used is a warning, never a failed build.

Forgeries are made as an attacker who can write the cache but has not the secret key would make
them: by recomputing a plain checksum, by editing the database, by moving entries around."""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import os
import pickle
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from site_builder import memo, model
from site_builder.output import state as output_state
from site_builder.reuse import entries as cache_entries
from site_builder.reuse import fingerprints, last_build
from site_builder.reuse import key as cache_key
from site_builder.reuse import store as cache
from tests.helpers import article, make_site, tree_digest
from tests.scenarios import SITE, build_site, clean_build

CACHE = ".site-builder-cache"


@pytest.fixture(autouse=True)
def fresh_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts like a new process, with a key file of its own (none of the user's touched)."""
    monkeypatch.delenv(cache_key.KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # A forgery that got through would change the model's class for every later test: put it back.
    monkeypatch.setattr(model.Article, "__hash__", model.Article.__hash__)
    memo.forget()
    cache_key.forget()
    yield
    memo.forget()
    cache_key.forget()


def database(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / CACHE / "cache.sqlite3", isolation_level=None)


def as_restored_in_ci(root: Path) -> None:
    """A fresh checkout (no output folder) with the cache restored, in a new process."""
    for path in sorted((root / "public").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (root / "public").rmdir()
    memo.forget()


def stored_articles(root: Path) -> dict[str, model.Article]:
    """Every entry's article, read as the attacker would (plain pickle, any format)."""
    with database(root) as db:
        rows = db.execute("SELECT key, entry FROM articles").fetchall()
    return {key: pickle.loads(entry[len(cache_entries.FORMAT) + 32:]) for key, entry in rows}


def with_plain_checksum(payload: bytes) -> bytes:
    """An entry as the cache used to check it: header, SHA-256 of the payload (anyone can recompute
    it), payload."""
    return cache_entries.FORMAT + hashlib.sha256(payload).digest() + payload


def write_entries(root: Path, entries: dict[str, bytes]) -> None:
    with database(root) as db:
        db.executemany("UPDATE articles SET entry = ? WHERE key = ?", [(e, k) for k, e in entries.items()])


def assert_as_clean(root: Path, tmp_path: Path) -> None:
    published = tree_digest(root / "public")
    assert published == clean_build(root, tmp_path / "clean")
    for path in (root / "public").rglob("*.html"):
        assert b"<script>alert" not in path.read_bytes(), path


# --- forged entries and records --------------------------------------------------------------------

def test_an_entry_forged_with_a_recomputed_checksum_is_not_published(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    forged = {}
    for key, stored in stored_articles(root).items():
        evil = object.__new__(model.Article)
        evil.__dict__.update(stored.__getstate__(), body_html="<script>alert(1)</script>")
        forged[key] = with_plain_checksum(pickle.dumps(evil, protocol=pickle.HIGHEST_PROTOCOL))
    write_entries(root, forged)
    as_restored_in_ci(root)
    result = build_site(root)
    assert_as_clean(root, tmp_path)
    assert result.parsed == len(forged)
    again = build_site(root, output=tmp_path / "again")  # the forged entries were replaced
    assert again.parsed == 0


def test_an_entry_that_would_change_the_article_class_changes_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    # GLOBAL site_builder.model.Article, state (None, {"__hash__": None}), BUILD: the names are the
    # model's, which the allow-list let through, and BUILD set attributes of the class itself.
    rewrite_class = b"\x80\x02csite_builder.model\nArticle\nN}(X\x08\x00\x00\x00__hash__Nu\x86b."
    write_entries(root, {key: with_plain_checksum(rewrite_class) for key in stored_articles(root)})
    as_restored_in_ci(root)
    build_site(root)
    assert model.Article.__dict__["__hash__"] is not None
    assert_as_clean(root, tmp_path)


def test_the_unpickler_constructs_no_class_even_under_a_valid_mac() -> None:
    """Behind the MAC (a key that leaked), an entry still cannot change a class nor run code."""
    rewrite_class = b"\x80\x02csite_builder.model\nArticle\nN}(X\x08\x00\x00\x00__hash__Nu\x86b."
    run_code = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x85R."
    # BUILD on what the allow-list hands out (here `_record`) must fail too.
    change_loader = b"\x80\x02csite_builder.reuse.entries\n_record\nN}(X\x07\x00\x00\x00_recordNu\x86b."
    for payload in (rewrite_class, run_code, change_loader):
        mac = cache_key.mac()(cache_entries.FORMAT, cache_entries._keyed("k"), payload)
        entry = cache_entries.FORMAT + mac + payload
        assert cache_entries.unpack(entry, "k") is None
    assert model.Article.__dict__["__hash__"] is not None


def test_an_entry_copied_under_another_articles_key_is_a_miss(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    with database(root) as db:
        (first, entry), (second, _) = db.execute("SELECT key, entry FROM articles ORDER BY key LIMIT 2").fetchall()
    write_entries(root, {second: entry})  # the first article's entry, whole, in place of the second's
    as_restored_in_ci(root)
    result = build_site(root)
    assert_as_clean(root, tmp_path)
    assert result.parsed == 1


FORGED_OUTPUTS = {
    "a stat of three numbers": {"stat": "1 2 3"},
    "no stat": {"stat": None},
}


@pytest.mark.parametrize("forgery", FORGED_OUTPUTS, ids=list(FORGED_OUTPUTS))
def test_a_forged_output_record_makes_no_later_build_fail(tmp_path: Path, forgery: str) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    with database(root) as db:
        cursor = db.execute("SELECT * FROM outputs LIMIT 1")
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        row.update(path=row["path"] if isinstance(row["path"], bytes) else "fr/forged.html")
        row.update(FORGED_OUTPUTS[forgery])
        db.execute(f"INSERT OR REPLACE INTO outputs VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    for step in range(2):  # an edit each time: the records are read
        make_site(root, {"content/articles/2024/b.fr.md": article("Bravo", "2024-02-10", f"Bravo {step}.",
                                                                  tags="[Europe]")})
        memo.forget()
        build_site(root)
    assert_as_clean(root, tmp_path)


FORGED_SOURCES = {
    "a stat that is not numbers": {"stat": "big small"},
    "a time that is not a number": {"read_ns": "later"},
}


@pytest.mark.parametrize("forgery", FORGED_SOURCES, ids=list(FORGED_SOURCES))
def test_a_forged_source_record_is_a_miss(tmp_path: Path, forgery: str) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    with database(root) as db:
        cursor = db.execute("SELECT * FROM sources")
        names = [c[0] for c in cursor.description]
        for values in cursor.fetchall():
            row = {**dict(zip(names, values, strict=True)), **FORGED_SOURCES[forgery]}
            db.execute(f"INSERT OR REPLACE INTO sources VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    memo.forget()
    build_site(root, output=tmp_path / "other")
    memo.forget()
    build_site(root, output=tmp_path / "other")
    assert tree_digest(tmp_path / "other") == clean_build(root, tmp_path / "clean")


def test_a_last_build_record_edited_in_the_database_is_a_miss(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    (root / "public/fr/index.html").write_text("defaced", encoding="utf-8")
    with database(root) as db:  # "nothing changed", whatever the output folder holds; and a bad date
        db.execute("UPDATE builds SET record = json_set(record, '$.horizon', 'not a date')")
    memo.forget()
    build_site(root)
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")


OUTSIDE = [b"../outside.html", b"/tmp/outside.html", b"fr/../../outside.html", b"fr/..", b"", b"a\0b"]


def test_records_under_a_valid_mac_are_misses_when_their_path_leaves_their_folder(tmp_path: Path) -> None:
    """Behind the MAC (a key that leaked), a record still names only a file inside its folder."""
    store = cache.Cache(tmp_path / "cache")
    good = output_state.OutputRecord("key", fingerprints.digest("x"), (1, 2, 3, 4))
    store.put_outputs(tmp_path / "out", {"fr/index.html": good}, (), replace_all=True)
    source = cache_entries.SourceRecord((1, 2, 3, 4), fingerprints.digest("y"), 5)
    store.put_sources(tmp_path, {"content/articles/a.md": source}, {})
    folder, root = os.fsencode(tmp_path / "out"), os.fsencode(tmp_path)
    for path in OUTSIDE:
        store.db.execute("INSERT INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
                         (folder, path, *_output_fields(folder, path, good)))
        store.db.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                         (root, path, *_source_fields(root, path, source)))
    cache.forget_records()
    assert store.outputs(tmp_path / "out") == {"fr/index.html": good}
    assert store.sources(tmp_path) == {"content/articles/a.md": source}
    store.close()


def _output_fields(folder: bytes, path: bytes, record: output_state.OutputRecord) -> tuple[object, ...]:
    stat = " ".join(map(str, record.stat))
    message = b"outputs\0%s\0%s\0%s\0%s\0%s" % (folder, path, record.key.encode(), record.digest.encode(),
                                                   stat.encode())
    return record.key, record.digest, stat, cache_key.mac()(message)


def _source_fields(root: bytes, rel: bytes, record: cache_entries.SourceRecord) -> tuple[object, ...]:
    stat = " ".join(map(str, record.stat))
    message = b"sources\0%s\0%s\0%s\0%s\0%d" % (root, rel, stat.encode(), record.digest.encode(), record.read_ns)
    return stat, record.digest, record.read_ns, cache_key.mac()(message)


def test_a_last_build_record_of_the_wrong_shape_is_a_miss_even_under_a_valid_mac(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path / "cache")
    valid = {"inputs": "i", "frame": "f", "output": "o", "horizon": None, "articles": {"fr": 1}, "pages": 1, "files": 1,
             "warnings": [], "edited": {"content/articles/a.fr.md": "d"}}
    for change in ({"horizon": "not a date"}, {"pages": "many"}, {"articles": [1]}, {"warnings": [[1]]},
                   {"inputs": None}, {"frame": 1}, {"edited": {"a": 1}}, {"extra": 1}):
        store.put_build(tmp_path, json.dumps({**valid, **change}))
        assert last_build.load(store, tmp_path) is None, change
    store.put_build(tmp_path, json.dumps(valid))
    assert last_build.load(store, tmp_path) is not None
    store.close()


# --- the key -----------------------------------------------------------------------------------------

def test_the_mac_is_hmac_sha256() -> None:
    key = bytes(range(32))
    for message in (b"", b"a record", b"x" * 10_000):
        assert cache_key.Mac(key)(message[:3], message[3:]) == hmac.digest(key, message, "sha256")
    long_key = b"k" * 100
    assert cache_key.Mac(long_key)(b"m") == hmac.digest(long_key, b"m", "sha256")


def test_the_key_file_is_made_once_outside_the_project_readable_by_its_owner_only(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    key_file = tmp_path / "config/site-builder/cache.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["cache.key"]  # no temporary file left
    key = key_file.read_bytes()
    assert not any(path.read_bytes().find(key) >= 0 for path in (root / CACHE).rglob("*") if path.is_file())
    cache_key.forget()
    memo.forget()
    again = build_site(root, output=tmp_path / "other")  # a new process: the same key, every entry used
    assert again.parsed == 0 and key_file.read_bytes() == key


def test_of_two_processes_making_the_key_file_at_once_the_first_ones_key_stands(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "config/site-builder/cache.key"
    theirs = b"t" * 32
    link = os.link

    def another_process_first(source: str, target: str) -> None:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, theirs)
        os.close(fd)
        link(source, target)

    monkeypatch.setattr(os, "link", another_process_first)
    assert cache_key.secret() == cache_key.Secret(theirs)
    assert key_file.read_bytes() == theirs and [p.name for p in key_file.parent.iterdir()] == ["cache.key"]


def test_a_cache_made_with_another_key_is_all_misses_and_the_site_the_same(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """As in CI without the secret: each run's key is new, the restored cache is cold."""
    monkeypatch.setenv(cache_key.KEY_ENV, "first run")
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    monkeypatch.setenv(cache_key.KEY_ENV, "second run")
    cache_key.forget()
    as_restored_in_ci(root)
    result = build_site(root)
    assert result.parsed == len(SITE) - 2
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")
    assert not (tmp_path / "config").exists()  # the key given, no key file is made


def test_a_key_file_others_can_read_is_not_used(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key_file = tmp_path / "config/site-builder/cache.key"
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(b"k" * 32)
    key_file.chmod(0o644)
    root = make_site(tmp_path / "site", SITE)
    with caplog.at_level(logging.WARNING):
        build_site(root)
    assert cache_key.secret().key != b"k" * 32
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert str(key_file) in warning and "chmod 600" in warning


def test_a_key_file_that_would_be_inside_the_project_is_never_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    with caplog.at_level(logging.WARNING):
        build_site(root)
    assert not (root / "config").exists()
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "key file" in warning and "XDG_CONFIG_HOME" in warning


# --- a cache that cannot be used -----------------------------------------------------------------------

def one_cache_warning(caplog: pytest.LogCaptureFixture, folder: Path, what_to_do: str = "or delete it") -> None:
    """One warning, naming the cache folder and saying what to do."""
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert str(folder) in message and what_to_do in message, message


def build_with_cache_trouble(root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                             what_to_do: str = "or delete it", **options: Any) -> None:
    """Edit an article and build: the site is right, and one warning says what to do."""
    make_site(root, {"content/articles/2024/b.fr.md": article("Bravo", "2024-02-10", "Bravo, again.", tags="[Europe]")})
    memo.forget()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        build_site(root, **options)
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")
    one_cache_warning(caplog, options.get("cache_dir", root / CACHE), what_to_do)


def test_a_folder_in_place_of_the_database_is_replaced_by_a_new_cache(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    (root / CACHE / "cache.sqlite3").mkdir(parents=True)
    (root / CACHE / "cache.sqlite3/inside").write_text("x", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        build_site(root)
    one_cache_warning(caplog, root / CACHE, "a new database started")
    memo.forget()
    assert build_site(root, output=tmp_path / "other").parsed == 0  # the new cache works


def test_a_read_only_cache_is_one_warning_and_the_build_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    # (Tests run as root, whom file modes do not stop: SQLite is told the database is read-only.)
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw))
    build_with_cache_trouble(root, tmp_path, caplog)


def test_a_cache_folder_that_cannot_be_made_is_a_build_without_cache(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")
    build_site(root)
    build_with_cache_trouble(root, tmp_path, caplog, "--cache-dir", cache_dir=tmp_path / "a file/cache")


def test_the_command_line_builds_without_a_cache_folder_it_cannot_make(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", str(root), "--no-search",
                             "--cache-dir", str(tmp_path / "a file/cache")], capture_output=True, text=True,
                            check=False, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("WARNING") == 1 and "a file/cache" in result.stderr, result.stderr


class FullDisk(sqlite3.Connection):
    """A database on a disk that is full: reading works, writing fails as SQLite says it."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.lstrip().upper().startswith(("BEGIN", "INSERT", "DELETE", "CREATE", "DROP", "PRAGMA USER_VERSION =")):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        raise sqlite3.OperationalError("database or disk is full")


def test_a_full_disk_under_the_database_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: connect(*a, factory=FullDisk, **kw))
    build_with_cache_trouble(root, tmp_path, caplog, "its disk is not full")


def test_a_full_disk_under_the_cache_folder_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root, cache=False)
    mkdir: Callable[..., None] = Path.mkdir

    def full(path: Path, *args: Any, **kwargs: Any) -> None:
        if path.name == CACHE:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        mkdir(path, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", full)
    build_with_cache_trouble(root, tmp_path, caplog, "--cache-dir")


# --- any text -----------------------------------------------------------------------------------------

def test_the_cache_keeps_names_that_are_not_utf8_and_no_text_makes_it_fail(tmp_path: Path) -> None:
    """File names come from `os.fsdecode`: bytes that are not UTF-8 arrive as surrogates."""
    name = "content/articles/caf\udce9.fr.md"
    store = cache.Cache(tmp_path / "cache")
    source = cache_entries.SourceRecord((1, 2, 3, 4), fingerprints.digest("x"), 5)
    output = output_state.OutputRecord("key", fingerprints.digest("y"), (1, 2, 3, 4))
    folder = tmp_path / "out\udce9"
    store.put_sources(tmp_path, {name: source}, {})
    store.put_outputs(folder, {"caf\udce9/index.html": output}, (), replace_all=True)
    store.put_build(folder, '{"a": 1}')
    store.put_articles({"\ud800 lone": "value"}, keep={"\ud800 lone"})  # (keys are digests: such a key is a miss)
    assert store.articles(["\ud800 lone", "\udce9"]) == {}
    cache.forget_records()  # as a new process would read them
    assert store.sources(tmp_path) == {name: source}
    assert store.outputs(folder) == {"caf\udce9/index.html": output}
    assert store.get_build(folder) == '{"a": 1}'
    assert not store.broken
    store.close()
