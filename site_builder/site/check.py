"""What `check` looks for beyond the build's own errors: dead site links, warnings that an
archive editor wants to see (missing translation, unregistered tag, stale translation), and notes
(no summary, articles held back).

Every rule is a plain function over the assembled site; `review` runs them all. `build` reports the
findings as warnings; `check` (`build.check_site`) treats dead links as errors. Once everything
is rendered, `check_outputs` refuses two sources writing one file, before anything is written."""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, time
from pathlib import Path
from urllib.parse import unquote

from site_builder import memo, urls
from site_builder.config import SiteConfig
from site_builder.errors import ERROR, NOTE, WARNING, BuildError, Kind, Problem, Severity, sort_problems
from site_builder.model import Article, OutputFile, Site
from site_builder.site.tags import TagRegistry

log = logging.getLogger(__name__)


def review(site: Site, paths: frozenset[str], registry: TagRegistry, link_severity: Severity = ERROR,
           only: Collection[str] | None = None) -> list[Problem]:
    """Every finding of every rule, sorted; dead links get `link_severity`, a missing summary is a
    note, the rest are warnings.

    `paths` are the site's (`site_paths`); with `only`, just the findings about those source files
    (each finding is about one file: the one it names)."""
    articles = site.articles if only is None else tuple(a for a in site.articles if a.source in only)
    found = [
        *dead_links(site.config, articles, paths, link_severity),
        *missing_translations(site.config, articles),
        *unregistered_tags(articles, registry),
        *stale_translations(site, only),
        *missing_summaries(articles),
    ]
    return sort_problems(found)


def promote(warnings: Iterable[Problem]) -> list[Problem]:
    """Warnings turned into errors (`--strict`), saying so."""
    return [dataclasses.replace(w, severity=ERROR, message=f"{w.message} (a warning, an error under --strict)")
            if w.severity == WARNING else w for w in warnings]


def site_paths(files: Iterable[str]) -> frozenset[str]:
    """Every site-relative path a link may name: each file, and each folder that has an index."""
    paths: set[str] = set()
    for path in files:
        paths.add(path)
        if path == "index.html" or path.endswith("/index.html"):
            folder = path[: -len("index.html")]
            paths.update((folder, folder.rstrip("/")))
    return frozenset(paths)


@memo.memoized(maxsize=1 << 18)  # many articles link to the same pages
def link_path(link: str) -> str:
    """The site-relative path a root-relative link names: no fragment, no query, %-decoded."""
    path = link.split("#", 1)[0].split("?", 1)[0]
    return unquote(path).lstrip("/")


def dead_links(config: SiteConfig, articles: Iterable[Article], paths: frozenset[str],
               severity: Severity) -> Iterator[Problem]:
    """Root-relative links in article bodies (`[…](/fr/2024/11/x/)`) to pages the site does not have."""
    for article in articles:
        for link in dict.fromkeys(article.site_links):  # each target once, in order
            if link_path(link) not in paths:
                line = source_line(config.root / article.source, link)
                yield Problem(article.source, line, f"links to {link}, which is not a page of the site: "
                              "correct the link (a draft or future article is not published)",
                              severity=severity, kind=Kind.DEAD_LINK)


def missing_translations(config: SiteConfig, articles: Iterable[Article]) -> Iterator[Problem]:
    """Articles that exist in one language only (when the site has several)."""
    if len(config.languages) < 2:
        return
    for article in articles:
        if not article.translations:
            others = ", ".join(code for code in config.language_codes if code != article.lang)
            yield warning(article, "translation_key", Kind.NO_TRANSLATION,
                          f"has no translation ({others}): translate it, or give the translation the same "
                          f"`translation_key` (`{article.translation_key}`)")


def unregistered_tags(articles: Iterable[Article], registry: TagRegistry) -> Iterator[Problem]:
    """Tags missing from `content/tags.toml` (only when the site keeps a registry)."""
    if not registry.labels:
        return
    for article in articles:
        for link in article.tags:
            if link.key not in registry.labels:
                yield warning(article, "tags", Kind.UNREGISTERED_TAG,
                              f"tag `{link.label}` is not in content/tags.toml: add [{link.key}] with its label "
                              "in each language, or use a registered tag")


def stale_translations(site: Site, only: Collection[str] | None = None) -> Iterator[Problem]:
    """Translations last changed before their original's `updated`: they may miss the correction
    (with `only`, just the translations among those source files)."""
    versions: dict[str, list[Article]] = defaultdict(list)
    for article in site.articles:
        versions[article.translation_key].append(article)
    order = {code: i for i, code in enumerate(site.config.language_codes)}
    for group in versions.values():
        original = min(group, key=lambda a: (a.date, order[a.lang], a.source))
        if original.updated is None:
            continue
        for translation in group:
            if only is not None and translation.source not in only:
                continue
            if translation is not original and translation.modified < original.updated:
                field = "updated" if translation.updated else "date"
                yield warning(translation, field, Kind.STALE,
                              f"may be stale: its original {original.source} was updated on "
                              f"{original.updated.isoformat()}, after this translation's `{field}` "
                              f"({translation.modified.isoformat()}): bring it up to date, then set "
                              "`updated:`")


def missing_summaries(articles: Iterable[Article]) -> Iterator[Problem]:
    """Articles without a `summary:`: a note, since the first paragraph stands in for it (as documented)."""
    for article in articles:
        if not article.summary_given:
            yield warning(article, None, Kind.NO_SUMMARY, "has no `summary`: lists and search show its first "
                          "paragraph; add `summary: \"…\"` (one or two sentences) to the front matter",
                          severity=NOTE)


def held_back(articles: Iterable[Article], drafts: bool, now: datetime | None) -> list[Problem]:
    """A note for each article the build leaves out on purpose: a draft (unless `drafts`), one dated
    after `now` (when given). The complement of `assemble.publishable`."""
    notes = []
    for article in articles:
        if article.draft and not drafts:
            notes.append(warning(article, "draft", Kind.DRAFT, "is a draft (`draft: true`): held back; "
                                 "`--drafts` builds it", severity=NOTE))
        elif now is not None and article.date > now:
            moment = article.date
            when = moment.date().isoformat() if moment.time() == time() else moment.isoformat()
            notes.append(warning(article, "date", Kind.FUTURE, f"is dated {when}, in the "
                                 "future: held back until then; `--future` builds it (or correct the date)",
                                 severity=NOTE))
    return notes


def warning(article: Article, field: str | None, kind: Kind, message: str, severity: Severity = WARNING) -> Problem:
    """A warning (or a note) about `article`, on the line of `field` when the front matter has it."""
    return Problem(article.source, article.lines.get(field) if field else None, message, severity, kind)


def source_line(path: Path, text: str) -> int | None:
    """First line of the file at `path` that contains `text` (None when unreadable or absent)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, start=1) if text in line), None)


def check_outputs(outputs: Sequence[OutputFile]) -> None:
    """Refuse two sources writing one file, and any path that would leave the output folder."""
    problems: list[Problem] = []
    owner: dict[str, OutputFile] = {}
    for out in outputs:
        if not urls.is_safe_output_path(out.path):
            problems.append(Problem(out.source, None, f"would write outside the output folder ({out.path!r})"))
            continue
        if out.path.casefold() == urls.BUILDER_RECORD:
            problems.append(Problem(out.source, None, f"/{urls.BUILDER_RECORD} is the name of the builder's record "
                                    "in the output folder: rename the file"))
            continue
        key = out.path.casefold()  # `A.html` and `a.html` are one file on macOS and Windows
        first = owner.setdefault(key, out)
        if first is not out:
            same = "" if first.path == out.path else f" and /{first.path}, one file on Windows and macOS"
            problems.append(Problem(out.source, None, f"output conflict: {first.source} and {out.source} "
                                    f"both write /{out.path}{same}: rename or remove one of them"))
    if problems:
        raise BuildError(problems)
