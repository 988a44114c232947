"""The read-only view each template receives (one kind per page type), and the pieces that pages
share (chrome, cards, dates)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup, escape

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.model import Article, Correction
from site_builder.render import search
from site_builder.render.metadata import MetaTag


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
    """The search page: our form and results list over each language's Pagefind bundle."""

    bundle: str | None
    """This language's Pagefind bundle; None when it has no articles."""
    script: str
    also: tuple[Link, ...]
    """Other languages the reader may search too (one checkbox each)."""
    browse: tuple[Link, ...]
    """Where to go without JavaScript, or when nothing matched: topics and archives."""
    settings: dict[str, object]
    """What the page's scripts need, serialized as JSON in the page (its topics and years too)."""


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


@dataclass(frozen=True)
class RedirectView:
    """An article's old address (`aliases:`): a page that sends readers and crawlers on to it."""

    href: str
    """The article's page, under the base path (the refresh and the visible link)."""
    canonical: str
    """The article's absolute URL (`rel=canonical`)."""
    title: str


ViewBody = (ArticleView | ListView | TagsView | YearView | ArchivesView | CorrectionsView | SearchView
            | FeedsView | RootView | NotFoundView | RedirectView)


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


# --- pieces (the chrome every page wears: `chrome.py`) -------------------------------------------

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
        body=Markup(name_footnote_links(urls.under_base(article.body_html, article.link_offsets, cfg.base_path), lang)),
        opens_with_note=opens_with_note(article.body_html),
        translations=tuple(Link(urls.href(cfg, t.path), t.title, t.lang) for t in article.translations),
        feedback_href=feedback_href(cfg, article),
        corrections_href=urls.href(cfg, urls.corrections(article.lang)),
        corrections=tuple(correction_notice(cfg, article, c) for c in article.corrections),
        image=urls.resource(cfg, article.image) if article.image else None, image_alt=article.image_alt,
        search=search.article_search(cfg, article, labels, article.summary if article.summary_given else ""),
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
        authors=article.authors, image=urls.resource(cfg, article.image) if article.image else None,
        image_alt=article.image_alt,
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
    href = cfg.feedback_for(article.lang)
    for name, value in values.items():
        href = href.replace("{" + name + "}", quote(value, safe=""))
    return href


def paginate(items: Sequence[Article], size: int) -> list[Sequence[Article]]:
    """Split into pages of `size`; an empty list still has one (empty) page."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [items[:0]]
