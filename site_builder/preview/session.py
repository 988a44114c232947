"""The builds of a long-lived process into one output folder, told what changed: the preview's.

The first build is a whole one (`build.build`), which leaves a `Snapshot` of what it made. When the
watcher then reports only article files, and each edit leaves its article sorting, linking and
grouping exactly as before (the same title, date, tags, front matter: everything but the body),
nothing but the article's own page, the feeds that carry its body in full and, when its summary is
its first paragraph and that changed, the lists that show its card can change: `edit_bodies`
renders those again, writes the ones whose bytes changed, and takes again the warnings about the
edited files. Any other change (an article added, renamed or deleted, its front matter edited, a
template, site.toml, a static file) gets a whole build, which reuses what it can (see `reuse`)
and is told what it would otherwise look for (`reuse.layer.Chain`): the output folder holds what the last
build wrote, and of the articles only the files named changed (the folder is walked again when a
folder or a link is among them).

An edit of a body writes nothing to the cache: the next whole build of the session is told those
files changed too, and the cache's records no longer match them for any other build. The output
folder must be this session's alone (the preview's is a temporary folder): what it holds is known
from the snapshot, not looked at again."""

from __future__ import annotations

import dataclasses
import logging
import os
import stat
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from site_builder import urls
from site_builder.build import BuildOptions, BuildResult, build
from site_builder.content.files import read_source
from site_builder.content.parse import parse_article
from site_builder.errors import NOTE, WARNING, ContentError, sort_problems
from site_builder.model import Article
from site_builder.output.journal import update_in_place
from site_builder.output.state import OutputRecord, file_stat
from site_builder.render import plans
from site_builder.render.pages import feed_files, render_page
from site_builder.render.search import tag_labels
from site_builder.reuse.layer import Chain, Since, Snapshot
from site_builder.reuse.loading import article_key
from site_builder.reuse.pages import page_key
from site_builder.site.assemble import replace_articles
from site_builder.site.check import promote, review

log = logging.getLogger(__name__)

BODY_FIELDS = frozenset({"body_html", "site_links", "link_offsets", "fingerprint", "lines"})
"""What an edit may change for its article to sort, link and group as before: what its own page and
the feeds show of it (its body; `lines` only places warnings). Its summary may change too when it
is taken from the body (no `summary:`): the lists that show its card are then rendered again."""


class Session:
    """Builds into one output folder, one after the other, each told which files changed."""

    def __init__(self, before_write: Callable[[], None] | None = None) -> None:
        self.before_write = before_write
        """Called before a build changes the output folder (see `build.build`): the preview holds
        its requests from then on, and serves the last site until then."""
        self.last: Snapshot | None = None
        """What the last build made and wrote (None after a failed build: the next one starts afresh)."""
        self.edited: set[str] = set()
        """The files changed since the last whole build (what `edit_bodies` did is not in the cache)."""

    def build(self, options: BuildOptions, changed: Sequence[str] | None = None) -> BuildResult:
        """Build; `changed` are the project files (relative POSIX paths) changed since the last build
        of this session (None: not known). Raises SiteError as `build.build` does."""
        last, self.last = self.last, None  # until this build succeeds
        since = None
        if last is not None and changed and follows(last, options):
            edited = edit_bodies(last, options, changed, self.before_write)
            if edited is not None:
                self.edited.update(changed)
                self.last = edited
                return edited.result
            since = Since(last, frozenset(self.edited.union(changed)))
        chain = Chain(since, self.before_write or (lambda: None))
        result = build(options, chain)
        self.edited = set()
        # No snapshot: nothing changed since the last build (never so with `since`), whose snapshot
        # (if any) still holds.
        self.last = chain.made or last
        return result


def follows(last: Snapshot, options: BuildOptions) -> bool:
    """True when a build with `options` may start from `last`: the same options (workers aside), no
    search index to make again, no article of the last build left out, none come due since."""
    same = dataclasses.replace(options, jobs=last.options.jobs) == last.options
    return (same and not options.search and not last.result.problems
            and not _due(last.horizon, options.moment))


def _due(horizon: str | None, now: datetime | None) -> bool:
    return horizon is not None and now is not None and now >= datetime.fromisoformat(horizon)


def edit_bodies(last: Snapshot, options: BuildOptions, changed: Sequence[str],
                before_write: Callable[[], None] | None = None) -> Snapshot | None:
    """The build after edits of article bodies only (module docstring), or None when `changed` holds
    anything else (or a file that cannot be read or parsed, or is no longer a regular file: a whole
    build says why)."""
    started = time.perf_counter()
    made = last.made
    site, config = made.site, made.site.config
    published = {article.source: article for article in site.articles}
    replaced: dict[Article, Article] = {}
    for rel in changed:
        old = published.get(rel)
        if old is None or not is_regular_file(config.root / rel):
            return None
        source, _ = read_source(config.root, config.root / rel, config.max_article_bytes)
        if source is None:
            return None
        try:
            parsed = parse_article(source, config, fingerprint=article_key(config, rel, source.data))
        except ContentError:
            return None
        new = dataclasses.replace(parsed, translations=old.translations, tags=old.tags)
        lede = not old.summary_given and not new.summary_given  # its first paragraph is its summary
        if any(getattr(old, f.name) != getattr(new, f.name) for f in dataclasses.fields(Article)
               if f.name not in BODY_FIELDS and not (lede and f.name == "summary")):
            return None
        replaced[old] = new
    site = replace_articles(site, replaced)
    edited = set(changed)
    found = review(site, made.paths, made.registry, WARNING, only=edited)
    warnings = sort_problems([*(w for w in last.result.warnings if w.path not in edited),
                              *(p for p in found if p.severity != NOTE)])
    notes = sort_problems([*(n for n in last.result.notes if n.path not in edited),
                           *(p for p in found if p.severity == NOTE)])
    if options.strict and warnings:
        raise ContentError(promote(warnings))
    # The edited articles' pages, the lists that show a new summary, and the feeds that carry one of them.
    records = dict(last.records)
    labels = tag_labels(site)
    links = {urls.absolute(config, article.path) for article in replaced.values()}
    pages: list[plans.AnyPage] = [plans.article_page(config, article, labels) for article in replaced.values()]
    pages += [page for old, new in replaced.items() if old.summary != new.summary
              for page in plans.pages_with_card(site, new)]
    writes: dict[str, bytes] = {}
    rendered = 0
    for page in pages:
        path, key = urls.output_file(page.path), page_key(made.context, page)
        if key and key == records[path].key:
            continue
        output, rendered = render_page(made.env, page), rendered + 1
        records[path] = dataclasses.replace(records[path], key=key)
        _compare(output.path, output.data, output.sha256(), records, writes)
    for feed in feed_files(site, only=lambda feed: any(e.link in links for e in feed.entries)):
        _compare(feed.path, feed.data, feed.sha256(), records, writes)
    folder = options.output_dir
    if writes and before_write is not None:
        before_write()
    update_in_place(folder, writes, ())
    for path in writes:
        records[path] = dataclasses.replace(records[path], stat=file_stat(os.stat(folder / path)))
    seconds = time.perf_counter() - started
    result = dataclasses.replace(last.result, seconds=seconds, warnings=tuple(warnings), notes=tuple(notes),
                                 parsed=len(replaced), rendered=rendered, written=len(writes),
                                 timings=(("edit", seconds),))
    log.debug("edited %d bodies: %d pages rendered, %d files written", len(replaced), rendered, len(writes))
    made = dataclasses.replace(made, site=site, problems=[*warnings, *notes])
    return dataclasses.replace(last, options=options, made=made, records=records, result=result)


def is_regular_file(path: os.PathLike[str]) -> bool:
    """True when `path` is a regular file itself (not a link, a pipe, a device): only such a file is
    opened here, since opening a pipe would wait for a writer forever."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _compare(path: str, data: bytes, sha256: str, records: dict[str, OutputRecord], writes: dict[str, bytes]) -> None:
    """Write `data` to `path` unless the file already has those bytes."""
    if sha256 != records[path].digest:
        writes[path] = data
        records[path] = dataclasses.replace(records[path], digest=sha256)
