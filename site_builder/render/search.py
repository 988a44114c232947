"""Search: what each article tells Pagefind (the search fields of its page and the search page's settings).

Each language gets its own Pagefind bundle, `/pagefind/<lang>/`, indexed from that language's
pages only. One bundle per language (rather than Pagefind's single multilingual bundle) is what
lets the search page query the other language with that language's own stemming: Pagefind's
`mergeIndex` would search a merged index with the primary language's stemmer.

What an article page carries for Pagefind (see `theme/templates/article.html`):
- its text, under `data-pagefind-body`; everything else on the site is not a result;
- its topics' labels, at the end of that text, weighted below it (`data-pagefind-weight`), so
  that typing a topic's name finds the articles filed under it;
- metadata, returned with each result: `title` (the headline as written: Pagefind would take the
  first `h1`, which it reads with the ’ as `'`, see `output.pagefind`), `date` (localized
  text) and `date_<lang>` (the same date as each other language writes it, for a search page in
  that language), `datetime` (ISO), `image` and `image_alt` (the lead image), and `lead_words` /
  `tail_words`: how many words of the indexed text come before the article's own text (headline,
  standfirst, byline) and after it (topic labels), so that excerpts are cut from the text only;
- filters, returned with each result and never searched: `year`, the article's tags labelled in
  every language (`tag_fr`, `tag_en`), `story` (the same value for an article and its
  translations, so that a search of both languages lists a story once), and each translation's
  URL and title. The translation travels as a filter, not as metadata, so that the other
  language's words never enter this language's index;
- the sort key `date` (UTC ISO), so results can be listed newest first.

The search page gets, with its settings, its language's topics (labels in every language, page,
count) and years, to suggest a topic whose name was typed and to fill its filters.

Running Pagefind is `output.pagefind`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from site_builder import i18n, urls
from site_builder.config import SiteConfig
from site_builder.model import Article, Site

log = logging.getLogger(__name__)

YEAR_FILTER = "year"
STORY_FILTER = "story"
SORT_KEY = "date"
PAGE_SIZE = 20
"""Results per page of the search page."""
TOPIC_WEIGHT = 0.5
"""Weight of topic labels in the index (an article's text weighs 1)."""


def tag_filter(lang: str) -> str:
    """Filter holding an article's tags labelled in `lang` (every article has one per site language)."""
    return f"tag_{lang}"


def translation_filter(lang: str) -> str:
    """Filter holding the URL of an article's translation into `lang`."""
    return f"translation_{lang}"


def translation_title_filter(lang: str) -> str:
    """Filter holding the title of an article's translation into `lang`."""
    return f"translation_title_{lang}"


def sort_value(moment: datetime) -> str:
    """The `date` sort key: UTC ISO 8601, so that plain string order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SearchField:
    """One metadata or filter value, written as `<data value data-pagefind-meta|filter="key[value]">`."""

    key: str
    value: str


@dataclass(frozen=True)
class ArticleSearch:
    """What an article tells Pagefind besides its text."""

    sort: str
    """`data-pagefind-sort` value: `date:<UTC ISO>`."""
    meta: tuple[SearchField, ...]
    filters: tuple[SearchField, ...]
    topic_weight: float = TOPIC_WEIGHT


TagLabels = dict[str, dict[str, str]]
"""Tag key → its label in each language where it has one."""


def tag_labels(site: Site) -> TagLabels:
    """Every tag's labels, for filing an article under its tags in every language."""
    return {page.tag.key: dict(page.tag.labels) for pages_ in site.tags.values() for page in pages_}


def story_key(article: Article) -> str:
    """What an article and its translations share (`story` filter); an untranslated article's own path."""
    return f"key:{article.translation_key}" if article.translations else f"path:{article.path}"


def lead_words(article: Article, dek: str) -> int:
    """Words of the indexed text before the article's own: headline, standfirst, byline (see
    `theme/templates/article.html`: the rest of its header is left out of the index)."""
    byline = f"{i18n.t(article.lang, 'by')} {', '.join(article.authors)}" if article.authors else ""
    return len(f"{article.title} {dek} {byline}".split())


def article_search(cfg: SiteConfig, article: Article, labels: TagLabels, dek: str = "") -> ArticleSearch:
    """Metadata, filters and sort key of an article (the module docstring says why each)."""
    local = cfg.local(article.date)
    meta = [SearchField("title", article.title),
            SearchField("date", i18n.format_date(local, cfg.language(article.lang).locale))]
    meta += [SearchField(f"date_{code}", i18n.format_date(local, cfg.language(code).locale))
             for code in cfg.language_codes if code != article.lang]
    meta += [SearchField("datetime", local.isoformat())]
    if article.image:
        meta += [SearchField("image", urls.resource(cfg, article.image)), SearchField("image_alt", article.image_alt)]
    meta += [SearchField("lead_words", str(lead_words(article, dek))),
             SearchField("tail_words", str(sum(len(tag.label.split()) for tag in article.tags)))]
    filters = [SearchField(YEAR_FILTER, str(local.year)), SearchField(STORY_FILTER, story_key(article))]
    for code in cfg.language_codes:
        filters += [SearchField(tag_filter(code), labels.get(tag.key, {}).get(code, tag.label))
                    for tag in article.tags]
    for tr in article.translations:
        filters += [SearchField(translation_filter(tr.lang), urls.href(cfg, tr.path)),
                    SearchField(translation_title_filter(tr.lang), tr.title)]
    return ArticleSearch(f"{SORT_KEY}:{sort_value(article.date)}", tuple(meta), tuple(filters))


def topics(cfg: SiteConfig, site: Site, lang: str) -> list[dict[str, object]]:
    """The language's topics for the search page: label in every language, slugs, page, count."""
    return [{"label": page.tag.labels.get(lang, ""), "labels": sorted(set(page.tag.labels.values())),
             "slugs": dict(page.tag.slugs), "href": urls.href(cfg, urls.tag(lang, page.tag.slugs[lang])),
             "count": len(page.articles), "countText": i18n.count_label(lang, len(page.articles))}
            for page in site.tags.get(lang, ())]


def years(site: Site, lang: str) -> list[dict[str, object]]:
    """The language's years, newest first, with their article counts."""
    return [{"year": str(archive.year), "count": len(archive.articles)} for archive in site.years.get(lang, ())]


STRING_KEYS = ("search_count_one", "search_count_other", "search_listing_one", "search_listing_other",
               "search_none", "search_none_try", "search_none_topics", "search_none_archives",
               "search_topic_suggestion", "search_page_n", "search_previous", "search_next", "search_pages",
               "search_sections", "search_loading", "search_failed")
"""Interface strings the search page's script writes (the template writes the others)."""


def page_settings(cfg: SiteConfig, lang: str, bundles: dict[str, str], site: Site) -> dict[str, object]:
    """What the search page's scripts need: where each index is, filter names, topics, interface text."""
    codes = cfg.language_codes
    return {
        "lang": lang,
        "baseUrl": cfg.base_path,
        "bundles": bundles,
        "sort": SORT_KEY,
        "pageSize": PAGE_SIZE,
        "tagFilter": tag_filter(lang),
        "yearFilter": YEAR_FILTER,
        "storyFilter": STORY_FILTER,
        "unrankedMeta": {key: 0 for key in ("date", "datetime", "image", "image_alt", "lead_words", "tail_words",
                                            *(f"date_{code}" for code in codes))},
        "translations": {code: {"url": translation_filter(code),
                                "title": translation_title_filter(code)} for code in codes},
        "languageNames": {code: i18n.t(lang, f"search_language_{code}") for code in codes},
        "versionLabels": {code: i18n.t(lang, f"search_version_{code}") for code in codes},
        "topics": topics(cfg, site, lang),
        "years": years(site, lang),
        "topicsHref": urls.href(cfg, urls.tags_index(lang)),
        "archivesHref": urls.href(cfg, urls.archives(lang)),
        "strings": {key: i18n.t(lang, key) for key in STRING_KEYS},
    }


