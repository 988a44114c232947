"""Which pages the site has, and the read-only view each template receives (one kind per page type)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote

from markupsafe import Markup, escape

from site_builder import i18n, metadata, search, urls
from site_builder.config import SiteConfig
from site_builder.metadata import MetaTag
from site_builder.model import Article, Correction, Site, TagPage, YearArchive


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    lang: str = ""
    """hreflang of the target, when it is in another language."""
    current: bool = False
    missing: bool = False
    """A language switcher's link to a version that does not exist (it leads to that language's home)."""


@dataclass(frozen=True)
class Chrome:
    """What the layout of every page needs: language, titles, head links, navigation."""

    lang: str
    site_title: str
    site_description: str
    title: str
    """Document title (the page's own title, or the site title on a home page)."""
    description: str
    canonical: str
    alternates: tuple[Link, ...]
    """`<link rel=alternate hreflang>`: every language version of this page, then x-default."""
    languages: tuple[Link, ...]
    """The language switcher: this page in the other languages (or their home)."""
    nav: tuple[Link, ...]
    home: str
    search_action: str
    stylesheet: str
    base_path: str
    feeds: tuple[Link, ...]
    """Atom feeds offered in the head: the language's, then the page's own (tag, corrections)."""
    corrections_href: str
    meta: tuple[MetaTag, ...] = ()
    """Open Graph and Twitter card `<meta>` elements."""
    json_ld: Markup | None = None
    """schema.org JSON-LD, serialized and escaped for a `<script>` element."""
    brands: tuple[Link, ...] = ()
    """Every language's home under its own name, on the pages that belong to no one language (the
    chooser, the 404): their masthead shows these, and no language's navigation."""
    feeds_href: str = ""
    """The language's page of feeds, which says what a feed is."""
    icon: str = ""
    """The site's favicon (the theme's, or the project's own `static/favicon.svg`)."""
    text_font: str = ""
    """The body text's font file, preloaded: the one face every page needs at once."""


@dataclass(frozen=True)
class Dated:
    iso: str
    text: str


@dataclass(frozen=True)
class Card:
    """An article in a list."""

    title: str
    href: str
    lang: str
    date: Dated
    summary: str
    tags: tuple[Link, ...]
    authors: tuple[str, ...] = ()
    image: str | None = None
    image_alt: str = ""


@dataclass(frozen=True)
class CorrectionNotice:
    """A correction as readers see it: on its article, or listed on the corrections page."""

    anchor: str
    kind: str
    """Localized label: Correction, Précision…"""
    date: Dated
    text: str
    article: Link
    """The corrected article (its page, anchored on the notice)."""


@dataclass(frozen=True)
class NoticeLine:
    """What a corrected article says above its text."""

    text: str
    """« Article corrigé le 2 décembre 2024 : », "Corrected on 2 December 2024:"."""
    link: Link
    """To the latest notice, at the foot of the article."""


@dataclass(frozen=True)
class ArticleView:
    title: str
    lang: str
    date: Dated
    updated: Dated | None
    updated_label: str
    """How the date line names the latest change: updated, or corrected / clarified when it was one."""
    notice: NoticeLine | None
    """Above the text of a corrected article: what its latest notice is and a link to it."""
    authors: tuple[str, ...]
    summary: str
    dek: str
    """The standfirst under the headline: the summary when the writer gave one."""
    tags: tuple[Link, ...]
    body: Markup
    """Sanitized HTML of the body (the site's raw HTML policy applied): the only markup a view holds."""
    opens_with_note: bool
    """The body's first paragraph is all in italics (an editor's note): the drop cap goes to the next."""
    translations: tuple[Link, ...]
    feedback_href: str
    corrections_href: str
    """The language's corrections page, where confirmed errors end up."""
    corrections: tuple[CorrectionNotice, ...]
    """Oldest first."""
    image: str | None
    image_alt: str
    search: search.ArticleSearch


@dataclass(frozen=True)
class Pagination:
    current: int
    total: int
    previous: str | None
    next: str | None
    count: int = 0
    """Articles in the whole list, when its pages say so (a topic's)."""


@dataclass(frozen=True)
class ListView:
    heading: str
    """The page's title: "Sujet : Défense", and on a later page "…, page 2"."""
    intro: str
    cards: tuple[Card, ...]
    pagination: Pagination
    count: str = ""
    """How many articles the list holds in all ("12 articles"), on a topic's pages."""
    feed: Link | None = None
    """The list's own Atom feed (a topic's)."""


@dataclass(frozen=True)
class TagCount:
    label: str
    href: str
    count: int


@dataclass(frozen=True)
class TagsView:
    tags: tuple[TagCount, ...]


@dataclass(frozen=True)
class MonthGroup:
    label: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class YearView:
    year: int
    months: tuple[MonthGroup, ...]
    years: tuple[Link, ...]


@dataclass(frozen=True)
class ArchivesView:
    years: tuple[TagCount, ...]


@dataclass(frozen=True)
class CorrectionsView:
    notices: tuple[CorrectionNotice, ...]
    """Every correction in the language, newest first."""
    feed_href: str


@dataclass(frozen=True)
class SearchView:
    """The search page: Pagefind's Component UI over this language's index."""

    bundle: str | None
    """This language's Pagefind bundle (UI script and stylesheet); None when it has no articles."""
    adapter: str
    """Folder of the Pagefind-compatible module the UI loads (`bundle-path`): it searches each
    language's bundle and lists results newest first."""
    script: str
    tag_filter: str
    year_filter: str
    also: tuple[Link, ...]
    """Other languages the reader may search too (one checkbox each)."""
    browse: tuple[Link, ...]
    """Where to go without JavaScript: archives and topics."""
    settings: dict[str, object]
    """What the page's scripts need, serialized as JSON in the page."""


@dataclass(frozen=True)
class FeedLink:
    label: str
    href: str
    url: str
    """Its absolute address, shown to be copied into a feed reader."""


@dataclass(frozen=True)
class FeedsView:
    """The page that says what a feed is and lists the language's feeds."""

    feeds: tuple[FeedLink, ...]
    topics_href: str


@dataclass(frozen=True)
class RootView:
    languages: tuple[Link, ...]
    default_href: str


@dataclass(frozen=True)
class NotFoundView:
    languages: tuple[Link, ...]


ViewBody = (ArticleView | ListView | TagsView | YearView | ArchivesView | CorrectionsView | SearchView
            | FeedsView | RootView | NotFoundView)


@dataclass(frozen=True)
class Page:
    """A page to render: its template, where it goes, what produced it, and its view."""

    template: str
    path: str
    source: str
    chrome: Chrome
    body: ViewBody
    modified: datetime | None = None
    """When the page's content last changed (the sitemap's `lastmod`), when known."""
    in_sitemap: bool = True

    @property
    def canonical(self) -> str:
        return self.chrome.canonical

    @property
    def alternates(self) -> tuple[Link, ...]:
        return self.chrome.alternates

    def page(self) -> Page:
        return self


@dataclass(frozen=True)
class ArticlePage:
    """An article's page before its view is made: made only where it is rendered (a worker process),
    never when the page is unchanged. `page()` is a pure function of `config` and `inputs`, so the
    page's key is digested from `inputs` (the article and its tags' labels), not from the view."""

    template: str
    path: str
    source: str
    modified: datetime
    config: SiteConfig
    inputs: tuple[Article, OwnLabels]
    in_sitemap: bool = True

    @property
    def canonical(self) -> str:
        return urls.absolute(self.config, self.path)

    @property
    def alternates(self) -> tuple[Link, ...]:
        """What the sitemap needs, the same as the view's: made when asked (by the sitemap, while the
        workers render), not for every article when its page is planned."""
        return alternates(self.config, self.path, article_versions(self.inputs[0]))

    def page(self) -> Page:
        return _article_page(self.config, *self.inputs)


class ListInputs(NamedTuple):
    """What a list page is made of: `_list_page`'s arguments after the config."""

    lang: str
    path: str
    versions: tuple[tuple[str, str], ...]
    heading: str
    intro: str
    source: str
    feed: Link | None
    articles: tuple[Article, ...]
    pagination: Pagination


@dataclass(frozen=True)
class ListPage:
    """A page of article cards (a home, a tag) before its view is made: made only where it is
    rendered, as `ArticlePage`. `page()` is a pure function of `config` and `inputs`, so the page's
    key is digested from `inputs` (of its articles, what their cards show), not from the view."""

    template: str
    path: str
    source: str
    modified: datetime | None
    canonical: str
    alternates: tuple[Link, ...]
    config: SiteConfig
    inputs: ListInputs
    in_sitemap: bool = True

    def page(self) -> Page:
        return _list_page(self.config, *self.inputs)



AnyPage = Page | ArticlePage | ListPage


def pages(site: Site) -> Iterator[AnyPage]:
    """Every page of the site, in a stable order."""
    cfg = site.config
    yield root_page(cfg)
    yield not_found_page(cfg)
    labels = search.tag_labels(site)
    for lang in cfg.language_codes:
        articles = site.by_lang[lang]
        yield from home_pages(cfg, lang, articles)
        for article in articles:
            yield article_page(cfg, article, labels)
        yield tags_index_page(cfg, lang, site.tags[lang])
        for tag_page in site.tags[lang]:
            yield from tag_pages(cfg, tag_page)
        yield archives_page(cfg, lang, site.years[lang], site)
        for archive in site.years[lang]:
            yield year_page(cfg, archive, site)
        yield corrections_page(cfg, lang, articles, site)
        yield search_page(cfg, lang, site)
        yield feeds_page(cfg, lang, site)


def pages_with_card(site: Site, article: Article) -> Iterator[AnyPage]:
    """The pages of `pages` that show a card of `article`: its page of its language's home, of each
    of its tags, and its year archive."""
    cfg, lang = site.config, article.lang
    yield from (page for page in home_pages(cfg, lang, site.by_lang[lang]) if article in page.inputs.articles)
    for tag_page in site.tags[lang]:
        if article in tag_page.articles:
            yield from (page for page in tag_pages(cfg, tag_page) if article in page.inputs.articles)
    for archive in site.years[lang]:
        if article in archive.articles:
            yield year_page(cfg, archive, site)


# --- page builders -------------------------------------------------------------------------------

# An article's page and card depend on nothing but the config, the article and its tags' labels
# (all hashable by value): memoized, an unchanged article costs a lookup, within a build and across
# the builds of a process (the preview server's). Sized for the largest archives measured (50,000
# pairs: 100,000 articles, 135,000 pages): a smaller memo made every list page make its cards again.
MEMO_SIZE = 1 << 18


def article_page(cfg: SiteConfig, article: Article, labels: search.TagLabels) -> ArticlePage:
    own = tuple((tag.key, tuple(sorted(labels.get(tag.key, {}).items()))) for tag in article.tags)
    return _article_plan(cfg, article, own)


OwnLabels = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
"""The labels of an article's own tags, hashable: (tag key, ((language, label), ...)), ..."""


@lru_cache(maxsize=MEMO_SIZE)
def _article_plan(cfg: SiteConfig, article: Article, own_labels: OwnLabels) -> ArticlePage:
    return ArticlePage("article.html", article.path, article.source, article.modified, cfg, (article, own_labels))


def article_versions(article: Article) -> dict[str, str]:
    """Language → path of each version of the article, its own included."""
    return {article.lang: article.path, **{t.lang: t.path for t in article.translations}}


@lru_cache(maxsize=MEMO_SIZE)
def _article_page(cfg: SiteConfig, article: Article, own_labels: OwnLabels) -> Page:
    labels = {key: dict(names) for key, names in own_labels}
    versions = article_versions(article)
    chrome = make_chrome(cfg, article.lang, article.path, article.title, article.summary, versions,
                         meta=metadata.article_meta(cfg, article),
                         json_ld=metadata.script_json(metadata.article_json_ld(cfg, article)))
    return Page("article.html", article.path, article.source, chrome, article_view(cfg, article, labels),
                article.modified)


def home_pages(cfg: SiteConfig, lang: str, articles: Sequence[Article]) -> Iterator[ListPage]:
    """A language's latest articles, newest first, paginated."""
    return list_pages(cfg, lang, articles, urls.home, i18n.t(lang, "latest"), "", "home")


def list_pages(cfg: SiteConfig, lang: str, articles: Sequence[Article], path_of, heading: str,  # type: ignore[no-untyped-def]
               intro: str, source: str, versions_of=None, feed: Link | None = None,
               counted: bool = False) -> Iterator[ListPage]:
    """Paginated list of article cards; `path_of(lang, page)` gives each page's path."""
    chunks = paginate(articles, cfg.page_size)
    for number, chunk in enumerate(chunks, start=1):
        path = path_of(lang, number)
        if number > 1:  # later pages have no counterpart in another language
            versions = {lang: path}
        elif versions_of:
            versions = versions_of(number)
        else:
            versions = {code: path_of(code, number) for code in cfg.language_codes}
        pagination = Pagination(
            number, len(chunks),
            urls.href(cfg, path_of(lang, number - 1)) if number > 1 else None,
            urls.href(cfg, path_of(lang, number + 1)) if number < len(chunks) else None,
            len(articles) if counted else 0,
        )
        yield _list_plan(cfg, ListInputs(lang, path, tuple(versions.items()), heading, intro, source, feed,
                                         tuple(chunk), pagination))


@lru_cache(maxsize=MEMO_SIZE)  # a rebuild (the preview server's) gets the same plan for the same articles
def _list_plan(cfg: SiteConfig, inputs: ListInputs) -> ListPage:
    path = inputs.path
    return ListPage("list.html", path, f"{inputs.source} list", latest(inputs.articles), urls.absolute(cfg, path),
                    alternates(cfg, path, dict(inputs.versions)), cfg, inputs)


@lru_cache(maxsize=MEMO_SIZE)  # a rebuild (the preview server's) gets the same page for the same articles
def _list_page(cfg: SiteConfig, lang: str, path: str, versions: tuple[tuple[str, str], ...], heading: str,
               intro: str, source: str, feed: Link | None, chunk: tuple[Article, ...], pagination: Pagination) -> Page:
    number, total = pagination.current, pagination.total
    title = heading if number == 1 else f"{heading} · {i18n.t(lang, 'page_n_of_m', n=number, m=total)}"
    own_title = title if path != urls.home(lang) else ""  # a home page is titled by the site's name
    chrome = make_chrome(cfg, lang, path, own_title, cfg.language(lang).description, dict(versions), feed)
    shown = heading if number == 1 else i18n.t(lang, "heading_page_n", heading=heading, n=number)
    count = i18n.count_label(lang, pagination.count) if pagination.count else ""
    return Page("list.html", path, f"{source} list", chrome,
                ListView(shown, intro, tuple(card(cfg, a) for a in chunk), pagination, count, feed), latest(chunk))


def tag_pages(cfg: SiteConfig, page: TagPage) -> Iterator[ListPage]:
    tag, lang = page.tag, page.lang
    label = tag.labels[lang]

    def path_of(code: str, number: int) -> str:
        return urls.tag(code, tag.slugs.get(code, tag.slugs[lang]), number)

    def versions_of(number: int) -> dict[str, str]:
        return {code: urls.tag(code, slug) for code, slug in tag.slugs.items()}

    feed = Link(urls.href(cfg, urls.tag_feed(lang, tag.slugs[lang])), feed_title(cfg, lang, label))
    yield from list_pages(cfg, lang, page.articles, path_of, i18n.t(lang, "tag_title", tag=label),
                          tag.descriptions.get(lang, ""), f"tag `{label}`", versions_of, feed, counted=True)


def tags_index_page(cfg: SiteConfig, lang: str, tag_pages_: tuple[TagPage, ...]) -> Page:
    path = urls.tags_index(lang)
    versions = {code: urls.tags_index(code) for code in cfg.language_codes}
    chrome = make_chrome(cfg, lang, path, i18n.t(lang, "all_tags"), cfg.language(lang).description, versions)
    counts = tuple(TagCount(p.tag.labels[lang], urls.href(cfg, urls.tag(lang, p.tag.slugs[lang])), len(p.articles))
                   for p in tag_pages_)
    return Page("tags.html", path, "tags index", chrome, TagsView(counts),
                latest(a for p in tag_pages_ for a in p.articles))


def archives_page(cfg: SiteConfig, lang: str, years: tuple[YearArchive, ...], site: Site) -> Page:
    path = urls.archives(lang)
    versions = {code: urls.archives(code) for code in cfg.language_codes}
    chrome = make_chrome(cfg, lang, path, i18n.t(lang, "archives"), cfg.language(lang).description, versions)
    counts = tuple(TagCount(str(y.year), urls.href(cfg, urls.year(lang, y.year)), len(y.articles)) for y in years)
    return Page("archives.html", path, "archives index", chrome, ArchivesView(counts), latest(site.by_lang[lang]))


def year_page(cfg: SiteConfig, archive: YearArchive, site: Site) -> Page:
    lang, year = archive.lang, archive.year
    path = urls.year(lang, year)
    versions = {code: urls.year(code, year) for code in cfg.language_codes
                if any(y.year == year for y in site.years[code])}
    title = i18n.t(lang, "year_title", year=year)
    chrome = make_chrome(cfg, lang, path, title, cfg.language(lang).description, versions)
    locale = cfg.language(lang).locale
    months: dict[int, list[Card]] = {}
    for article in archive.articles:
        months.setdefault(article.date.astimezone(cfg.tzinfo).month, []).append(card(cfg, article))
    groups = tuple(MonthGroup(i18n.month_name(m, locale), tuple(cards)) for m, cards in months.items())
    years = tuple(Link(urls.href(cfg, urls.year(lang, y.year)), str(y.year), current=y.year == year)
                  for y in site.years[lang])
    return Page("year.html", path, f"year archive {year}", chrome, YearView(year, groups, years),
                latest(archive.articles))


def corrections_page(cfg: SiteConfig, lang: str, articles: Sequence[Article], site: Site) -> Page:
    """Every correction published in `lang`, newest first, with its own feed."""
    path = urls.corrections(lang)
    versions = {code: urls.corrections(code) for code in cfg.language_codes}
    feed = Link(urls.href(cfg, urls.corrections_feed(lang)), feed_title(cfg, lang, i18n.t(lang, "corrections")))
    chrome = make_chrome(cfg, lang, path, i18n.t(lang, "corrections"), i18n.t(lang, "corrections_intro"),
                         versions, feed)
    found = sorted(((c, a) for a in articles for c in a.corrections), key=lambda ca: ca[0].date, reverse=True)
    notices = tuple(correction_notice(cfg, a, c) for c, a in found)
    modified = found[0][0].date if found else None
    return Page("corrections.html", path, "corrections page", chrome, CorrectionsView(notices, feed.href), modified)


def search_page(cfg: SiteConfig, lang: str, site: Site) -> Page:
    path = urls.search(lang)
    versions = {code: urls.search(code) for code in cfg.language_codes}
    chrome = make_chrome(cfg, lang, path, i18n.t(lang, "search"), cfg.language(lang).description, versions)
    indexed = [code for code in cfg.language_codes if site.by_lang[code]]
    bundles = {code: urls.href(cfg, urls.search_bundle(code)) for code in indexed}
    others = [code for code in indexed if code != lang]
    view = SearchView(
        bundle=bundles.get(lang),
        adapter=urls.href(cfg, urls.asset("search/")),
        script=urls.href(cfg, urls.asset("search/search.js")),
        tag_filter=search.tag_filter(lang),
        year_filter=search.YEAR_FILTER,
        also=tuple(Link("", i18n.t(lang, f"search_also_{code}"), code) for code in others),
        browse=(Link(urls.href(cfg, urls.archives(lang)), i18n.t(lang, "archives")),
                Link(urls.href(cfg, urls.tags_index(lang)), i18n.t(lang, "all_tags"))),
        settings=search.page_settings(cfg, lang, bundles),
    )
    # Its index covers every language, so it changes whenever any article does.
    return Page("search.html", path, "search page", chrome, view, latest(site.articles))


def feeds_page(cfg: SiteConfig, lang: str, site: Site) -> Page:
    """What a feed is, and the language's feeds: its latest articles and its corrections."""
    path = urls.feeds_page(lang)
    versions = {code: urls.feeds_page(code) for code in cfg.language_codes}
    title = i18n.t(lang, "feeds_title")
    chrome = make_chrome(cfg, lang, path, title, i18n.t(lang, "feeds_intro"), versions)
    offered = (("feed_latest", urls.feed(lang)), ("feed_corrections", urls.corrections_feed(lang)))
    feeds = tuple(FeedLink(i18n.t(lang, key), urls.href(cfg, feed), urls.absolute(cfg, feed)) for key, feed in offered)
    return Page("feeds.html", path, "feeds page", chrome,
                FeedsView(feeds, urls.href(cfg, urls.tags_index(lang))), latest(site.by_lang[lang]))


def root_page(cfg: SiteConfig) -> Page:
    lang = cfg.default_language
    # No hreflang alternates: this page only sends readers on, and the homes name each other.
    chrome = _bilingual(cfg, make_chrome(cfg, lang, urls.root(), "", cfg.language(lang).description, {}), "")
    links = tuple(Link(urls.href(cfg, urls.home(code)), cfg.language(code).title, code) for code in cfg.language_codes)
    return Page("root.html", urls.root(), "language chooser", chrome,
                RootView(links, urls.href(cfg, urls.home(lang))), in_sitemap=False)


def not_found_page(cfg: SiteConfig) -> Page:
    lang = cfg.default_language
    chrome = _bilingual(cfg, make_chrome(cfg, lang, urls.not_found(), i18n.t(lang, "not_found_title"), "", {}),
                        "not_found_title")
    links = tuple(Link(urls.href(cfg, urls.home(code)), i18n.t(code, "back_home"), code) for code in cfg.language_codes)
    return Page("404.html", urls.not_found(), "404 page", chrome, NotFoundView(links), in_sitemap=False)


def _bilingual(cfg: SiteConfig, chrome: Chrome, title_key: str) -> Chrome:
    """The chrome of a page that belongs to every language: each language's brand, none current, and
    a title in every language (the page's own `title_key`, or the brands)."""
    codes = cfg.language_codes
    brands = tuple(Link(urls.href(cfg, urls.home(code)), cfg.language(code).title, code) for code in codes)
    title = " · ".join(i18n.t(code, title_key) if title_key else cfg.language(code).title for code in codes)
    return replace(chrome, brands=brands, languages=(), nav=(), title=title)


# --- pieces --------------------------------------------------------------------------------------

def make_chrome(cfg: SiteConfig, lang: str, path: str, title: str, description: str,
                versions: dict[str, str], feed: Link | None = None, meta: tuple[MetaTag, ...] | None = None,
                json_ld: Markup | None = None) -> Chrome:
    """Layout data for a page at `path` in `lang` whose language versions are `versions`; `feed` is
    the page's own Atom feed, offered beside the language's; `meta` replaces the page's default
    Open Graph and Twitter card (an article's)."""
    language = cfg.language(lang)
    switcher = tuple(
        Link(urls.href(cfg, versions.get(code, urls.home(code))), i18n.t(code, "language_name"), code,
             current=code == lang, missing=bool(versions) and code not in versions)
        for code in cfg.language_codes
    )
    section = section_of(lang, path)
    common = _language_chrome(cfg, lang)
    return Chrome(
        lang=lang, site_title=language.title, site_description=language.description,
        title=f"{title} · {language.title}" if title else language.title,
        description=description, canonical=urls.absolute(cfg, path), alternates=alternates(cfg, path, versions),
        languages=switcher, nav=_nav(cfg, lang, section), home=common.home,
        search_action=common.search_action, stylesheet=common.stylesheet, base_path=cfg.base_path,
        feeds=common.feeds + ((feed,) if feed else ()), corrections_href=common.corrections_href,
        meta=meta if meta is not None else metadata.page_meta(cfg, lang, title, description, path),
        json_ld=json_ld, icon=common.icon, text_font=common.text_font, feeds_href=common.feeds_href,
    )


def alternates(cfg: SiteConfig, path: str, versions: dict[str, str]) -> tuple[Link, ...]:
    """`<link rel=alternate hreflang>` of a page at `path`: every language version, then x-default
    (none when the page exists in one language only)."""
    links = tuple(Link(urls.absolute(cfg, versions[code]), code, code)
                  for code in cfg.language_codes if code in versions)
    if len(links) < 2:
        return ()
    default = versions.get(cfg.default_language, path)
    return links + (Link(urls.absolute(cfg, default), "x-default", "x-default"),)


def section_of(lang: str, path: str) -> str:
    """The section of the navigation a page at `path` is under: "home" (its later pages too), "tags"
    (a topic and its pages), "archives" (a year), "corrections", or "" (an article, search)."""
    rest = path[len(lang) + 1:] if path.startswith(f"{lang}/") else None
    if rest is None:
        return ""
    if rest == "" or rest.startswith("page/"):
        return "home"
    if rest.startswith("tags/"):
        return "tags"
    if rest == "archives/" or (len(rest) == 5 and rest[:4].isdigit() and rest.endswith("/")):
        return "archives"
    return "corrections" if rest == "corrections/" else ""


@lru_cache(maxsize=64)
def _nav(cfg: SiteConfig, lang: str, current: str) -> tuple[Link, ...]:
    """The site's sections in `lang`, `current` (a `section_of`) marked."""
    return (
        Link(urls.href(cfg, urls.home(lang)), i18n.t(lang, "home"), current=current == "home"),
        Link(urls.href(cfg, urls.tags_index(lang)), i18n.t(lang, "tags"), current=current == "tags"),
        Link(urls.href(cfg, urls.archives(lang)), i18n.t(lang, "archives"), current=current == "archives"),
        Link(urls.href(cfg, urls.corrections(lang)), i18n.t(lang, "corrections"), current=current == "corrections"),
    )


@dataclass(frozen=True)
class _Shared:
    """What every page in one language has in its chrome."""

    home: str
    search_action: str
    stylesheet: str
    feeds: tuple[Link, ...]
    corrections_href: str
    icon: str = ""
    text_font: str = ""
    feeds_href: str = ""


TEXT_FONT = "fonts/source-serif-4-latin-400-normal.woff2"


@lru_cache(maxsize=16)
def _language_chrome(cfg: SiteConfig, lang: str) -> _Shared:
    return _Shared(home=urls.href(cfg, urls.home(lang)), search_action=urls.href(cfg, urls.search(lang)),
                   stylesheet=urls.href(cfg, urls.asset("style.css")),
                   feeds=(Link(urls.href(cfg, urls.feed(lang)), feed_title(cfg, lang)),),
                   corrections_href=urls.href(cfg, urls.corrections(lang)),
                   icon=urls.href(cfg, "favicon.svg"), text_font=urls.href(cfg, urls.asset(TEXT_FONT)),
                   feeds_href=urls.href(cfg, urls.feeds_page(lang)))


def article_view(cfg: SiteConfig, article: Article, labels: search.TagLabels) -> ArticleView:
    lang = article.lang
    latest_notice = article.corrections[-1] if article.corrections else None
    return ArticleView(
        title=article.title, lang=article.lang,
        date=dated(article.date, cfg, article.lang),
        updated=dated(article.modified, cfg, article.lang) if article.modified != article.date else None,
        updated_label=updated_label(article, latest_notice),
        notice=correction_line(cfg, article, latest_notice) if latest_notice else None,
        authors=article.authors, summary=article.summary,
        dek=article.summary if article.summary_given else "",
        tags=tuple(Link(urls.href(cfg, t.path), t.label) for t in article.tags),
        body=Markup(name_footnote_links(article.body_html, lang)),
        opens_with_note=opens_with_note(article.body_html),
        translations=tuple(Link(urls.href(cfg, t.path), t.title, t.lang) for t in article.translations),
        feedback_href=feedback_href(cfg, article),
        corrections_href=urls.href(cfg, urls.corrections(article.lang)),
        corrections=tuple(correction_notice(cfg, article, c) for c in article.corrections),
        image=urls.resource(cfg, article.image) if article.image else None, image_alt=article.image_alt,
        search=search.article_search(cfg, article, labels),
    )


FOOTNOTE_BACKREF = re.compile(r'<a href="#fnref([0-9]+)(?::[0-9]+)?" class="footnote-backref">')


def name_footnote_links(body_html: str, lang: str) -> str:
    """Footnotes' links back to the text, named in words (their text is an arrow: ↩︎)."""
    if "footnote-backref" not in body_html:
        return body_html
    def named(match: re.Match[str]) -> str:
        return f'{match.group(0)[:-1]} aria-label="{escape(i18n.t(lang, "footnote_back", n=match.group(1)))}">'
    return FOOTNOTE_BACKREF.sub(named, body_html)


def updated_label(article: Article, latest_notice: Correction | None) -> str:
    """« Corrigé le » / « Précisé le » when the article's latest change is a notice, else « Mis à jour le »."""
    if latest_notice is not None and latest_notice.date == article.modified:
        return i18n.t(article.lang, "corrected_on" if latest_notice.kind == "correction" else "clarified_on")
    return i18n.t(article.lang, "updated")


def opens_with_note(body_html: str) -> bool:
    """True when the first paragraph of `body_html` is one emphasis and nothing else."""
    end = body_html.find("</p>")
    first = body_html[:end] if body_html.startswith("<p><em>") and end > 0 else ""
    return first.endswith("</em>") and first.count("</em>") == 1


def correction_line(cfg: SiteConfig, article: Article, correction: Correction) -> NoticeLine:
    """The line above a corrected article's text: « Article corrigé le … : » and the link to the notice."""
    lang, kind = article.lang, correction.kind
    return NoticeLine(i18n.t(lang, f"notice_{kind}", date=dated(correction.date, cfg, lang).text),
                      Link(f"#correction-{correction.number}", i18n.t(lang, f"notice_link_{kind}")))


def correction_notice(cfg: SiteConfig, article: Article, correction: Correction) -> CorrectionNotice:
    return CorrectionNotice(
        anchor=f"correction-{correction.number}", kind=i18n.t(article.lang, correction.kind),
        date=dated(correction.date, cfg, article.lang), text=correction.text,
        article=Link(urls.href(cfg, urls.correction(article.path, correction.number)), article.title, article.lang),
    )


@lru_cache(maxsize=MEMO_SIZE)
def card(cfg: SiteConfig, article: Article) -> Card:
    return Card(
        title=article.title, href=urls.href(cfg, article.path), lang=article.lang,
        date=dated(article.date, cfg, article.lang), summary=article.summary,
        tags=tuple(Link(urls.href(cfg, t.path), t.label) for t in article.tags),
        authors=article.authors, image=urls.resource(cfg, article.image) if article.image else None,
        image_alt=article.image_alt,
    )


@lru_cache(maxsize=MEMO_SIZE)  # an article's date is on its card (planned first) and on its page
def dated(moment: datetime, cfg: SiteConfig, lang: str) -> Dated:
    """A date for `<time>`: machine-readable ISO and the localized text."""
    local = moment.astimezone(cfg.tzinfo)
    return Dated(i18n.iso_datetime(local, cfg.tzinfo), i18n.format_date(local, cfg.language(lang).locale))


def latest(articles: Iterable[Article]) -> datetime | None:
    """When the newest change among `articles` happened (None when there are none)."""
    return max((a.modified for a in articles), default=None)


def feed_title(cfg: SiteConfig, lang: str, topic: str = "") -> str:
    """Title of a feed: the site's title, with the topic (a tag, Corrections) when there is one."""
    site_title = cfg.language(lang).title
    return i18n.t(lang, "feed_topic_title", site=site_title, topic=topic) if topic else site_title


def feedback_href(cfg: SiteConfig, article: Article) -> str:
    """The feedback target with this article's absolute URL, title and language, URL-encoded."""
    values = {"url": urls.absolute(cfg, article.path), "title": article.title, "lang": article.lang}
    href = cfg.feedback_for(article.lang)
    for name, value in values.items():
        href = href.replace("{" + name + "}", quote(value, safe=""))
    return href


def paginate(items: Sequence[Article], size: int) -> list[Sequence[Article]]:
    """Split into pages of `size`; an empty list still has one (empty) page."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [items[:0]]
