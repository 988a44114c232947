"""The build: load → parse → assemble → render → write. The CLI, the preview server and the tests
all call `build`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from site_builder.assemble import assemble, publishable
from site_builder.config import SiteConfig, load_config
from site_builder.content import load_sources
from site_builder.errors import ContentError, Problem, SiteError
from site_builder.model import Article
from site_builder.parse import parse_article
from site_builder.render import check_outputs, make_environment, render
from site_builder.tags import load_tag_registry
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

    def summary(self) -> str:
        """The one line the CLI prints at the end of a build."""
        per_lang = ", ".join(f"{n} {lang}" for lang, n in self.articles.items())
        return (f"Built {sum(self.articles.values())} articles ({per_lang}): {self.pages} pages, "
                f"{self.files} files in {self.output} in {self.seconds:.2f} s")


def build(options: BuildOptions) -> BuildResult:
    """Build the site described by `options`; raise SiteError (nothing written) on any problem."""
    started = time.perf_counter()
    config = load_site_config(options)
    out_dir = options.output_dir
    check_output_dir(out_dir, options.project)
    # load + parse: every problem in every file is collected before giving up.
    articles = load_articles(config)
    now = None if options.future else (options.now or datetime.now(timezone.utc))
    # model
    site = assemble(publishable(articles, options.drafts, now), config, load_tag_registry(config))
    # render
    outputs = render(site, make_environment(options.project))
    check_outputs(outputs)
    # write: stage beside the output, then swap it in whole.
    stage = write_stage(outputs, out_dir)
    try:
        publish(stage, out_dir)
    finally:
        discard(stage)
    return BuildResult(
        output=out_dir,
        articles={lang: len(site.by_lang[lang]) for lang in config.language_codes},
        pages=sum(1 for o in outputs if o.path.endswith(".html")),
        files=len(outputs),
        seconds=time.perf_counter() - started,
    )


def load_site_config(options: BuildOptions) -> SiteConfig:
    config = load_config(options.project)
    return config.with_base_url(options.base_url) if options.base_url else config


def load_articles(config: SiteConfig) -> list[Article]:
    """Read and parse every article; raise one ContentError listing every bad file."""
    sources, problems = load_sources(config.root)
    articles: list[Article] = []
    for source in sources:
        try:
            articles.append(parse_article(source, config))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return articles


__all__ = ["BuildOptions", "BuildResult", "SiteError", "build"]
