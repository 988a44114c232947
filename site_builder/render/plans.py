"""Which pages the site has, planned: each page's template, path and inputs, its view (`views`) made
only where it is rendered. Article and list pages are memoized on their inputs, so that a rebuild in
the same process (the preview server's) gets the same plan for the same articles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.model import Article, Site, TagPage, YearArchive
from site_builder.render import metadata, search
from site_builder.render.chrome import alternates, make_chrome
from site_builder.render.views import (
    MEMO_SIZE,
    ArchivesView,
    Card,
    Chrome,
    CorrectionsView,
    FeedLink,
    FeedsView,
    Link,
    ListView,
    MonthGroup,
    NotFoundView,
    Page,
    Pagination,
    RedirectView,
    RootView,
    SearchView,
    TagCount,
    TagsView,
    YearView,
    article_view,
    card,
    correction_notice,
    feed_title,
    latest,
    paginate,
)


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
            yield from redirect_pages(cfg, article)
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


def article_page(cfg: SiteConfig, article: Article, labels: search.TagLabels) -> ArticlePage:
    own = tuple((tag.key, tuple(sorted(labels.get(tag.key, {}).items()))) for tag in article.tags)
    return _article_plan(cfg, article, own)


OwnLabels = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
"""The labels of an article's own tags, hashable: (tag key, ((language, label), ...)), ..."""


@memo.memoized(maxsize=MEMO_SIZE)
def _article_plan(cfg: SiteConfig, article: Article, own_labels: OwnLabels) -> ArticlePage:
    return ArticlePage("article.html", article.path, article.source, article.modified, cfg, (article, own_labels))


def redirect_pages(cfg: SiteConfig, article: Article) -> Iterator[Page]:
    """A page at each of the article's old addresses (`aliases:`), sending readers on to it: out of
    the sitemap, the feeds and the search index (it has no `data-pagefind-body`)."""
    view = RedirectView(urls.href(cfg, article.path), urls.absolute(cfg, article.path), article.title)
    for path in article.aliases:
        # The language switch leads to the article's versions; the article's own address is the
        # canonical one (what a crawler keeps of the old address), and the page has no alternates.
        chrome = make_chrome(cfg, article.lang, path, i18n.t(article.lang, "moved_title"), "",
                             article_versions(article), meta=())
        chrome = replace(chrome, canonical=view.canonical, alternates=())
        yield Page("redirect.html", path, article.source, chrome, view, in_sitemap=False)


def article_versions(article: Article) -> dict[str, str]:
    """Language → path of each version of the article, its own included."""
    return {article.lang: article.path, **{t.lang: t.path for t in article.translations}}


@memo.memoized(maxsize=MEMO_SIZE, in_workers=False)  # a rebuild (the preview's) keeps unchanged pages' views
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


@memo.memoized(maxsize=MEMO_SIZE)  # a rebuild (the preview server's) gets the same plan for the same articles
def _list_plan(cfg: SiteConfig, inputs: ListInputs) -> ListPage:
    path = inputs.path
    return ListPage("list.html", path, f"{inputs.source} list", latest(inputs.articles), urls.absolute(cfg, path),
                    alternates(cfg, path, dict(inputs.versions)), cfg, inputs)


@memo.memoized(maxsize=MEMO_SIZE, in_workers=False)  # a rebuild (the preview's): same page, same articles
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
        months.setdefault(cfg.local(article.date).month, []).append(card(cfg, article))
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
        script=urls.href(cfg, urls.asset("search/search.js")),
        also=tuple(Link("", i18n.t(lang, f"search_also_{code}"), code) for code in others),
        browse=(Link(urls.href(cfg, urls.tags_index(lang)), i18n.t(lang, "all_tags")),
                Link(urls.href(cfg, urls.archives(lang)), i18n.t(lang, "archives"))),
        settings=search.page_settings(cfg, lang, bundles, site),
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
