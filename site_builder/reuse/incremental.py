"""What a build reuses from the previous one: parsed articles by content, rendered pages by key.

An article is parsed again only when its bytes, its path, the config or the package's code changed
(`cache.code_fingerprint`). A page is rendered again only when its key changed: the key digests the
page's whole read-only view with the templates, the config and the code, so a page that any edit
reaches (an article, its translation's links, its tag and year pages, the home pages) is rendered
again, and no other. Work that remains is spread over `jobs` worker processes."""

from __future__ import annotations

import io
import logging
import os
import pickle
import stat as stat_module
from collections.abc import Callable, Collection, Iterable
from dataclasses import is_dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import NamedTuple

import jinja2

from site_builder import urls
from site_builder.config import SiteConfig
from site_builder.content.front_matter import (
    Source,
    find_sources,
    find_sources_again,
    read_file_source,
    read_unseen_source,
)
from site_builder.content.front_matter import read_source as content_read_source
from site_builder.content.parse import parse_article
from site_builder.errors import ContentError, Problem
from site_builder.model import Article, OutputFile
from site_builder.output.state import KeptFile, OutputState, Stat, file_stat, stage_file
from site_builder.render import feeds, sitemap, views
from site_builder.render import pages as rendering
from site_builder.render.pages import THEME_DIR, make_environment
from site_builder.reuse.entries import SourceRecord, pack, unpack_own
from site_builder.reuse.fingerprints import code_fingerprint, config_fingerprint, digest, folder_fingerprint, now_ns
from site_builder.reuse.store import Cache, forget_records
from site_builder.reuse.workers import iterate_in_workers, map_in_workers
from site_builder.site.assemble import linked
from site_builder.site.check import link_path

log = logging.getLogger(__name__)


class _Memory:
    """What the last build of this process computed, for the next one (the preview server's):
    parsed articles by key, and each page with its key by path (unchanged articles give back the
    same page objects, see `views.article_page`; other pages are compared field by field)."""

    articles: dict[str, Article] = {}
    pages: dict[str, tuple[views.AnyPage, str, str]] = {}
    """Page path → (page, context, key)."""
    keys: dict[tuple[str, str, str], str] = {}
    """(context, source path, digest of its bytes) → the article's key."""


class Loaded(NamedTuple):
    articles: list[Article]
    """Every good article."""
    problems: list[Problem]
    """Every problem of the bad ones."""
    parsed: int
    """How many were parsed (the others came from the cache)."""
    found: Found


class Found(NamedTuple):
    """The article files there are, and the problems of finding them (linked folders)."""

    paths: list[Path]
    problems: list[Problem]


def load_articles(config: SiteConfig, cache: Cache | None, jobs: int, last: Found | None = None,
                  changed: Collection[str] | None = None) -> Loaded:
    """Every good article, from the cache when its source is unchanged, else parsed (in `jobs`
    processes). Given what the last build `found` and what `changed` since (paths relative to the
    project: a session's, see `session`), the articles folder is not walked again, and only the
    changed files are looked at (the others are as the cache knows them)."""
    paths = find_sources_again(config.root, last.paths, changed) if last and changed is not None else None
    if last is not None and paths is not None:
        found = Found(paths, list(last.problems))
    else:  # walked: every file is looked at
        found, changed = Found(*find_sources(config.root)), None
    problems = list(found.problems)
    known = cache.sources(config.root) if cache else {}
    # A first build (nothing known, nothing stored) parses every file: the workers read them too.
    first = not known and not _Memory.articles and (cache is None or not cache.holds_articles())
    records, fresh, unread = _read_changed(config, found.paths, known, problems, changed, read=not first)
    context = digest(code_fingerprint(), config_fingerprint(config))
    keys = {rel: _article_key(context, rel, record.digest) for rel, record in records.items()}
    reused, unsaved = _reuse(cache, set(keys.values()))
    misses = _misses(config, keys, reused, fresh, records, context, problems)
    new: dict[str, Article] = dict(unsaved)
    entries: dict[str, object] = dict(unsaved)
    parse = partial(_parse, config=config, context=context, packed=cache is not None)
    work = [Work(source.rel, source.data, keys[source.rel]) for source in misses] + unread
    parsed = 0
    for item, (source_digest, key, result, seen) in zip(work, iterate_in_workers(parse, work, jobs), strict=True):
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
    _Memory.keys = {(context, rel, records[rel].digest): key for rel, key in keys.items()}
    if cache:
        cache.put_sources(config.root, records, known)
        cache.put_articles(entries, keep=set(keys.values()))  # written while the build goes on
    by_key = {**reused, **new}
    _Memory.articles = {key: by_key[key] for key in keys.values() if key in by_key} if cache else {}
    log.debug("%d articles: %d from the cache, %d parsed", len(keys), len(keys) - parsed, parsed)
    return Loaded([by_key[key] for key in keys.values() if key in by_key], problems, parsed, found)


def article_key(config: SiteConfig, rel: str, data: bytes) -> str:
    """The cache key (and `Article.fingerprint`) of the article parsed from `data` at `rel`."""
    return _article_key(digest(code_fingerprint(), config_fingerprint(config)), rel, digest(data))


def _article_key(context: str, rel: str, source_digest: str) -> str:
    """An article's cache key: what it is parsed from (remembered from the last build of this process)."""
    return _Memory.keys.get((context, rel, source_digest)) or digest(context, rel, source_digest)


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
    remembered = {key: _Memory.articles[key] for key in keys if key in _Memory.articles}
    stored = cache.articles(key for key in keys if key not in remembered)
    reused = {key: value for key, value in stored.items() if isinstance(value, Article)}
    unsaved = {key: remembered[key] for key in cache.missing(remembered)} if remembered else {}
    return {**reused, **remembered}, unsaved


def forget() -> None:
    """Forget what earlier builds of this process computed, and let it go: the next build reads the
    cache, as a new process would."""
    _Memory.articles = {}
    _Memory.pages = {}
    _Memory.keys = {}
    forget_records()
    for memo in MEMOS:
        memo.cache_clear()


MEMOS = (views._article_plan, views._article_page, views._list_page, views.card, views.dated, linked, feeds.atom_xml,
         sitemap.url_entry, link_path)
"""The memoized functions that keep a build's records for the next build of the process."""


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


# --- pages ---------------------------------------------------------------------------------------

def environment(project: Path, config: SiteConfig) -> tuple[jinja2.Environment, str]:
    """The Jinja environment (compiled once per process and set of templates) and the pages' context key."""
    templates = folder_fingerprint((project, "templates"), (THEME_DIR, "templates"))
    return _environment(project.resolve(), templates), digest(code_fingerprint(), config_fingerprint(config), templates)


@lru_cache(maxsize=4)
def _environment(project: Path, templates: str) -> jinja2.Environment:
    env = make_environment(project)
    env.auto_reload = False  # a change of templates changes `templates`, hence the environment
    return env


class ReusingRenderer:
    """Renders the pages whose key changed (in `jobs` processes); keeps the others as they are on disk."""

    def __init__(self, state: OutputState | None, context: str, jobs: int, stage: Path | None = None):
        self.state = state
        self.context = context
        self.jobs = jobs
        self.stage = stage
        """The staging folder of a first build: pages are written there as they are rendered."""
        self.keys: dict[str, str] = {}
        """Output path → key of the page written there."""
        self.rendered = 0

    def __call__(self, env: jinja2.Environment, pages: list[views.AnyPage],
                 meanwhile: Callable[[], None] = lambda: None) -> list[OutputFile]:
        outputs: list[OutputFile | None] = [None] * len(pages)
        todo: list[int] = []
        for index, page in enumerate(pages):
            path = urls.output_file(page.path)
            record = self.state.current(path) if self.state else None
            if self.state is None or record is None or not record.key:
                todo.append(index)  # to be rendered whatever its key: a worker takes the key too
                continue
            key = self.keys[path] = self.page_key(page)
            if key == record.key:
                outputs[index] = KeptFile(self.state.folder, path, page.source)
            else:
                todo.append(index)
        done = map_in_workers(partial(_render_with_key, env=env, renderer=self), [pages[i] for i in todo], self.jobs,
                              meanwhile)
        for index, (output, key) in zip(todo, done, strict=True):
            outputs[index] = output
            self.keys[output.path] = key
        _Memory.pages = {page.path: (page, self.context, self.keys[urls.output_file(page.path)]) for page in pages}
        self.rendered += len(todo)
        return outputs  # type: ignore[return-value]

    def page_key(self, page: views.AnyPage) -> str:
        """Digest of everything the page's template sees; '' (never reused) if it cannot be taken."""
        last = _Memory.pages.get(page.path)
        if last is not None and last[1] == self.context and (last[0] is page or last[0] == page):
            return last[2]
        return page_key(self.context, page)


def page_key(context: str, page: views.AnyPage) -> str:
    """Digest of everything the page's template sees, in the pages' `context` (templates, config,
    code); '' (never reused) if it cannot be taken."""
    try:
        return digest(context, *_key_parts(page))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        log.debug("page %s has no key: it is always rendered", page.path, exc_info=True)
        return ""


def _key_parts(page: views.AnyPage) -> tuple[str | bytes, ...]:
    """What a page's key digests: its whole view; for a planned page (an article's, a list's), only
    its inputs, and of each article only its fingerprint and what `assemble` added that the page
    shows, when every article has a fingerprint."""
    if isinstance(page, views.ArticlePage):
        article, own_labels = page.inputs
        if article.fingerprint:
            return (page.template, page.path, article.fingerprint,
                    value_bytes((_fields(article.tags), _fields(article.translations), own_labels)))
        return (value_bytes((page.template, page.path, page.inputs)),)
    if isinstance(page, views.ListPage):
        *head, chunk, pagination = page.inputs
        if all(article.fingerprint for article in chunk):  # a card shows its article's tags, not its translations
            return (page.template, value_bytes((*_plain((*head, pagination)),
                                                tuple(_fields(article.tags) for article in chunk))),
                    *(article.fingerprint for article in chunk))
        return (value_bytes(page.page()),)
    return (value_bytes(page),)


def _fields(records: Iterable[object]) -> tuple[tuple[object, ...], ...]:
    """Records (dataclass instances) as the tuples of their fields: a key pickles tuples of text 3×
    faster than the objects (a list page's key: 70 → 30 µs)."""
    return tuple(tuple(vars(record).values()) for record in records)


def _plain(values: Iterable[object]) -> tuple[object, ...]:
    """`values`, each record among them as the tuple of its fields (see `_fields`)."""
    return tuple(tuple(vars(value).values()) if is_dataclass(value) else value for value in values)


def value_bytes(value: object) -> bytes:
    """Bytes that depend on `value` only: pickled without its memo, which would make them depend on
    which equal strings happen to be one object (it differs from one process to the next)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: each object is written out where it occurs
    pickler.dump(value)
    return buffer.getvalue()


def _render_with_key(page: views.AnyPage, env: jinja2.Environment, renderer: ReusingRenderer) -> tuple[OutputFile, str]:
    output = rendering.render_page(env, page)
    if renderer.stage is not None:  # a first build: written by the worker that rendered it, not sent back
        output = stage_file(renderer.stage, output)
    return output, renderer.page_key(page)
