"""The build: load → parse → assemble → render → write. The CLI, the preview server and the tests
all call `build`."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from site_builder import urls
from site_builder.config import SiteConfig, check_project_folder, load_config
from site_builder.errors import ConfigError, ContentError, Problem, SiteError, shown, sort_problems
from site_builder.model import Article, OutputFile, Site
from site_builder.output import pagefind
from site_builder.output.state import OutputRecord, OutputState, Stat, open_output, scan
from site_builder.output.sync import Written, write_output
from site_builder.output.write import check_output_dir, discard, new_stage
from site_builder.render.pages import check_outputs, render
from site_builder.reuse import last_build, loading, pages
from site_builder.reuse.fingerprints import config_fingerprint
from site_builder.reuse.store import CACHE_DIR, Cache
from site_builder.reuse.workers import default_jobs, release_free_memory
from site_builder.site.assemble import assemble, publishable
from site_builder.site.check import promote, review, site_paths
from site_builder.site.tags import TagRegistry, load_tag_registry
from site_builder.sources import walk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked to do (the command line's options)."""

    project: Path = Path(".")
    output: Path | None = None
    """Output folder; default `<project>/public`."""
    base_url: str | None = None
    """Overrides `base_url` from site.toml."""
    drafts: bool = False
    future: bool = False
    """Publish articles dated in the future too."""
    now: datetime | None = None
    """The moment that decides which articles are in the future; default: the clock."""
    strict: bool = False
    """Warnings (see `check.review`) fail the build instead of being reported."""
    keep_going: bool = False
    """Build every good article even when others are bad; the bad ones end up in `BuildResult.problems`."""
    search: bool = True
    """Index the site with Pagefind (into /pagefind/); the search page needs it."""
    jobs: int | None = None
    """Worker processes for parsing and rendering; default: the number of cores."""
    cache: bool = True
    """Reuse what earlier builds parsed and rendered (see `reuse`)."""
    cache_dir: Path | None = None
    """Where the cache lives; default `<project>/.site-builder-cache`."""

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else self.project / "public"

    @property
    def moment(self) -> datetime | None:
        """The moment that decides which articles are in the future; None with `future`."""
        return None if self.future else (self.now or datetime.now(UTC))

    @property
    def cache_folder(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.project / CACHE_DIR


@dataclass(frozen=True)
class BuildResult:
    output: Path
    articles: dict[str, int]
    """Published articles per language."""
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...] = field(default=())
    problems: tuple[Problem, ...] = field(default=())
    """Articles left out of a `keep_going` build, and why: the build still failed."""
    parsed: int = 0
    """Articles parsed (the others came from the cache)."""
    rendered: int = 0
    """Pages rendered (the others were unchanged and left as they were)."""
    written: int = 0
    """Files written (the others already had the right bytes)."""
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds spent in each stage, in order (for benchmarks and --debug)."""

    def summary(self) -> str:
        """The one line the CLI prints at the end of a build."""
        per_lang = ", ".join(f"{n} {lang}" for lang, n in self.articles.items())
        return (f"Built {sum(self.articles.values())} articles ({per_lang}): {self.pages} pages, "
                f"{self.files} files in {shown(str(self.output))} in {self.seconds:.2f} s")


def build(options: BuildOptions, keep: Callable[[Snapshot], None] | None = None,
          since: Since | None = None, before_write: Callable[[], None] | None = None) -> BuildResult:
    """Build the site described by `options`; raise SiteError (nothing written) on any problem.

    For the next build of a process told what changed (the preview's: see `session`), `keep`
    receives what the build made (not called when nothing changed since the last build); with
    `since`, the output folder is known to hold what the last build wrote, and the project to differ
    from what it read only in the files named. `before_write` is called once everything is read and
    rendered, just before the output folder changes (the preview serves the last site until then)."""
    started = time.perf_counter()
    out_dir = options.output_dir
    check_project_folder(options.project)  # before the cache folder is made in it
    check_output_dir(out_dir, options.project)  # never the project or its sources
    # What an interrupted build left is finished or undone, then the folder is refused if it is not
    # the builder's own: before anything else is touched.
    reuse = Reuse.open(options, started, since=since)
    try:
        # nothing it depends on changed since the last build into this folder: that build stands.
        last = reuse.last_build(options) if since is None else None  # (with `since`, something did)
        if last is not None:
            if options.strict and last.warnings:
                raise ContentError(promote(last.warnings))
            return last
        if since is None:
            reuse.read_output_records(out_dir)
        reuse.open_stage(out_dir)
        made = prepare(options, link_severity="warning", reuse=reuse)
        site, outputs = made.site, made.outputs
        left_out = [p for p in made.problems if p.severity == "error"]
        warnings = [p for p in made.problems if p.severity == "warning"]
        if options.strict and warnings:
            raise ContentError([*left_out, *promote(warnings)])
        # write: only the files whose bytes changed (a first build: a staging folder swapped in whole),
        # indexed for search before anything is published; a failure leaves the previous output.
        config, articles = site.config, {lang: len(site.by_lang[lang]) for lang in site.config.language_codes}
        languages = [lang for lang, count in articles.items() if count]
        index = (lambda folder, bundles: pagefind.index_site(folder, languages, bundles)) if options.search else None
        if index is not None and keep is None:
            # Pagefind takes some 840 MB to index 5,000 articles: the model and the views, no longer
            # needed, are let go before it runs (a new process's build will not use them again).
            del made, site
            loading.forget()
            gc.collect()  # (the collector is off during a build: the few cycles, templates and all)
            release_free_memory()
        state = reuse.output_state(out_dir)
        if before_write is not None:
            before_write()
        written = write_output(outputs, state, reuse.renderer.keys, index, urls.search_bundle_root(), reuse.stage)
        if reuse.cache:
            reuse.cache.put_outputs(out_dir.resolve(), written.records, written.removed, written.replaced_all)
        reuse.clock.lap("write")
        result = BuildResult(
            output=out_dir,
            articles=articles,
            pages=sum(1 for o in outputs if o.path.endswith(".html")),
            files=len(outputs),
            seconds=time.perf_counter() - started,
            warnings=tuple(warnings),
            problems=tuple(sort_problems(left_out)),
            parsed=reuse.parsed,
            rendered=reuse.renderer.rendered,
            written=written.files_written,
            timings=tuple(reuse.clock.laps),
        )
        reuse.remember(options, config, result, written)
        if keep is not None:
            records = {o.path: written.records.get(o.path) or state.records[o.path] for o in outputs}
            keep(Snapshot(options, made, records, result, reuse.horizon))
    finally:
        reuse.close()
    return result


@dataclass
class Snapshot:
    """What a build made and wrote, for a next build in the same process (see `session`)."""

    options: BuildOptions
    made: Prepared
    records: dict[str, OutputRecord]
    """Every file of the output folder: its page key, digest and stat as written."""
    result: BuildResult
    horizon: str | None
    """The earliest date of an article left out for being in the future (see `last_build`)."""

    def output_state(self) -> OutputState:
        """The output folder as this build left it."""
        files = {path: record.stat for path, record in self.records.items()}
        return OutputState(self.options.output_dir, files, dict(self.records), exists=True, clean=True,
                           marked=True, empty=False)


@dataclass(frozen=True)
class Since:
    """What a build is told rather than looking: the last build into its output folder, made in
    this process, and the project files changed since (paths relative to the project)."""

    last: Snapshot
    changed: frozenset[str]


def check_site(options: BuildOptions) -> list[Problem]:
    """Every problem `build` would meet, and every warning, without writing anything.

    Unlike `build`, a link to a page the site does not have is an error here."""
    try:
        check_project_folder(options.project)
    except SiteError as exc:
        return exc.problems
    reuse = Reuse.open(options, time.perf_counter(), output=False)
    try:
        problems = prepare(options, link_severity="error", reuse=reuse).problems
    except SiteError as exc:
        return exc.problems
    finally:
        reuse.close()
    if options.strict:
        problems = promote(problems)
    return sort_problems(problems)


@dataclass(frozen=True)
class Prepared:
    """What every stage but write made: the site, its files (in memory, or kept as they are in the
    output folder when unchanged), what rendered them, and the problems found."""

    site: Site
    registry: TagRegistry
    env: jinja2.Environment
    context: str
    """The pages' context key (see `pages.environment`)."""
    outputs: list[OutputFile]
    paths: frozenset[str]
    """Every path a link may name (`check.site_paths`)."""
    problems: list[Problem]
    """What `check.review` finds, and (with `keep_going`) the articles left out."""
    found: loading.Found
    """The article files there are."""


def prepare(options: BuildOptions, link_severity: str, reuse: Reuse | None = None) -> Prepared:
    """Every stage but write."""
    reuse = reuse or Reuse(None, 1, Stopwatch(time.perf_counter()))
    site, registry, left_out, found = load_site(options, reuse)
    # render: only the pages whose key changed since the files in the output folder were written.
    env, context = pages.environment(options.project, site.config)
    reuse.renderer = pages.ReusingRenderer(reuse.state, context, reuse.jobs, reuse.stage)
    reviewed: list[tuple[frozenset[str], list[Problem]]] = []

    def review_site(files: list[str]) -> None:  # while the pages are rendered (by workers)
        paths = site_paths(files)
        reviewed.append((paths, review(site, paths, registry, link_severity)))

    outputs = render(site, env, reuse.renderer, review_site)
    reuse.clock.lap("render")
    check_outputs(outputs)
    pagefind.check_outputs(outputs, indexed=options.search)
    (paths, found_problems), = reviewed
    return Prepared(site, registry, env, context, outputs, paths, [*left_out, *found_problems], found)


def load_site(options: BuildOptions,
              reuse: Reuse | None = None) -> tuple[Site, TagRegistry, list[Problem], loading.Found]:
    """load → parse → model: the assembled site, the tag registry, the problems of the files left
    out (with `keep_going`; otherwise any error raises SiteError) and the warnings about files not
    copied (links in static/), and the article files found."""
    reuse = reuse or Reuse(None, 1, Stopwatch(time.perf_counter()))
    config = load_site_config(options)
    # load + parse: unchanged articles come from the cache, the others are parsed by workers; every
    # problem in every file is collected before giving up (or going on without them).
    since = reuse.since
    loaded = loading.load_articles(config, reuse.cache, reuse.jobs, since.last.made.found if since else None,
                                       since.changed if since else None)
    articles, problems, reuse.parsed, found = loaded
    # the templates and static files that are not sources (see `sources`) are reported with the articles
    problems += [problem for folder in ("templates", "static") for problem in walk(config.root, folder).problems]
    reuse.clock.lap("load + parse")
    reuse.freeze()
    if any(problem.severity == "error" for problem in problems) and not options.keep_going:
        raise ContentError(problems)
    now = options.moment
    reuse.horizon = last_build.horizon(articles, options.drafts, now)
    registry = load_tag_registry(config)
    # model
    site = assemble(publishable(articles, options.drafts, now), config, registry)
    reuse.clock.lap("model")
    return site, registry, problems, found


def load_site_config(options: BuildOptions) -> SiteConfig:
    config = load_config(options.project)
    config = config.with_base_url(options.base_url) if options.base_url else config
    # One object per config in a process: the memoized views and feeds are looked up by config,
    # and a rebuild's lookups (the preview's) then match by identity, not field by field.
    if len(_CONFIGS) > 64:
        _CONFIGS.clear()
    return _CONFIGS.setdefault(config, config)


_CONFIGS: dict[SiteConfig, SiteConfig] = {}


def load_articles(config: SiteConfig) -> tuple[list[Article], list[Problem]]:
    """Read and parse every article: the good ones, and every problem of the bad ones."""
    loaded = loading.load_articles(config, None, 1)
    return loaded.articles, loaded.problems


class Reuse:
    """What a build may take from earlier ones (the cache, the output folder as the last build
    left it), its worker processes, and its timings."""

    def __init__(self, cache: Cache | None, jobs: int, clock: Stopwatch, owned: bool = False):
        self.cache, self.jobs, self.clock = cache, jobs, clock
        self.state: OutputState | None = None
        self.renderer = pages.ReusingRenderer(None, "", jobs)
        self.parsed = 0
        self.owned = owned
        """True when the build that made it will `close` it."""
        self.frozen = False
        self.stage: Path | None = None
        self.started = clock.last
        self.horizon: str | None = None
        """The earliest date of an article left out for being in the future (see `last_build`)."""
        self.collecting = False
        self.since: Since | None = None
        if owned and gc.isenabled():
            # A build allocates millions of small records that live until its end and form no cycles:
            # the cyclic collector would walk them again and again for nothing (~40% of rendering).
            gc.disable()
            self.collecting = True

    @classmethod
    def open(cls, options: BuildOptions, started: float, output: bool = True, since: Since | None = None) -> Reuse:
        """Open the cache (unless disabled) and look at the output folder (unless `output` is False;
        taken from `since` when given): see `sync.open_output`."""
        cache = None
        if options.cache:
            if options.cache_folder.resolve().is_relative_to(options.output_dir.resolve()):
                raise ConfigError(f"the cache folder {options.cache_folder} is inside the output folder "
                                  f"{options.output_dir}, which every build rewrites: keep it out (the default "
                                  "is PROJECT/.site-builder-cache)")
            cache = Cache(options.cache_folder, options.project)
            if not cache.usable:  # (it said why)
                cache.close()
                cache = None
        reuse = cls(cache, options.jobs or default_jobs(), Stopwatch(started), owned=True)
        reuse.since = since
        if since is not None:
            reuse.state = since.last.output_state()
        elif output:
            out_dir = options.output_dir
            try:  # (what the last build wrote there: see `last_build`)
                reuse.state = open_output(out_dir, lambda: cache.outputs(out_dir.resolve()) if cache else {})
            except BaseException:
                reuse.close()
                raise
        return reuse

    def last_build(self, options: BuildOptions) -> BuildResult | None:
        """The last build into the output folder, if it still stands (see `last_build`)."""
        if self.cache is None or self.state is None or not self.state.marked:  # (the record is to be written)
            return None
        folder = options.output_dir.resolve()
        record = last_build.load(self.cache, folder)
        if record is None:
            return None
        config = load_site_config(options)
        inputs = last_build.inputs_fingerprint(options, config.root, config_fingerprint(config),
                                               self.cache.sources(config.root))
        if inputs is None or not record.still_holds(inputs, last_build.output_fingerprint(self.state.files),
                                                    options.moment):
            return None
        self.clock.lap("unchanged")
        log.debug("nothing changed since the last build of %s", folder)
        return BuildResult(output=options.output_dir, articles=record.articles, pages=record.pages,
                           files=record.files, seconds=time.perf_counter() - self.started,
                           warnings=record.warning_problems(), timings=tuple(self.clock.laps))

    def open_stage(self, out_dir: Path) -> None:
        """A first build (or one replacing an odd output folder whole) writes into a staging folder,
        swapped in at the end; made now, so that pages go there as soon as they are rendered."""
        if self.state is not None and (not self.state.exists or not self.state.clean):
            self.stage = new_stage(out_dir)

    def read_output_records(self, out_dir: Path) -> None:
        """What the cache says the last build wrote into the output folder (each file's page key)."""
        if self.cache is not None and self.state is not None:
            self.state.records = self.cache.outputs(out_dir.resolve())

    def remember(self, options: BuildOptions, config: SiteConfig, result: BuildResult, written: Written) -> None:
        """Keep what the next build needs to know that nothing changed (nothing after a build that
        left articles out, or one told what changed: a session's next build is told too)."""
        if self.cache is None:
            return
        folder = options.output_dir.resolve()
        if self.since is not None:
            last_build.save(self.cache, folder, None)
            return
        inputs = last_build.inputs_fingerprint(options, config.root, config_fingerprint(config),
                                               self.cache.sources(config.root), stat_sources=False)
        if inputs is None or result.problems:
            last_build.save(self.cache, folder, None)
            return
        output = last_build.output_fingerprint(self._files_after(folder, written, options.search))
        last_build.save(self.cache, folder, last_build.Record(
            inputs, output, self.horizon, dict(result.articles), result.pages, result.files,
            [(p.path, p.line, p.message, p.severity) for p in result.warnings]))

    def _files_after(self, folder: Path, written: Written, search: bool) -> dict[str, Stat]:
        """Every file in the output folder after the write and its stat: from what was there and what
        was written; read again only where Pagefind wrote (it says not what)."""
        if search or self.state is None:
            return scan(folder, {}).files
        files = {} if written.replaced_all else dict(self.state.files)
        for path in written.removed:
            files.pop(path, None)
        files.update((path, record.stat) for path, record in written.records.items())
        return files

    def output_state(self, out_dir: Path) -> OutputState:
        return self.state if self.state is not None else scan(out_dir, {})

    def freeze(self) -> None:
        """What is loaded lives until the end of the build: the collector need not walk it again and
        again (undone by `close`)."""
        if self.owned:
            gc.freeze()
            self.frozen = True

    def close(self) -> None:
        if self.stage is not None:  # gone if the build published it; left by a failed one
            discard(self.stage)
        if self.frozen:
            gc.unfreeze()
        if self.collecting:
            gc.enable()
        if self.cache:
            self.cache.close()


class Stopwatch:
    """Times the stages of a build (logged at debug level)."""

    def __init__(self, started: float):
        self.last = started
        self.laps: list[tuple[str, float]] = []

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps.append((stage, now - self.last))
        log.debug("%s: %.3f s", stage, now - self.last)
        self.last = now


__all__ = ["BuildOptions", "BuildResult", "SiteError", "build", "check_site"]
