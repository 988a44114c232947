"""Atom feeds (RFC 4287): latest articles per language and per tag, and corrections per language.

The feeds are decided here as plain records, then written with `xml.etree`, which escapes every
text. Every timestamp comes from the articles, never from the clock, so the output is stable."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.model import Article, Site

FEED_SIZE = 50
"""Articles per feed: the latest ones."""
ATOM = "http://www.w3.org/2005/Atom"
# A feed of a site without any article still needs an `updated`: the Unix epoch, never the clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str
    """The language's tags index: where the terms are listed."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    summary: str
    content_html: str
    """Full HTML content (escaped as text in the XML), or '' for none."""
    categories: tuple[Category, ...] = ()


@dataclass(frozen=True)
class Feed:
    path: str
    lang: str
    title: str
    subtitle: str
    page: str
    """Site-relative path of the HTML page this feed mirrors."""
    entries: tuple[Entry, ...]
    source: str


@dataclass(frozen=True)
class FeedHead:
    """An article feed before its entries: what it is and where it goes."""

    path: str
    lang: str
    title: str
    subtitle: str
    page: str
    source: str


def feeds(site: Site) -> Iterator[Feed]:
    """Every feed of the site: per language, per tag of that language, and its corrections."""
    cfg = site.config
    for lang in cfg.language_codes:
        for head, articles in article_feeds(site, lang):
            yield article_feed(cfg, head, articles)
        yield corrections_feed(cfg, lang, site.by_lang[lang])


def article_feeds(site: Site, lang: str) -> Iterator[tuple[FeedHead, Sequence[Article]]]:
    """The feeds of articles in `lang`, the language's own then its tags', each with its articles
    (newest first: the feed carries the first `FEED_SIZE`)."""
    cfg = site.config
    language = cfg.language(lang)
    yield FeedHead(urls.feed(lang), lang, language.title, language.description, urls.home(lang),
                   f"{lang} feed"), site.by_lang[lang]
    for tag_page in site.tags[lang]:
        label, slug = tag_page.tag.labels[lang], tag_page.tag.slugs[lang]
        yield FeedHead(urls.tag_feed(lang, slug), lang,
                       i18n.t(lang, "feed_topic_title", site=language.title, topic=label),
                       i18n.t(lang, "tag_title", tag=label), urls.tag(lang, slug),
                       f"tag `{label}` feed"), tag_page.articles


def article_feed(cfg: SiteConfig, head: FeedHead, articles: Sequence[Article]) -> Feed:
    """The latest `FEED_SIZE` of `articles` (already newest first), with their full content."""
    entries = tuple(article_entry(cfg, a) for a in articles[:FEED_SIZE])
    return Feed(head.path, head.lang, head.title, head.subtitle, head.page, entries, head.source)


def article_entry(cfg: SiteConfig, article: Article) -> Entry:
    url = urls.absolute(cfg, article.path)
    return Entry(
        id=url, title=article.title, link=url, published=article.date, updated=article.modified,
        authors=article.authors, summary=article.summary,
        content_html=urls.under_base(article.body_html, article.link_offsets, cfg.base_path),
        categories=tuple(Category(t.key, t.label, urls.absolute(cfg, urls.tags_index(article.lang)))
                         for t in article.tags),
    )


def corrections_feed(cfg: SiteConfig, lang: str, articles: Iterable[Article]) -> Feed:
    """Every correction in `lang`, newest first, each linked to its notice on the article."""
    found = sorted(((c, a) for a in articles for c in a.corrections), key=lambda ca: ca[0].date, reverse=True)
    entries = []
    for correction, article in found[:FEED_SIZE]:
        url = urls.absolute(cfg, urls.correction(article.path, correction.number))
        kind = i18n.t(lang, correction.kind)
        entries.append(Entry(
            id=url, title=i18n.t(lang, "correction_entry_title", kind=kind, title=article.title), link=url,
            published=correction.date, updated=correction.date, authors=(), summary=correction.text,
            content_html="",
        ))
    language = cfg.language(lang)
    return Feed(urls.corrections_feed(lang), lang,
                i18n.t(lang, "feed_topic_title", site=language.title, topic=i18n.t(lang, "corrections")),
                i18n.t(lang, "corrections_intro"), urls.corrections(lang), tuple(entries), f"{lang} corrections feed")


@memo.memoized(maxsize=1024)  # a pure function of hashable records: unchanged feeds are not serialized again
def atom_xml(cfg: SiteConfig, feed: Feed, fallback_updated: datetime) -> bytes:
    """The feed as an Atom document; its `updated` is its newest entry's (else `fallback_updated`)."""
    tz = cfg.tzinfo
    # Names are written literally (Atom as the default namespace): no global prefix registry.
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": feed.lang})
    _text(root, "id", urls.absolute(cfg, feed.path))
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _link(root, "self", urls.absolute(cfg, feed.path), "application/atom+xml")
    _link(root, "alternate", urls.absolute(cfg, feed.page), "text/html")
    updated = max((e.updated for e in feed.entries), default=fallback_updated)
    _text(root, "updated", i18n.iso_datetime(updated, tz))
    author = ET.SubElement(root, "author")
    _text(author, "name", cfg.publisher.name)
    _text(author, "uri", cfg.publisher.url or cfg.base_url)
    for entry in feed.entries:
        _entry(root, entry, tz)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(parent: ET.Element, entry: Entry, tz: tzinfo) -> None:
    node = ET.SubElement(parent, "entry")
    _text(node, "id", entry.id)
    _text(node, "title", entry.title)
    _link(node, "alternate", entry.link, "text/html")
    _text(node, "published", i18n.iso_datetime(entry.published, tz))
    _text(node, "updated", i18n.iso_datetime(entry.updated, tz))
    for name in entry.authors:
        _text(ET.SubElement(node, "author"), "name", name)
    for category in entry.categories:
        ET.SubElement(node, "category",
                      {"term": category.term, "label": category.label, "scheme": category.scheme})
    _text(node, "summary", entry.summary)
    if entry.content_html:
        # xml:base lets readers resolve the body's relative links against the article's URL.
        _text(node, "content", entry.content_html, {"type": "html", "xml:base": entry.link})


def _text(parent: ET.Element, tag: str, text: str, attrs: dict[str, str] | None = None) -> None:
    ET.SubElement(parent, tag, attrs or {}).text = NOT_XML.sub("", text)


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media_type, "href": href})
