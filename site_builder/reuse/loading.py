"""What a build reuses of the articles earlier ones parsed: an article is parsed again only when
its bytes, its path, the config or the package's code changed (`fingerprints.code_fingerprint`);
the others come from this process's memory or the cache. What remains is parsed in `jobs` worker
processes (on a first build, they read the files too)."""

from __future__ import annotations

import logging
import os
import stat as stat_module
from collections.abc import Collection
from functools import partial
from pathlib import Path
from typing import NamedTuple

from site_builder import memo
from site_builder.config import SiteConfig
from site_builder.content.files import (
    Found,
    Source,
    find_sources,
    find_sources_again,
    read_file_source,
    read_unseen_source,
)
from site_builder.content.files import read_source as content_read_source
from site_builder.content.parse import parse_article
from site_builder.errors import ContentError, Problem
from site_builder.model import Article
from site_builder.options import Progress, no_progress
from site_builder.output.state import Stat, file_stat
from site_builder.reuse.entries import SourceRecord, pack, unpack_own
from site_builder.reuse.fingerprints import code_fingerprint, digest, now_ns, parse_fingerprint
from site_builder.reuse.store import Cache
from site_builder.reuse.workers import iterate_in_workers

log = logging.getLogger(__name__)


class _Memory:
    """What the last build of this process parsed, for the next one (the preview server's)."""

    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}
        """Parsed articles by key."""
        self.keys: dict[tuple[str, str, str], str] = {}
        """(context, source path, digest of its bytes) → the article's key."""

    def clear(self) -> None:
        self.articles, self.keys = {}, {}

    def __len__(self) -> int:
        return len(self.articles) + len(self.keys)


MEMORY = memo.remembered("site_builder.reuse.loading.MEMORY", _Memory())


class Loaded(NamedTuple):
    articles: list[Article]
    """Every good article."""
    problems: list[Problem]
    """Every problem of the bad ones."""
    parsed: int
    """How many were parsed (the others came from the cache)."""
    found: Found


def load_articles(config: SiteConfig, cache: Cache | None, jobs: int, last: Found | None = None,
                  changed: Collection[str] | None = None, progress: Progress = no_progress) -> Loaded:
    """Every good article, from the cache when its source is unchanged, else parsed (in `jobs`
    processes). Given what the last build `found` and what `changed` since (paths relative to the
    project: a session's, see `session`), the articles folder is not walked again, and only the
    changed files are looked at (the others are as the cache knows them). `progress` is told of
    each article parsed: ("parse", done, to do)."""
    paths = find_sources_again(config.root, last.paths, changed) if last and changed is not None else None
    if last is not None and paths is not None:
        found = Found(paths, list(last.problems))
    else:  # walked: every file is looked at
        found, changed = Found(*find_sources(config.root)), None
    problems = list(found.problems)
    known = cache.sources(config.root) if cache else {}
    # A first build (nothing known, nothing stored) parses every file: the workers read them too.
    first = not known and not MEMORY.articles and (cache is None or not cache.holds_articles())
    records, fresh, unread = _read_changed(config, found.paths, known, problems, changed, read=not first)
    context = digest(code_fingerprint(), parse_fingerprint(config))
    keys = {rel: _article_key(context, rel, record.digest) for rel, record in records.items()}
    reused, unsaved = _reuse(cache, set(keys.values()))
    misses = _misses(config, keys, reused, fresh, records, context, problems)
    new: dict[str, Article] = dict(unsaved)
    entries: dict[str, object] = dict(unsaved)
    parse = partial(_parse, config=config, context=context, packed=cache is not None)
    work = [Work(source.rel, source.data, keys[source.rel]) for source in misses] + unread
    parsed = 0
    for done, (item, (source_digest, key, result, seen)) in enumerate(
            zip(work, iterate_in_workers(parse, work, jobs), strict=True), start=1):
        progress("parse", done, len(work))
        if item.data is None:  # read by the worker: known now (unless it could not be read)
            if source_digest is None or seen is None:
                problems.extend(result)  # type: ignore[arg-type]
                continue
            stat, read_at = seen
            records[item.rel] = SourceRecord(stat, source_digest, read_at)
            keys[item.rel] = key
        parsed += 1
        if isinstance(result, list):
            problems.extend(result)
            continue
        entries[key] = result
        article = unpack_own(result) if isinstance(result, bytes) else result
        assert isinstance(article, Article), "a worker's entry could not be read back"
        new[key] = article
    if unread:  # in the order the files were found, as the others
        order = {rel: index for index, rel in enumerate(_rel(config, path) for path in found.paths)}
        records = dict(sorted(records.items(), key=lambda item: order[item[0]]))
        keys = {rel: keys[rel] for rel in records}
    MEMORY.keys = {(context, rel, records[rel].digest): key for rel, key in keys.items()}
    if cache:
        cache.put_sources(config.root, records, known)
        cache.put_articles(entries, keep=set(keys.values()))  # written while the build goes on
    by_key = {**reused, **new}
    MEMORY.articles = {key: by_key[key] for key in keys.values() if key in by_key} if cache else {}
    log.debug("%d articles: %d from the cache, %d parsed", len(keys), len(keys) - parsed, parsed)
    return Loaded([by_key[key] for key in keys.values() if key in by_key], problems, parsed, found)


def article_key(config: SiteConfig, rel: str, data: bytes) -> str:
    """The cache key (and `Article.fingerprint`) of the article parsed from `data` at `rel`."""
    return _article_key(digest(code_fingerprint(), parse_fingerprint(config)), rel, digest(data))


def _article_key(context: str, rel: str, source_digest: str) -> str:
    """An article's cache key: what it is parsed from (remembered from the last build of this process)."""
    return MEMORY.keys.get((context, rel, source_digest)) or digest(context, rel, source_digest)


def _misses(config: SiteConfig, keys: dict[str, str], reused: dict[str, Article], fresh: dict[str, bytes],
            records: dict[str, SourceRecord], context: str, problems: list[Problem]) -> list[Source]:
    """The sources to parse: those whose entry is not in the cache (read now if they were not)."""
    misses = []
    for rel, key in keys.items():
        if key in reused:
            continue
        if rel not in fresh:  # unchanged on disk, but its entry is gone: read it after all
            source, problem = content_read_source(config.root, config.root / rel, config.max_article_bytes)
            if source is None:
                problems.extend([problem] if problem else [])
                continue
            fresh[rel] = source.data
            if digest(source.data) != records[rel].digest:  # changed meanwhile: never trust that stat
                records[rel] = SourceRecord((0, 0, 0, 0), digest(source.data), 0)
                keys[rel] = _article_key(context, rel, records[rel].digest)
        misses.append(Source(rel, fresh[rel]))
    return misses


class Work(NamedTuple):
    """An article for a worker to parse: its bytes, or where to read them (a first build's)."""

    rel: str
    data: bytes | None
    key: str = ""
    """Its cache key; '' when the worker makes it from the bytes it reads."""
    path: str = ""


def _read_changed(config: SiteConfig, paths: list[Path], known: dict[str, SourceRecord], problems: list[Problem],
                  changed: Collection[str] | None = None,
                  read: bool = True) -> tuple[dict[str, SourceRecord], dict[str, bytes], list[Work]]:
    """Each usable file's record (stat and digest), and the bytes of those that had to be read;
    the others (links out of the project, too large, unreadable) are reported as `load_sources` does.
    Given what `changed`, the others' records are taken as they are, without a look at the files.
    Unless `read` (a first build's: nothing is known), files are not even looked at but returned
    as work, for the workers to read (and stat: 0.1 s of a serial start for 10,000 articles)."""
    records: dict[str, SourceRecord] = {}
    fresh: dict[str, bytes] = {}
    unread: list[Work] = []
    for path in paths:
        text, rel = str(path), _rel(config, path)
        if not read:
            unread.append(Work(rel, None, path=text))
            continue
        record = known.get(rel)
        if record is not None and changed is not None and rel not in changed:
            records[rel] = record
            continue
        read_at = now_ns()
        try:
            st = os.lstat(path)
            link = stat_module.S_ISLNK(st.st_mode)
            stat: Stat | None = file_stat(os.stat(path) if link else st)
        except OSError:
            link, stat = False, None
        if record is not None and stat is not None and not link and record.still_valid(stat):
            records[rel] = record
            continue
        if stat is not None and not link:  # a plain file (most): read without looking at it again
            source, problem = read_file_source(rel, text, st.st_size, config.max_article_bytes)
        else:
            source, problem = content_read_source(config.root, path, config.max_article_bytes)
        if problem:
            problems.append(problem)
        if source and stat is not None:
            fresh[rel] = source.data
            records[rel] = SourceRecord(stat, digest(source.data), read_at)
    return records, fresh, unread


def _rel(config: SiteConfig, path: Path) -> str:
    """`path` (as `find_sources` gives it) relative to the project, POSIX style."""
    text, root = str(path), str(config.root)
    prefix = "" if root == "." else root.rstrip(os.sep) + os.sep  # how find_sources' paths start
    # = path.relative_to(config.root).as_posix(), 10× cheaper
    rel = text[len(prefix):] if text.startswith(prefix) else path.relative_to(config.root).as_posix()
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _reuse(cache: Cache | None, keys: set[str]) -> tuple[dict[str, Article], dict[str, Article]]:
    """The parsed articles of `keys` that this process remembers or the cache holds; and those of
    them that the cache lacks (this process remembers them: they are written to it)."""
    if cache is None:
        return {}, {}
    remembered = {key: MEMORY.articles[key] for key in keys if key in MEMORY.articles}
    stored = cache.articles(key for key in keys if key not in remembered)
    reused = {key: value for key, value in stored.items() if isinstance(value, Article)}
    unsaved = {key: remembered[key] for key in cache.missing(remembered)} if remembered else {}
    return {**reused, **remembered}, unsaved


def _parse(work: Work, config: SiteConfig, context: str,
           packed: bool) -> tuple[str | None, str, Article | bytes | list[Problem], tuple[Stat, int] | None]:
    """The article with its cache key as fingerprint (as its cache entry, `packed`: the worker that
    parsed it pays for pickling it once, and the parent stores those bytes as they are), or its
    problems; when the worker read the file, with the digest of its bytes, the key, and the file's
    stat and when it was read (see `SourceRecord`)."""
    source_digest, key, seen = None, work.key, None
    if work.data is None:
        read_at = now_ns()
        source, problem, stat = read_unseen_source(config.root, work.rel, work.path, config.max_article_bytes)
        if source is None or stat is None:
            return None, key, [problem] if problem else [], None
        source_digest, seen = digest(source.data), (file_stat(stat), read_at)
        key = _article_key(context, work.rel, source_digest)
    else:
        source = Source(work.rel, work.data)
    try:
        article = parse_article(source, config, fingerprint=key)
    except ContentError as exc:
        return source_digest, key, exc.problems, seen
    return source_digest, key, pack(article, key) if packed else article, seen


