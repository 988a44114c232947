"""The front matter + Markdown pipeline run in memory (parse → assemble → render → check), for the
property-based tests and the fuzzer: no disk, no clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.config import SiteConfig, parse_config
from site_builder.content.files import Source
from site_builder.content.parse import parse_article
from site_builder.errors import ContentError, SiteError
from site_builder.model import Article
from site_builder.render.pages import OutputFile, make_environment, render
from site_builder.site.assemble import assemble
from site_builder.site.check import check_outputs
from site_builder.site.tags import EMPTY_REGISTRY

# A project folder that does not exist: no templates/, no static/, only the shipped theme.
PROJECT = Path("/nonexistent/site-builder-property-tests")
CONFIG: SiteConfig = parse_config({}, PROJECT, None, "")
ENV = make_environment(PROJECT)


@dataclass(frozen=True)
class Outcome:
    articles: list[Article]
    """The files that parsed."""
    outputs: list[OutputFile]
    """The rendered site, or [] when assembling or rendering refused the articles."""
    errors: list[SiteError]


def run_pipeline(files: dict[str, bytes]) -> Outcome:
    """Parse every file, then assemble and render the good ones; only SiteError is caught."""
    articles, errors = [], []
    for rel, data in sorted(files.items()):
        try:
            articles.append(parse_article(Source(rel, data), CONFIG))
        except ContentError as exc:
            errors.append(exc)
    try:
        outputs = render(assemble(articles, CONFIG, EMPTY_REGISTRY), ENV)
        check_outputs(outputs)
    except SiteError as exc:
        return Outcome(articles, [], [*errors, exc])
    return Outcome(articles, outputs, errors)
