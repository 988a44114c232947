"""What a build is asked (`BuildOptions`), what its stages but write make (`Prepared`) and what it
returns (`BuildResult`); and the config it builds with (`site_config`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder import memo
from site_builder.config import SiteConfig, load_config
from site_builder.content.files import Found
from site_builder.errors import Problem, shown
from site_builder.model import OutputFile, Site
from site_builder.site.tags import TagRegistry

if TYPE_CHECKING:  # (not imported by a build with nothing to do: see `build.build`)
    import jinja2

Progress = Callable[[str, int, int], None]
"""Told how a build goes: (stage, done, to do); `to do` is 0 for a stage that is not counted."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The `Progress` of a build that nobody watches."""


CACHE_DIR = ".site-builder-cache"
"""The cache folder's name in a project (the default `cache_dir`)."""


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
    progress: Progress | None = field(default=None, compare=False, repr=False)
    """Told how the build goes (the CLI shows it on a terminal); it shapes nothing the build makes."""

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
    notes: tuple[Problem, ...] = field(default=())
    """What the build left out on purpose (drafts, future articles) and other notes (no summary)."""
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
        total = sum(self.articles.values())
        return (f"Built {total} article{'s' if total != 1 else ''} ({per_lang}): {self.pages} pages, "
                f"{self.files} files in {shown(str(self.output))} in {self.seconds:.2f} s")


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
    found: Found
    """The article files there are."""

    def site_counts(self) -> dict[str, int]:
        """Published articles per language, in the config's order."""
        return {lang: len(self.site.by_lang[lang]) for lang in self.site.config.language_codes}


def site_config(options: BuildOptions) -> SiteConfig:
    """The config a build with `options` uses: site.toml, with `base_url` as the options say."""
    config = load_config(options.project)
    config = config.with_base_url(options.base_url) if options.base_url else config
    # One object per config in a process: the memoized views and feeds are looked up by config,
    # and a rebuild's lookups (the preview's) then match by identity, not field by field.
    if len(_CONFIGS) > 64:
        _CONFIGS.clear()
    return _CONFIGS.setdefault(config, config)


_CONFIGS: dict[SiteConfig, SiteConfig] = memo.remembered("site_builder.options._CONFIGS", {})
