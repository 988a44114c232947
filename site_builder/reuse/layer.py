"""Reuse as a layer around the build's stages: what a build may take from earlier ones (the cache,
the output folder as the last build left it, what the last build of this process made), its
worker processes, and its timings. `build` opens one `Reuse` and hands it to the stages it wraps:
loading (`loading.load_articles`), rendering (`pages.ReusingRenderer`), writing (the staging
folder), and the record of the last build (`last_build`)."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.config import SiteConfig
from site_builder.content.files import ARTICLES_DIR
from site_builder.errors import NOTE, ConfigError
from site_builder.model import OutputFile, Site
from site_builder.options import BuildOptions, BuildResult, Prepared, Progress, no_progress, site_config
from site_builder.output.listing import Listing
from site_builder.output.state import OutputRecord, OutputState, Stat, open_output, scan
from site_builder.output.sync import Written
from site_builder.output.write import discard, new_stage
from site_builder.reuse import edits, last_build
from site_builder.reuse.fingerprints import config_fingerprint
from site_builder.reuse.store import DEPENDENTS, LISTING, Cache
from site_builder.reuse.workers import default_jobs

if TYPE_CHECKING:  # (Jinja and the render stage: not imported by a build with nothing to do)
    import jinja2

    from site_builder.render.plans import AnyPage
    from site_builder.reuse import pages

log = logging.getLogger(__name__)


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


@dataclass
class Chain:
    """What links a build to the last one of the same process (the preview's: see `preview.session`),
    in one object: what the build is told, what it calls, and what it leaves for the next."""

    since: Since | None = None
    """The last build of the chain and what changed since (None: the build looks at everything)."""
    before_write: Callable[[], None] = lambda: None
    """Called once everything is read and rendered, just before the output folder changes (the
    preview serves the last site until then)."""
    made: Snapshot | None = None
    """Set by the build: what it made and wrote (left None when nothing changed since the last build,
    whose snapshot still holds)."""


class Reuse:
    """What a build may take from earlier ones (the cache, the output folder as the last build
    left it), its worker processes, and its timings."""

    def __init__(self, cache: Cache | None, jobs: int, clock: Stopwatch, owned: bool = False):
        self.cache, self.jobs, self.clock = cache, jobs, clock
        self.state: OutputState | None = None
        self._renderer: pages.ReusingRenderer | None = None
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
        self.pending: edits.Pending | None = None
        """What `after_edits` starts from (see `last_build`)."""
        self._dependents: tuple[Site, frozenset[str]] | None = None
        self.progress: Progress = no_progress
        """Told how the build goes (`BuildOptions.progress`)."""
        if owned and gc.isenabled():
            # A build allocates millions of small records that live until its end and form no cycles:
            # the cyclic collector would walk them again and again for nothing (~40% of rendering).
            gc.disable()
            self.collecting = True

    @classmethod
    def open(cls, options: BuildOptions, started: float, output: bool = True, since: Since | None = None) -> Reuse:
        """Open the cache (unless disabled) and look at the output folder (unless `output` is False;
        taken from `since` when given): see `output.state.open_output`."""
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
        reuse.progress = options.progress or no_progress
        if since is not None:
            reuse.state = since.last.output_state()
        elif output:
            out_dir = options.output_dir
            try:  # (what the last build wrote there: see `last_build`)
                known = reuse.walked(out_dir)
                reuse.state = open_output(out_dir, lambda: cache.outputs(out_dir.resolve()) if cache else {}, known)
                reuse.keep_walked(out_dir, known, reuse.state.listing)
            except BaseException:
                reuse.close()
                raise
        return reuse

    def walked(self, folder: Path) -> Listing | None:
        """The folders under `folder` as the last walk of it found them (see `output.listing`)."""
        known = self.cache.get_kept(LISTING, folder.resolve()) if self.cache is not None else None
        return known if isinstance(known, dict) else None

    def keep_walked(self, folder: Path, known: Listing | None, listing: Listing) -> None:
        """Keep the folders under `folder` as this walk found them, for the next (if they changed)."""
        if self.cache is not None and listing != known:
            self.cache.put_kept(LISTING, folder.resolve(), listing or None)

    @classmethod
    def nothing(cls) -> Reuse:
        """Nothing to reuse: no cache, no output folder, no workers."""
        return cls(None, 1, Stopwatch(time.perf_counter()))

    def last_build(self, options: BuildOptions) -> BuildResult | None:
        """The last build into the output folder, if it still stands (see `last_build`); never when
        told what changed (something did). When only article files may have changed since, what
        `after_edits` starts from is kept in `pending`."""
        if self.since is not None or self.cache is None or self.state is None or not self.state.marked:
            return None  # (without the builder's record in the folder, it is to be written)
        folder = options.output_dir.resolve()
        record = last_build.load(self.cache, folder)
        if record is None:
            return None
        config = site_config(options)
        frame = last_build.frame_fingerprint(options, config.root, config_fingerprint(config))
        if frame != record.frame or not record.still_holds(last_build.output_fingerprint(self.state.files),
                                                           options.moment):
            return None
        articles = config.root / ARTICLES_DIR
        walked = self.walked(articles)
        stats, listing = last_build.walked_stats(articles, walked)
        self.keep_walked(articles, walked, listing)
        seen = last_build.stats_digest(stats)
        if seen != record.articles_seen:  # not proven by the stats alone: by each file's record
            known = self.cache.sources(config.root)
            unproven = last_build.changed_articles(config.root, known, stats)
            if unproven is None:
                return None
            if unproven or last_build.inputs_fingerprint(frame, known) != record.inputs:
                self.pending = edits.Pending(record, frame, unproven)
                return None
            if last_build.proven_by_stats(known, stats):
                last_build.save(self.cache, folder, replace(record, articles_seen=seen))
        self.clock.lap("unchanged")
        log.debug("nothing changed since the last build of %s", folder)
        problems = record.warning_problems()
        return BuildResult(output=options.output_dir, articles=record.articles, pages=record.pages,
                           files=record.files, seconds=time.perf_counter() - self.started,
                           warnings=tuple(p for p in problems if p.severity != NOTE),
                           notes=tuple(p for p in problems if p.severity == NOTE), timings=tuple(self.clock.laps))

    def after_edits(self, options: BuildOptions) -> BuildResult | None:
        """The build after edits of article bodies only (see `edits`), when `last_build` found that
        only article files changed; None when a whole build is needed."""
        if self.pending is None or self.cache is None or self.state is None:
            return None
        result = edits.after_edits(options, self.cache, self.state, self.pending, self.started)
        if result is not None:
            self.clock.lap("edits")
        return result

    def keep_dependents(self, options: BuildOptions, made: Prepared) -> None:
        """Keep the site and its paths until `remember`, which stores what the pages depend on (see
        `edits`): not for a build with search (its index is made again after any edit), nor one
        told what changed (the preview's, whose next builds know more)."""
        if self.cache is not None and self.since is None and not options.search:
            self._dependents = (made.site, made.paths)

    def open_output(self, out_dir: Path) -> None:
        """What the cache says the last build wrote into the output folder (each file's page key;
        known already when told what changed); and a staging folder for a first build (or one
        replacing an odd output folder whole), swapped in at the end: made now, so that pages go
        there as soon as they are rendered."""
        if self.since is None and self.cache is not None and self.state is not None:
            self.state.records = self.cache.outputs(out_dir.resolve())
        if self.state is not None and (not self.state.exists or not self.state.clean):
            self.stage = new_stage(out_dir)

    def render(self, env: jinja2.Environment, context: str, planned: list[AnyPage],
               meanwhile: Callable[[], None]) -> list[OutputFile]:
        """The render stage wrapped: only the pages whose key changed since the files in the output
        folder were written, in the workers (which write a first build's pages into the staging
        folder); `meanwhile` is called while they render."""
        from site_builder.reuse import pages

        self._renderer = pages.ReusingRenderer(self.state, context, self.jobs, self.stage, self.progress)
        outputs = self.renderer(env, planned, meanwhile)
        self.clock.lap("render")
        return outputs

    @property
    def renderer(self) -> pages.ReusingRenderer:
        """What rendered this build's pages (and their keys); one that rendered nothing before `render`."""
        if self._renderer is None:
            from site_builder.reuse import pages

            self._renderer = pages.ReusingRenderer(None, "", self.jobs)
        return self._renderer

    def record_outputs(self, out_dir: Path, written: Written) -> None:
        """Tell the cache what the write stage wrote into the output folder."""
        if self.cache:
            self.cache.put_outputs(out_dir.resolve(), written.records, written.removed, written.replaced_all)
        self.clock.lap("write")

    def remember(self, options: BuildOptions, config: SiteConfig, result: BuildResult, written: Written) -> None:
        """Keep what the next build needs to know that nothing changed, or only article bodies
        (nothing after a build that left articles out, or one told what changed: a session's next
        build is told too)."""
        if self.cache is None:
            return
        folder = options.output_dir.resolve()
        site, self._dependents = self._dependents, None
        self.cache.put_kept(DEPENDENTS, folder, None)
        if self.since is not None or result.problems:
            last_build.save(self.cache, folder, None)
            return
        sources = self.cache.sources(config.root)
        frame = last_build.frame_fingerprint(options, config.root, config_fingerprint(config))
        output = last_build.output_fingerprint(self._files_after(folder, written, options.search))
        last_build.save(self.cache, folder, last_build.Record(
            last_build.inputs_fingerprint(frame, sources), frame, output, self.horizon, dict(result.articles),
            result.pages, result.files,
            [(p.path, p.line, p.message, p.severity, p.kind) for p in (*result.warnings, *result.notes)], {}))
        if site is not None:
            digests = {rel: record.digest for rel, record in sources.items()}
            self.cache.put_kept(DEPENDENTS, folder, edits.dependents(*site, digests).stored())

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
