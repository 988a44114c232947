"""Assemble validated articles into the site model: publishing rules, translations, tags, archives."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from site_builder import memo, urls
from site_builder.config import SiteConfig
from site_builder.errors import ContentError, Problem
from site_builder.model import Article, Site, TagLink, TagPage, Translation, YearArchive
from site_builder.site.tags import TagRegistry, resolve_tags, tag_key
from site_builder.slugs import make_slug


def publishable(articles: Iterable[Article], drafts: bool, now: datetime | None) -> list[Article]:
    """Drop drafts (unless `drafts`) and articles dated after `now` (when `now` is given)."""
    return [a for a in articles if (drafts or not a.draft) and (now is None or a.date <= now)]


def newest_first(articles: Iterable[Article]) -> tuple[Article, ...]:
    """Newest first; articles published at the same moment are ordered by source path."""
    return tuple(sorted(sorted(articles, key=lambda a: a.source), key=lambda a: a.date, reverse=True))


CLASHES = (
    (lambda a: (a.lang, a.translation_key), "translation_key",
     lambda a: f"both are the `{a.lang}` version of `{a.translation_key}`: give one of them "
               "another `translation_key` (or fix its language suffix)"),
    (lambda a: a.path, "slug", lambda a: f"both would be published at /{a.path}: give one of them another `slug`"),
)
"""What two articles may not share: (what, the field to fix, what to say)."""


def without_clashes(articles: list[Article]) -> tuple[list[Article], list[Problem]]:
    """The articles but the later (by path) of each pair that clash, and an error for each of those:
    the rest of the site can still be assembled and checked."""
    problems = [problem for key, field, message in CLASHES for problem in clashes(articles, key, field, message)]
    left_out = {problem.path for problem in problems}
    return [a for a in articles if a.source not in left_out] if left_out else articles, problems


def assemble(articles: list[Article], config: SiteConfig, registry: TagRegistry) -> Site:
    """Link translations and tags, group by language, tag and year; report clashes between files."""
    for key, field, message in CLASHES:
        check_unique(articles, key, field, message)
    tags = resolve_tags(articles, registry)
    versions: dict[str, list[Article]] = defaultdict(list)  # each article's translations, found in O(n)
    for article in articles:
        versions[article.translation_key].append(article)
    order = {code: i for i, code in enumerate(config.language_codes)}
    tag_links: dict[tuple[str, str], TagLink] = {}  # (label as written, language) → link: made once
    linked = [link_article(a, versions[a.translation_key], tags, order, registry, tag_links) for a in articles]
    ordered = newest_first(linked)
    by_lang = {lang: tuple(a for a in ordered if a.lang == lang) for lang in config.language_codes}
    return Site(
        config=config,
        articles=ordered,
        by_lang=MappingProxyType(by_lang),
        tags=MappingProxyType({lang: tag_pages(lang, by_lang[lang], tags, registry) for lang in by_lang}),
        years=MappingProxyType({lang: year_archives(lang, by_lang[lang], config) for lang in by_lang}),
    )


def replace_articles(site: Site, replaced: Mapping[Article, Article]) -> Site:
    """`site` with articles swapped for new versions that sort, link and group exactly as they did
    (their bodies edited: see `session`); every list keeps its order, untouched lists stay as they are."""
    def swap(articles: tuple[Article, ...]) -> tuple[Article, ...]:
        new = tuple(replaced.get(a, a) for a in articles)
        return articles if all(x is y for x, y in zip(new, articles, strict=True)) else new

    def swap_all(records, make):  # type: ignore[no-untyped-def]
        swapped = ((r, swap(r.articles)) for r in records)
        return tuple(r if articles is r.articles else make(r, articles) for r, articles in swapped)

    langs = site.config.language_codes
    return dataclasses.replace(
        site,
        articles=swap(site.articles),
        by_lang=MappingProxyType({lang: swap(site.by_lang[lang]) for lang in langs}),
        tags=MappingProxyType({lang: swap_all(site.tags[lang], lambda p, a: TagPage(p.tag, p.lang, a))
                               for lang in langs}),
        years=MappingProxyType({lang: swap_all(site.years[lang], lambda y, a: YearArchive(y.lang, y.year, a))
                                for lang in langs}),
    )


def check_unique(articles: list[Article], key, field: str, message) -> None:  # type: ignore[no-untyped-def]
    """Raise one error per pair of articles sharing `key`, naming both files."""
    problems = clashes(articles, key, field, message)
    if problems:
        raise ContentError(problems)


def clashes(articles: list[Article], key, field: str, message) -> list[Problem]:  # type: ignore[no-untyped-def]
    """One error per pair of articles sharing `key`, on the later one, naming both files."""
    first: dict[object, Article] = {}
    problems = []
    for article in sorted(articles, key=lambda a: a.source):
        other = first.setdefault(key(article), article)
        if other is not article:
            problems.append(Problem(article.source, article.lines.get(field),
                                    f"clashes with {other.source}: {message(article)}"))
    return problems


def link_article(article: Article, articles: list[Article], tags: dict, order: dict[str, int],
                 registry: TagRegistry, tag_links: dict[tuple[str, str], TagLink]) -> Article:
    """The article with its translations and resolved tags filled in (`order`: each language's
    place in site.toml; `tag_links`: the links made so far, by label and language)."""
    others = sorted((a for a in articles if a.translation_key == article.translation_key
                     and a.lang != article.lang), key=lambda a: order[a.lang])
    lang = article.lang
    links = []
    for label in article.tag_labels:
        link = tag_links.get((label, lang))
        if link is None:
            tag = tags[tag_key(label, registry)]
            link = tag_links[(label, lang)] = TagLink(tag.key, tag.labels[lang], urls.tag(lang, tag.slugs[lang]))
        links.append(link)
    # The original is the version published first; on a tie, the one in the first site language.
    original = min([article, *others], key=lambda a: (a.date, order[a.lang]))
    return linked(article, tuple(Translation(a.lang, a.path, a.title, a is original) for a in others), tuple(links))


@memo.memoized(maxsize=1 << 18)  # an unchanged article keeps its linked record (and memoized views) across builds
def linked(article: Article, translations: tuple[Translation, ...], tags: tuple[TagLink, ...]) -> Article:
    """`article` with its translations and resolved tags."""
    return article.with_links(translations, tags)


def tag_pages(lang: str, articles: tuple[Article, ...], tags: dict, registry: TagRegistry) -> tuple[TagPage, ...]:
    """One page per tag used in `lang`, sorted by label (accents ignored)."""
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for link in article.tags:
            members[link.key].append(article)
    pages = [TagPage(tags[key], lang, tuple(found)) for key, found in members.items()]
    return tuple(sorted(pages, key=lambda p: (make_slug(p.tag.labels[lang]), p.tag.key)))


def year_archives(lang: str, articles: tuple[Article, ...], config: SiteConfig) -> tuple[YearArchive, ...]:
    """One archive per year that has articles in `lang`, newest year first."""
    years: dict[int, list[Article]] = defaultdict(list)
    for article in articles:
        years[config.local(article.date).year].append(article)
    return tuple(YearArchive(lang, y, tuple(years[y])) for y in sorted(years, reverse=True))
