"""A build after edits of article bodies only, from a new process (the command line's, a script's):
the pages and feeds that show those bodies, found through what the last build into the same output
folder kept of its pages' dependencies (`Dependents`), without loading the other articles or
planning the other pages.

A whole build into a folder leaves, beside its record (`last_build`), what its pages depend on:
the digest of every article file it read; each published article's links (its translations and
resolved tags, as `assemble` made them) and its tags' labels; each article feed, with the articles
it carries; and every path of the site (for checking links). A later build that finds only article
files changed, each keeping all but its body as it was (the same front matter, hence the same
title, date, tags and summary: `body_only`), needs nothing more: each edited article's own page,
the feeds that carry it in full, and the warnings about its body (dead links, shortcodes); every
other page shows nothing of a body. Anything else is a whole build: a file added or gone, a draft
or future article, a summary taken from a first paragraph that changed, the templates, the config,
the options, a search index to make, more than `MAX_EDITS` files.

The preview keeps the same path in memory (`preview.session.edit_bodies`), where the whole site is
at hand, so that it also renders the lists of a first-paragraph summary that changed."""

from __future__ import annotations

import logging
import os
import stat as stat_module
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from site_builder.config import SiteConfig
from site_builder.errors import NOTE, WARNING, ContentError, Kind, Problem, sort_problems
from site_builder.model import Article, Site, TagLink, Translation
from site_builder.options import BuildOptions, BuildResult, site_config
from site_builder.output.state import OutputRecord, OutputState, Stat, file_stat
from site_builder.reuse import last_build
from site_builder.reuse.entries import SourceRecord
from site_builder.reuse.fingerprints import code_fingerprint, digest, now_ns, parse_fingerprint
from site_builder.reuse.store import DEPENDENTS, Cache

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

MAX_EDITS = 20
"""More article files changed than this: a whole build (as fast, and it looks at everything)."""
BODY_FIELDS = frozenset({"body_html", "site_links", "link_offsets", "fingerprint", "shortcodes"})
"""What an edit may change for this path: what the article's own page and the feeds show of its body."""
BODY_KINDS = frozenset({Kind.DEAD_LINK, Kind.SHORTCODE})
"""The warnings about an article that depend on its body (the others on its front matter)."""


@dataclass(frozen=True)
class Dependents:
    """What the pages of the last whole build into a folder depend on (module docstring)."""

    digests: Mapping[str, str]
    """Every article file the build read (path relative to the project) → digest of its bytes."""
    links: Mapping[str, object]
    """Every published article's file → its resolved tags and its translations (`Links`; checked
    when used: `links_of`)."""
    labels: Mapping[str, Mapping[str, str]]
    """Each tag's label per language (`render.search.tag_labels`): what an article page shows of its tags."""
    feeds: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    """Each article feed: its head's fields (`render.feeds.FeedHead`), and the files of the articles
    it carries, in order."""
    paths: frozenset[str]
    """Every path of the site (`site.check.site_paths`)."""

    def stored(self) -> tuple[object, ...]:
        """As the cache stores it: built-in values and the model's records only (see `entries`)."""
        return (dict(self.digests), dict(self.links), {k: dict(v) for k, v in self.labels.items()}, self.feeds,
                sorted(self.paths))

    @classmethod
    def from_stored(cls, value: object) -> Dependents | None:
        """What `stored` made, if each part is of the type it wrote (the cache's MAC vouches for the
        rest); else None."""
        if not (isinstance(value, tuple) and len(value) == 5):
            return None
        digests, links, labels, feeds, paths = value
        ok = (_texts(digests) and isinstance(links, dict)
              and isinstance(labels, dict) and all(isinstance(k, str) and _texts(v) for k, v in labels.items())
              and isinstance(feeds, tuple) and all(_feed(feed) for feed in feeds)
              and isinstance(paths, list) and all(isinstance(p, str) for p in paths))
        return cls(digests, links, labels, feeds, frozenset(paths)) if ok else None


    def links_of(self, rel: str) -> Links | None:
        """The tags and translations of the article of `rel` (None: it was not published)."""
        value = self.links.get(rel)
        return value if _links(value) else None  # type: ignore[return-value]


Links = tuple[tuple[TagLink, ...], tuple[Translation, ...]]
"""An article's resolved tags and its translations, as `assemble` linked them."""


def _texts(value: object) -> bool:
    """True for a dict of text to text."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _links(value: object) -> bool:
    """True for (an article's tags, its translations)."""
    return (isinstance(value, tuple) and len(value) == 2
            and isinstance(value[0], tuple) and all(isinstance(t, TagLink) for t in value[0])
            and isinstance(value[1], tuple) and all(isinstance(t, Translation) for t in value[1]))


def _feed(value: object) -> bool:
    """True for (a feed's head: 6 texts, its articles' files)."""
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], tuple) and len(value[0]) == 6
            and isinstance(value[1], tuple) and all(isinstance(s, str) for s in (*value[0], *value[1])))


def dependents(site: Site, paths: frozenset[str], digests: Mapping[str, str]) -> Dependents:
    """What the pages of `site` depend on, after a whole build that read `digests`."""
    from site_builder.render import feeds
    from site_builder.render.search import tag_labels

    links = {a.source: (a.tags, a.translations) for a in site.articles}
    heads = tuple((tuple(getattr(head, f.name) for f in fields(head)),
                   tuple(a.source for a in articles[:feeds.FEED_SIZE]))
                  for lang in site.config.language_codes for head, articles in feeds.article_feeds(site, lang))
    return Dependents(dict(digests), links, tag_labels(site), heads, paths)


def body_only(old: Article, new: Article) -> bool:
    """True when `new` differs from `old` (both as parsed) in its body alone (`BODY_FIELDS`)."""
    return all(getattr(old, f.name) == getattr(new, f.name) for f in fields(Article) if f.name not in BODY_FIELDS)


def stored_keys(config: SiteConfig, digests: Mapping[str, str]) -> dict[str, str]:
    """The cache key of each article parsed from the bytes of digest `digests[rel]` at `rel`."""
    from site_builder.reuse.loading import _article_key

    context = digest(code_fingerprint(), parse_fingerprint(config))
    return {rel: _article_key(context, rel, value) for rel, value in digests.items()}


@dataclass(frozen=True)
class Pending:
    """What `Reuse.last_build` found: the last build's record, which holds but for article files,
    and those whose stat does not prove them unchanged."""

    record: last_build.Record
    frame: str
    unproven: Mapping[str, Stat]


def after_edits(options: BuildOptions, cache: Cache, state: OutputState, pending: Pending,
                started: float) -> BuildResult | None:
    """The build after body edits (module docstring), or None when a whole build is needed; raises
    ContentError (nothing written) with `strict` when a warning remains."""
    folder = options.output_dir.resolve()
    if options.search or len(pending.unproven) > MAX_EDITS:
        return None
    deps = Dependents.from_stored(cache.get_kept(DEPENDENTS, folder))
    if deps is None:
        return None
    config = site_config(options)
    known = cache.sources(config.root)
    read = _read(config, pending.unproven)
    if read is None:
        return None
    records = {**known, **{rel: record for rel, (record, _) in read.items()}}
    current = {rel: record.digest for rel, record in records.items()}
    record = pending.record
    before = {**deps.digests, **record.edited}  # what this folder's pages were made from
    if current.keys() != before.keys():
        return None
    edited = sorted(rel for rel, value in current.items() if value != before[rel])
    links = {rel: deps.links_of(rel) for rel in edited}
    if len(edited) > MAX_EDITS or not all(links.values()):
        return None  # (an article not published: a draft, a future one)
    parsed = _parse(config, cache, before, edited, {rel: data for rel, (_, data) in read.items()})
    if parsed is None:
        return None
    articles = {rel: _linked(article, links[rel]) for rel, article in parsed.items()}
    warnings, notes = _problems(config, deps, record, articles)  # type: ignore[arg-type]
    if options.strict and warnings:
        from site_builder.site.check import promote

        raise ContentError(promote(warnings))
    made = _render(options, config, cache, deps, current, articles)  # type: ignore[arg-type]
    if made is None:
        return None
    outputs, writes, rendered = made
    if writes:
        from site_builder.output.journal import update_in_place

        update_in_place(options.output_dir, writes, ())
    files = dict(state.files)
    for path in writes:
        files[path] = file_stat(os.stat(options.output_dir / path))
        outputs[path] = OutputRecord(outputs[path].key, outputs[path].digest, files[path])
    cache.put_outputs(folder, outputs, (), False)
    cache.put_sources(config.root, records, known)
    cache.put_articles({article.fingerprint: article for article in parsed.values()},
                       keep=set(stored_keys(config, current).values()))
    last_build.save(cache, folder, last_build.Record(
        last_build.inputs_fingerprint(pending.frame, records), pending.frame, last_build.output_fingerprint(files),
        record.horizon, record.articles, record.pages, record.files,
        [(p.path, p.line, p.message, p.severity, p.kind) for p in (*warnings, *notes)],
        {**record.edited, **{rel: current[rel] for rel in edited}}))
    seconds = time.perf_counter() - started
    log.debug("edited %d bodies: %d pages rendered, %d files written", len(edited), rendered, len(writes))
    return BuildResult(output=options.output_dir, articles=record.articles, pages=record.pages, files=record.files,
                       seconds=seconds, warnings=tuple(warnings), notes=tuple(notes), parsed=len(read),
                       rendered=rendered, written=len(writes), timings=(("edits", seconds),))


def _read(config: SiteConfig, unproven: Mapping[str, Stat]) -> dict[str, tuple[SourceRecord, bytes]] | None:
    """Each file whose stat changed: its new record and bytes; None if one is no longer a plain
    file that can be read (a whole build says why)."""
    from site_builder.content.files import read_file_source

    read = {}
    for rel in unproven:
        path = config.root / rel
        read_at = now_ns()
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if not stat_module.S_ISREG(st.st_mode):
            return None
        source, _ = read_file_source(rel, str(path), st.st_size, config.max_article_bytes)
        if source is None:
            return None
        read[rel] = (SourceRecord(file_stat(st), digest(source.data), read_at), source.data)
    return read


def _parse(config: SiteConfig, cache: Cache, before: Mapping[str, str], edited: list[str],
           data: Mapping[str, bytes]) -> dict[str, Article] | None:
    """The edited articles, parsed; None when one fails, or changed more than its body, or the
    cache no longer holds what it was."""
    from site_builder.content.files import Source
    from site_builder.content.parse import parse_article
    from site_builder.reuse.loading import article_key

    parsed = {}
    old_keys = stored_keys(config, {rel: before[rel] for rel in edited})
    stored = cache.articles(old_keys.values())
    for rel in edited:
        if rel not in data:  # changed since this folder's build, but read by a build into another
            read = _read(config, {rel: (0, 0, 0, 0)})
            if read is None:
                return None
            data = {**data, rel: read[rel][1]}
        try:
            new = parse_article(Source(rel, data[rel]), config, fingerprint=article_key(config, rel, data[rel]))
        except ContentError:
            return None
        old = stored.get(old_keys[rel])
        if not isinstance(old, Article) or not body_only(old, new):
            return None
        parsed[rel] = new
    return parsed


def _problems(config: SiteConfig, deps: Dependents, record: last_build.Record,
              articles: Mapping[str, Article]) -> tuple[list[Problem], list[Problem]]:
    """The warnings and notes after the edits: the last build's, those about the edited bodies made again."""
    from site_builder.site.check import dead_links, leftover_shortcodes

    kept = [p for p in record.warning_problems() if not (p.path in articles and p.kind in BODY_KINDS)]
    fresh = sort_problems([*dead_links(config, articles.values(), deps.paths, WARNING),
                           *leftover_shortcodes(articles.values())])
    return _merged([p for p in kept if p.severity != NOTE], fresh), [p for p in kept if p.severity == NOTE]


def _merged(kept: list[Problem], fresh: list[Problem]) -> list[Problem]:
    """`fresh` (about article files) put among `kept` where a whole build sorts them, `kept` left in
    its order (a build sorts, then places published.txt's warnings at their lines as rewritten)."""
    merged = list(kept)
    for problem in fresh:
        key = (problem.path, problem.line or 0, problem.message, problem.severity)
        at = next((i for i, p in enumerate(merged) if (p.path, p.line or 0, p.message, p.severity) > key),
                  len(merged))
        merged.insert(at, problem)
    return merged


def _render(options: BuildOptions, config: SiteConfig, cache: Cache, deps: Dependents, current: Mapping[str, str],
            articles: Mapping[str, Article]) -> tuple[dict[str, OutputRecord], dict[str, bytes], int] | None:
    """The edited articles' pages and the feeds that carry them: the records of those files after
    the build, the bytes of those that changed, how many pages were rendered; None when the last
    build's records lack one of them."""
    from site_builder import urls
    from site_builder.render import feeds, plans
    from site_builder.render.pages import render_page
    from site_builder.reuse.pages import environment, page_key

    env, context = environment(options.project, config)
    planned = [plans.article_page(config, article, deps.labels) for article in articles.values()]  # type: ignore[arg-type]
    carried = [(feeds.FeedHead(*head), files) for head, files in deps.feeds if any(f in articles for f in files)]
    paths = [*(urls.output_file(page.path) for page in planned), *(head.path for head, _ in carried)]
    records = cache.outputs_of(options.output_dir.resolve(), paths)
    outputs: dict[str, OutputRecord] = {}
    writes: dict[str, bytes] = {}
    rendered = 0
    for page in planned:
        path = urls.output_file(page.path)
        if path not in records:
            return None
        key = page_key(context, page)
        if key and key == records[path].key:
            continue
        output, rendered = render_page(env, page), rendered + 1
        _compare(path, output.data, key, records, outputs, writes)
    keys = stored_keys(config, {f: current[f] for _, files in carried for f in files if f not in articles})
    stored = cache.articles(keys.values())
    for head, files in carried:
        members = [articles.get(f) or _linked(stored.get(keys[f]), deps.links_of(f)) for f in files]
        if head.path not in records or not all(isinstance(a, Article) for a in members):
            return None
        data = feeds.atom_xml(config, feeds.article_feed(config, head, members), feeds.EPOCH)  # type: ignore[arg-type]
        _compare(head.path, data, records[head.path].key, records, outputs, writes)
    return outputs, writes, rendered


def _linked(article: object, links: Links | None) -> Article | None:
    """`article` (as parsed) with its tags and translations, as the last whole build linked it."""
    return article.with_links(links[1], links[0]) if isinstance(article, Article) and links else None


def _compare(path: str, data: bytes, key: str, records: Mapping[str, OutputRecord],
             outputs: dict[str, OutputRecord], writes: dict[str, bytes]) -> None:
    """Record `path` as made with `key`, and write `data` there unless the file has those bytes."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    if sha != records[path].digest:
        writes[path] = data
    outputs[path] = OutputRecord(key, sha, records[path].stat)


__all__ = ["Dependents", "Pending", "after_edits", "body_only", "dependents"]
