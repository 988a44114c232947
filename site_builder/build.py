"""The build: load → parse → assemble → render → write. The CLI, the preview server and the tests
all call `build`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from site_builder import search
from site_builder.assemble import assemble, publishable
from site_builder.check import promote, review
from site_builder.config import SiteConfig, load_config
from site_builder.content import load_sources
from site_builder.errors import ContentError, Problem, SiteError, sort_problems
from site_builder.model import Article, Site
from site_builder.parse import parse_article
from site_builder.render import OutputFile, check_outputs, make_environment, render
from site_builder.tags import TagRegistry, load_tag_registry
from site_builder.write import check_output_dir, discard, publish, write_stage

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

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else self.project / "public"


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

    def summary(self) -> str:
        """The one line the CLI prints at the end of a build."""
        per_lang = ", ".join(f"{n} {lang}" for lang, n in self.articles.items())
        return (f"Built {sum(self.articles.values())} articles ({per_lang}): {self.pages} pages, "
                f"{self.files} files in {self.output} in {self.seconds:.2f} s")


def build(options: BuildOptions) -> BuildResult:
    """Build the site described by `options`; raise SiteError (nothing written) on any problem."""
    started = time.perf_counter()
    check_output_dir(options.output_dir, options.project)
    site, outputs, found = prepare(options, link_severity="warning")
    left_out = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity == "warning"]
    if options.strict and warnings:
        raise ContentError([*left_out, *promote(warnings)])
    # write: stage beside the output, index it, then swap it in whole.
    out_dir = options.output_dir
    stage = write_stage(outputs, out_dir)
    try:
        if options.search:
            search.index_site(stage, [lang for lang in site.config.language_codes if site.by_lang[lang]])
        publish(stage, out_dir)
    finally:
        discard(stage)
    return BuildResult(
        output=out_dir,
        articles={lang: len(site.by_lang[lang]) for lang in site.config.language_codes},
        pages=sum(1 for o in outputs if o.path.endswith(".html")),
        files=len(outputs),
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
        problems=tuple(sort_problems(left_out)),
    )


def check_site(options: BuildOptions) -> list[Problem]:
    """Every problem `build` would meet, and every warning, without writing anything.

    Unlike `build`, a link to a page the site does not have is an error here."""
    try:
        _, _, problems = prepare(options, link_severity="error")
    except SiteError as exc:
        return exc.problems
    if options.strict:
        problems = promote(problems)
    return sort_problems(problems)


def prepare(options: BuildOptions, link_severity: str) -> tuple[Site, list[OutputFile], list[Problem]]:
    """Every stage but write: the site, its files (in memory), and the problems found: what
    `check.review` finds in them, and (with `keep_going`) the articles left out."""
    site, registry, left_out = load_site(options)
    # render
    outputs = render(site, make_environment(options.project))
    check_outputs(outputs)
    if options.search:
        search.check_outputs(outputs)
    return site, outputs, [*left_out, *review(site, outputs, registry, link_severity)]


def load_site(options: BuildOptions) -> tuple[Site, TagRegistry, list[Problem]]:
    """load → parse → model: the assembled site, the tag registry and the problems of the articles
    left out (with `keep_going`; otherwise any problem raises SiteError)."""
    config = load_site_config(options)
    # load + parse: every problem in every file is collected before giving up (or going on without them).
    articles, problems = load_articles(config)
    if problems and not options.keep_going:
        raise ContentError(problems)
    now = None if options.future else (options.now or datetime.now(timezone.utc))
    registry = load_tag_registry(config)
    # model
    return assemble(publishable(articles, options.drafts, now), config, registry), registry, problems


def load_site_config(options: BuildOptions) -> SiteConfig:
    config = load_config(options.project)
    return config.with_base_url(options.base_url) if options.base_url else config


def load_articles(config: SiteConfig) -> tuple[list[Article], list[Problem]]:
    """Read and parse every article: the good ones, and every problem of the bad ones."""
    sources, problems = load_sources(config.root, config.max_article_bytes)
    articles: list[Article] = []
    for source in sources:
        try:
            articles.append(parse_article(source, config))
        except ContentError as exc:
            problems.extend(exc.problems)
    return articles, problems


__all__ = ["BuildOptions", "BuildResult", "SiteError", "build", "check_site"]
