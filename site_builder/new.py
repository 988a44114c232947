"""`new`: start an article (or the translation of one) with its front matter filled in."""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from site_builder.config import SiteConfig, load_config
from site_builder.content.files import ARTICLES_DIR, Source
from site_builder.content.parse import parse_article
from site_builder.errors import ConfigError, ContentError, Problem, display_path
from site_builder.model import Article
from site_builder.slugs import make_slug

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewArticle:
    """What `site-builder new` is asked to create."""

    project: Path
    title: str
    lang: str
    tags: tuple[str, ...] = ()
    """Tags as given; empty with `translation_of` means: the original's tags."""
    translation_of: Path | None = None
    """The article this one translates (a path from the current folder or from the project)."""
    now: datetime | None = None
    """The publication moment; default: the clock, in the site's time zone."""


def new_article(request: NewArticle) -> Path:
    """Write the new article's file (never over an existing one) in the project that holds
    `request.project` (see `find_project`) and return its path."""
    project = find_project(request.project)
    config = load_config(project)
    title = unicodedata.normalize("NFC", " ".join(request.title.split()))
    check_request(request, title, config)
    original = read_original(request.translation_of, config) if request.translation_of else None
    if original is not None and original.lang == request.lang:
        raise ContentError([Problem(original.source, None, f"is already in `{request.lang}`: "
                                   "give `--lang` the language of the translation")])
    now = config.local(request.now or datetime.now(config.tzinfo)).replace(microsecond=0)
    rel = ARTICLES_DIR / f"{now.year:04d}" / f"{now.month:02d}" / f"{make_slug(title)}.{request.lang}.md"
    tags = request.tags or (original.tag_labels if original else ())
    text = front_matter(title, now, tags, original.translation_key if original else None)
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ContentError([Problem(rel.as_posix(), None, "already exists and was left as it is: "
                                   "choose another title, or edit that file")]) from None
    log.debug("created %s", path)
    return path


def find_project(start: Path) -> Path:
    """The project folder that holds `start`: `start` itself, or the first folder above it with a
    site.toml or a content/ folder (`new` run from inside content/ writes where builds read).
    Refused when there is none: `new` would write an article that no build reads."""
    if not start.is_dir():
        return start  # (`load_config` says that there is no such folder)
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "site.toml").is_file() or (folder / "content").is_dir():
            return start if folder == here else folder
    raise ConfigError([Problem(str(here), None, "is not in a site-builder project: neither it nor a folder "
                               "above it has a site.toml or a content/ folder: run `new` "
                               "inside the project, or give the project's folder (`site-builder new \"Title\" "
                               "--lang fr PROJECT_DIR`)")])


def parse_tags(text: str) -> tuple[str, ...]:
    """`--tags "Ukraine, Défense"` → ("Ukraine", "Défense")."""
    return tuple(tag.strip() for tag in text.split(",") if tag.strip())


def check_request(request: NewArticle, title: str, config: SiteConfig) -> None:
    """Refuse an unknown language or a title that gives no file name, before writing anything."""
    problems = []
    if request.lang not in config.language_codes:
        problems.append(Problem("command line", None, f"`--lang {request.lang}` is not a language of this "
                                f"site: use one of {', '.join(config.language_codes)}"))
    if not make_slug(title):
        problems.append(Problem("command line", None, f"the title `{request.title}` has no letters or "
                                "digits to make the file name from"))
    if problems:
        raise ConfigError(problems)


def read_original(path: Path, config: SiteConfig) -> Article:
    """The article that `--translation-of` names, parsed (its problems are reported if it is broken)."""
    candidates = [path, config.root / path]
    found = next((p for p in candidates if p.is_file()), None)
    articles = (config.root / ARTICLES_DIR).resolve()
    if found is None or not found.resolve().is_relative_to(articles):
        raise ConfigError([Problem("command line", None, f"`--translation-of {path}` is not an article of "
                                   f"this project: give the path of a file under {ARTICLES_DIR.as_posix()}/")])
    rel = display_path(found.resolve(), config.root.resolve())
    return parse_article(Source(rel, found.read_bytes()), config)


def front_matter(title: str, now: datetime, tags: tuple[str, ...], translation_key: str | None) -> str:
    """The new file's text: front matter with placeholders that build as they are."""
    lines = [
        "---",
        f"title: {yaml_text(title)}",
        f"date: {now.isoformat()}",
        f"tags: [{', '.join(yaml_text(tag) for tag in tags)}]",
        'author: []  # your name, e.g. author: "Claire Martin", or a list: [Claire Martin, Yanis Benali]',
        '# summary: "One or two sentences for lists, feeds and search (default: the first paragraph)."',
    ]
    if translation_key:
        lines.append(f"translation_key: {yaml_text(translation_key)}  # links this article to its original")
    return "\n".join([*lines, "---", "", ""])


def yaml_text(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML): quotes, colons, `#` all safe."""
    return json.dumps(value, ensure_ascii=False)
