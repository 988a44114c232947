"""The read-only view each template receives (one kind per page type), and the pieces that pages
share (chrome, cards, dates)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.model import Article, Correction
from site_builder.render import metadata, search
from site_builder.render.metadata import MetaTag


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    lang: str = ""
    """hreflang of the target, when it is in another language."""
    current: bool = False


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
class ArticleView:
    title: str
    lang: str
    date: Dated
    updated: Dated | None
    authors: tuple[str, ...]
    summary: str
    dek: str
    """The standfirst under the headline: the summary when the writer gave one."""
    tags: tuple[Link, ...]
    body: Markup
    """Sanitized HTML of the body (the site's raw HTML policy applied): the only markup a view holds."""
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


@dataclass(frozen=True)
class ListView:
    heading: str
    intro: str
    cards: tuple[Card, ...]
    pagination: Pagination


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
class RootView:
    languages: tuple[Link, ...]
    default_href: str


@dataclass(frozen=True)
class NotFoundView:
    languages: tuple[Link, ...]


ViewBody = (ArticleView | ListView | TagsView | YearView | ArchivesView | CorrectionsView | SearchView
            | RootView            | NotFoundView)


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


# --- page builders -------------------------------------------------------------------------------

# An article's page and card depend on nothing but the config, the article and its tags' labels
# (all hashable by value): memoized, an unchanged article costs a lookup, within a build and across
# the builds of a process (the preview server's). Sized for the largest archives measured (50,000
# pairs: 100,000 articles, 135,000 pages): a smaller memo made every list page make its cards again.
MEMO_SIZE = 1 << 18


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
             current=code == lang)
        for code in cfg.language_codes
    )
    section = ("home" if path == urls.home(lang) else "tags" if path.startswith(urls.tags_index(lang))
               else "archives" if path == urls.archives(lang) else "")
    common = _language_chrome(cfg, lang)
    return Chrome(
        lang=lang, site_title=language.title, site_description=language.description,
        title=f"{title} · {language.title}" if title else language.title,
        description=description, canonical=urls.absolute(cfg, path), alternates=alternates(cfg, path, versions),
        languages=switcher, nav=_nav(cfg, lang, section), home=common.home,
        search_action=common.search_action, stylesheet=common.stylesheet, base_path=cfg.base_path,
        feeds=common.feeds + ((feed,) if feed else ()), corrections_href=common.corrections_href,
        meta=meta if meta is not None else metadata.page_meta(cfg, lang, title, description, path),
        json_ld=json_ld,
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


@memo.memoized(maxsize=64)
def _nav(cfg: SiteConfig, lang: str, current: str) -> tuple[Link, ...]:
    """The site's sections in `lang`, `current` ("home", "tags", "archives" or "") marked."""
    return (
        Link(urls.href(cfg, urls.home(lang)), i18n.t(lang, "home"), current=current == "home"),
        Link(urls.href(cfg, urls.tags_index(lang)), i18n.t(lang, "tags"), current=current == "tags"),
        Link(urls.href(cfg, urls.archives(lang)), i18n.t(lang, "archives"), current=current == "archives"),
    )


@dataclass(frozen=True)
class _Shared:
    """What every page in one language has in its chrome."""

    home: str
    search_action: str
    stylesheet: str
    feeds: tuple[Link, ...]
    corrections_href: str


@memo.memoized(maxsize=16)
def _language_chrome(cfg: SiteConfig, lang: str) -> _Shared:
    return _Shared(home=urls.href(cfg, urls.home(lang)), search_action=urls.href(cfg, urls.search(lang)),
                   stylesheet=urls.href(cfg, urls.asset("style.css")),
                   feeds=(Link(urls.href(cfg, urls.feed(lang)), feed_title(cfg, lang)),),
                   corrections_href=urls.href(cfg, urls.corrections(lang)))


def article_view(cfg: SiteConfig, article: Article, labels: search.TagLabels) -> ArticleView:
    return ArticleView(
        title=article.title, lang=article.lang,
        date=dated(article.date, cfg, article.lang),
        updated=dated(article.modified, cfg, article.lang) if article.modified != article.date else None,
        authors=article.authors, summary=article.summary,
        dek=article.summary if article.summary_given else "",
        tags=tuple(Link(urls.href(cfg, t.path), t.label) for t in article.tags),
        body=Markup(article.body_html),
        translations=tuple(Link(urls.href(cfg, t.path), t.title, t.lang) for t in article.translations),
        feedback_href=feedback_href(cfg, article),
        corrections_href=urls.href(cfg, urls.corrections(article.lang)),
        corrections=tuple(correction_notice(cfg, article, c) for c in article.corrections),
        image=urls.resource(cfg, article.image) if article.image else None, image_alt=article.image_alt,
        search=search.article_search(cfg, article, labels),
    )


def correction_notice(cfg: SiteConfig, article: Article, correction: Correction) -> CorrectionNotice:
    return CorrectionNotice(
        anchor=urls.correction_anchor(correction.number), kind=i18n.t(article.lang, correction.kind),
        date=dated(correction.date, cfg, article.lang), text=correction.text,
        article=Link(urls.href(cfg, urls.correction(article.path, correction.number)), article.title, article.lang),
    )


@memo.memoized(maxsize=MEMO_SIZE)
def card(cfg: SiteConfig, article: Article) -> Card:
    return Card(
        title=article.title, href=urls.href(cfg, article.path), lang=article.lang,
        date=dated(article.date, cfg, article.lang), summary=article.summary,
        tags=tuple(Link(urls.href(cfg, t.path), t.label) for t in article.tags),
    )


@memo.memoized(maxsize=MEMO_SIZE)  # an article's date is on its card (planned first) and on its page
def dated(moment: datetime, cfg: SiteConfig, lang: str) -> Dated:
    """A date for `<time>`: machine-readable ISO and the localized text."""
    local = cfg.local(moment)
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
    href = cfg.feedback_url
    for name, value in values.items():
        href = href.replace("{" + name + "}", quote(value, safe=""))
    return href


def paginate(items: Sequence[Article], size: int) -> list[Sequence[Article]]:
    """Split into pages of `size`; an empty list still has one (empty) page."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [items[:0]]
