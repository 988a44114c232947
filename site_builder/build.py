"""The build: load → parse → assemble → plan → render → check → write → index, in `build` below in
that order, each stage a function over typed, mostly frozen data. Reuse (the cache, the pages' keys,
the worker processes, the staging folder: `reuse.layer.Reuse`) wraps whole stages. The CLI, the
preview server and the tests all call `build`.

The modules of the stages that a build with nothing to do never reaches (Markdown, YAML, Jinja and
the render stage: two thirds of the command line's start) are imported by the functions that run
them, so that such a build imports none of them."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Mapping, Sequence

from site_builder import memo, urls
from site_builder.config import SiteConfig, check_project_folder
from site_builder.content.files import Found
from site_builder.errors import ERROR, NOTE, WARNING, ContentError, Problem, Severity, SiteError, sort_problems
from site_builder.model import Article, OutputFile, Site
from site_builder.options import BuildOptions, BuildResult, Prepared, site_config
from site_builder.output import pagefind
from site_builder.output.state import OutputRecord, OutputState
from site_builder.output.sync import Written, write_output
from site_builder.output.write import check_output_dir
from site_builder.reuse import last_build
from site_builder.reuse.layer import Chain, Reuse, Snapshot
from site_builder.reuse.workers import release_free_memory
from site_builder.site import published
from site_builder.site.aliases import check_aliases
from site_builder.site.assemble import assemble, publishable, without_clashes
from site_builder.site.check import check_outputs, held_back, promote, review, site_paths
from site_builder.site.tags import TagRegistry, load_tag_registry
from site_builder.sources import walk

log = logging.getLogger(__name__)


def build(options: BuildOptions, chain: Chain | None = None) -> BuildResult:
    """Build the site described by `options`; raise SiteError (nothing written) on any problem.

    `chain` links the build to the last one of the same process (the preview's, see
    `preview.session`): it says what changed since, what to call just before the output folder
    changes, and receives what the build made."""
    started = time.perf_counter()
    check_folders(options)
    # What an interrupted build left is finished or undone, then the folder is refused if it is not
    # the builder's own: before anything else is touched.
    reuse = Reuse.open(options, started, since=chain.since if chain else None)
    try:
        last = reuse.last_build(options)  # nothing it depends on changed since: that build stands
        if last is not None:
            return still_standing(last, options)
        edited = reuse.after_edits(options) if chain is None else None  # only article bodies changed
        if edited is not None:
            return edited
        reuse.open_output(options.output_dir)
        made = prepare_to_write(options, reuse)  # load … check
        reuse.keep_dependents(options, made)  # (for a later build after edits: see `reuse.edits`)
        left_out, warnings, notes = errors_and_warnings(made.problems, options)
        config, outputs, articles = made.site.config, made.outputs, made.site_counts()
        manifest = manifest_after(options, chain, made.site, left_out)
        if options.search and chain is None:
            # Pagefind takes some 840 MB to index 5,000 articles: the model and the views, no longer
            # needed, are let go before it runs (a new process's build will not use them again).
            del made
            free_memory()
        state = reuse.output_state(options.output_dir)
        if chain is not None:
            chain.before_write()
        written = write(outputs, state, [lang for lang, n in articles.items() if n], options, reuse)
        if manifest is not None:
            published.save_manifest(config.root, manifest)  # (before `remember`: its bytes are an input)
            warnings = published.relocated(warnings, manifest)  # lines of the file as it is now
        result = BuildResult(
            output=options.output_dir, articles=articles, pages=sum(1 for o in outputs if o.path.endswith(".html")),
            files=len(outputs), seconds=time.perf_counter() - started, warnings=tuple(warnings), notes=tuple(notes),
            problems=tuple(sort_problems(left_out)), parsed=reuse.parsed, rendered=reuse.renderer.rendered,
            written=written.files_written, timings=tuple(reuse.clock.laps))
        reuse.remember(options, config, result, written)
        if chain is not None:
            chain.made = Snapshot(options, made, written_records(outputs, written, state), result, reuse.horizon)
    finally:
        reuse.close()
    return result


def check_folders(options: BuildOptions) -> None:
    """Refuse a project that is not one, and an output folder that is the project or its sources."""
    check_project_folder(options.project)  # before the cache folder is made in it
    check_output_dir(options.output_dir, options.project)


def still_standing(last: BuildResult, options: BuildOptions) -> BuildResult:
    """The last build's result, which stands (with `strict`, its warnings fail this build)."""
    if options.strict and last.warnings:
        raise ContentError(promote(last.warnings))
    return last


def manifest_after(options: BuildOptions, chain: Chain | None, site: Site, left_out: list[Problem]) -> str | None:
    """The text of `published.txt` after this build, or None when this build does not record what it
    publishes: a preview (`serve`), drafts or future articles shown, articles left out."""
    if chain is not None or options.drafts or options.future or left_out:
        return None
    return published.manifest_text(published.read_manifest(site.config.root), site)


def errors_and_warnings(problems: Sequence[Problem],
                        options: BuildOptions) -> tuple[list[Problem], list[Problem], list[Problem]]:
    """The articles left out (`keep_going`), the warnings and the notes. An error fails the build
    (unless `keep_going`), with every warning listed too; with `strict`, so does a warning."""
    problems = sort_problems(problems)
    left_out = [p for p in problems if p.severity == ERROR]
    warnings = [p for p in problems if p.severity == WARNING]
    if options.strict and warnings:
        raise ContentError([*left_out, *promote(warnings)])
    if left_out and not options.keep_going:
        raise ContentError(left_out, warnings)
    return left_out, warnings, [p for p in problems if p.severity == NOTE]


def free_memory() -> None:
    """Let go of what this process keeps from the build (the model, the views), before Pagefind."""
    memo.forget()
    gc.collect()  # (the collector is off during a build: the few cycles, templates and all)
    release_free_memory()


def write(outputs: list[OutputFile], state: OutputState, languages: list[str], options: BuildOptions,
          reuse: Reuse) -> Written:
    """write → index: only the files whose bytes changed (a first build: a staging folder swapped in
    whole), indexed for search before anything is published; a failure leaves the previous output."""
    index = (lambda folder, bundles: pagefind.index_site(folder, languages, bundles, reuse.jobs)) if options.search \
        else None
    reuse.progress("write + index" if options.search else "write", 0, 0)
    written = write_output(outputs, state, reuse.renderer.keys, index, urls.search_bundle_root(), reuse.stage)
    reuse.record_outputs(options.output_dir, written)
    return written


def written_records(outputs: list[OutputFile], written: Written, state: OutputState) -> dict[str, OutputRecord]:
    """Every output file's record after the write (for the next build of a chain)."""
    records: Mapping[str, OutputRecord] = state.records
    return {o.path: written.records.get(o.path) or records[o.path] for o in outputs}


def check_site(options: BuildOptions) -> list[Problem]:
    """Every problem `build` would meet, and every warning, without writing anything.

    Unlike `build`, a link to a page the site does not have is an error here."""
    try:
        check_project_folder(options.project)
    except SiteError as exc:
        return exc.problems
    reuse = Reuse.open(options, time.perf_counter(), output=False)
    try:
        problems = prepare(options, link_severity=ERROR, reuse=reuse).problems
    except SiteError as exc:  # a stage that could not go on: what it and the stages before it found
        problems = exc.problems
    finally:
        reuse.close()
    if options.strict:
        problems = promote(problems)
    return sort_problems(problems)


def prepare_to_write(options: BuildOptions, reuse: Reuse) -> Prepared:
    """`prepare` for `build`: a dead link is a warning; a stage that fails raises its errors, and
    the earlier stages' errors, with their warnings aside (see `SiteError.warnings`)."""
    try:
        return prepare(options, link_severity=WARNING, reuse=reuse)
    except SiteError as exc:
        raise type(exc)([p for p in exc.problems if p.severity == ERROR],
                        [*exc.warnings, *(p for p in exc.problems if p.severity == WARNING)]) from None


def prepare(options: BuildOptions, link_severity: Severity, reuse: Reuse | None = None) -> Prepared:
    """Every stage but write: load → parse → assemble → plan → render → check. The articles that
    fail are left out and the others go on, so that one pass finds every problem: a stage that
    fails raises SiteError with the problems of the stages before it too."""
    reuse = reuse or Reuse.nothing()
    site, registry, left_out, found = load_site(options, reuse)
    try:
        return check_stages(options, link_severity, reuse, site, registry, left_out, found)
    except SiteError as exc:
        raise along(exc, left_out) from None


def along(error: SiteError, before: Sequence[Problem]) -> SiteError:
    """`error` with the errors and warnings found `before` it (by the stages it stopped)."""
    return type(error)([*(p for p in before if p.severity != NOTE), *error.problems])


def check_stages(options: BuildOptions, link_severity: Severity, reuse: Reuse, site: Site, registry: TagRegistry,
                 left_out: list[Problem], found: Found) -> Prepared:
    """plan → render → check, for `prepare`."""
    from site_builder.render import plans  # (the render stage: not imported by a build with nothing to do)
    from site_builder.render.pages import other_files
    from site_builder.reuse import pages

    reuse.progress("render", 0, 0)
    planned = list(plans.pages(site))
    env, context = pages.environment(options.project, site.config)
    reviewed: list[tuple[list[OutputFile], frozenset[str], list[Problem]]] = []

    def the_rest() -> None:  # while the pages are rendered (by workers): every path is known
        others = other_files(site, planned)
        paths = site_paths([*(urls.output_file(page.path) for page in planned), *(other.path for other in others)])
        reviewed.append((others, paths, review(site, paths, registry, link_severity)))

    outputs = reuse.render(env, context, planned, meanwhile=the_rest)
    (others, paths, found_problems), = reviewed
    outputs += others
    found_problems += published.vanished(published.read_manifest(site.config.root), site)
    check_aliases(site.articles, outputs)
    check_outputs(outputs)
    pagefind.check_outputs(outputs, indexed=options.search)
    return Prepared(site, registry, env, context, outputs, paths, [*left_out, *found_problems], found)


def load_site(options: BuildOptions,
              reuse: Reuse | None = None) -> tuple[Site, TagRegistry, list[Problem], Found]:
    """load → parse → assemble: the assembled site, the tag registry, the problems of the files left
    out (bad ones, and the files not read as articles), the warnings about files not copied (links
    in static/), notes on the articles held back, and the article files found."""
    from site_builder.reuse import loading

    reuse = reuse or Reuse.nothing()
    reuse.progress("parse", 0, 0)
    config = site_config(options)
    # load + parse: unchanged articles come from the cache, the others are parsed by workers; every
    # problem in every file is collected before giving up (or going on without them).
    since = reuse.since
    loaded = loading.load_articles(config, reuse.cache, reuse.jobs, since.last.made.found if since else None,
                                   since.changed if since else None, progress=reuse.progress)
    articles, problems, reuse.parsed, found = loaded
    # the templates and static files that are not sources (see `sources`) are reported with the articles
    problems += [problem for folder in ("templates", "static") for problem in walk(config.root, folder).problems]
    reuse.clock.lap("load + parse")
    reuse.freeze()
    now = options.moment
    reuse.horizon = last_build.horizon(articles, options.drafts, now)
    problems += held_back(articles, options.drafts, now)
    kept, clashing = without_clashes(publishable(articles, options.drafts, now))
    problems += clashing
    try:
        registry = load_tag_registry(config)
        site = assemble(kept, config, registry)
    except SiteError as exc:
        raise along(exc, problems) from None
    reuse.clock.lap("model")
    return site, registry, problems, found


def load_articles(config: SiteConfig) -> tuple[list[Article], list[Problem]]:
    """Read and parse every article: the good ones, and every problem of the bad ones."""
    from site_builder.reuse import loading

    loaded = loading.load_articles(config, None, 1)
    return loaded.articles, loaded.problems


__all__ = ["BuildOptions", "BuildResult", "SiteError", "build", "check_site"]
