"""Search: what each article tells Pagefind (the search fields of its page and the search page's settings).

Each language gets its own Pagefind bundle, `/pagefind/<lang>/`, indexed from that language's
pages only. One bundle per language (rather than Pagefind's single multilingual bundle) is what
lets the search page query the other language with that language's own stemming: Pagefind's
`mergeIndex` would search a merged index with the primary language's stemmer.

What an article page carries for Pagefind (see `theme/templates/article.html`):
- its text, under `data-pagefind-body`; everything else on the site is not a result;
- metadata, returned with each result and also searched: `title` (Pagefind takes the first
  `h1`), `date` (localized text), `datetime` (ISO, to order results across languages), `image`
  and `image_alt` (the lead image);
- filters, returned with each result and never searched: `year`, the article's tags labelled in
  every language (`tag_fr`, `tag_en`), and each translation's URL and title. The translation
  travels as a filter, not as metadata, so that the other language's words never enter this
  language's index;
- the sort key `date` (UTC ISO), so results can be listed newest first.

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
SORT_KEY = "date"


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


TagLabels = dict[str, dict[str, str]]
"""Tag key → its label in each language where it has one."""


def tag_labels(site: Site) -> TagLabels:
    """Every tag's labels, for filing an article under its tags in every language."""
    return {page.tag.key: dict(page.tag.labels) for pages_ in site.tags.values() for page in pages_}


def article_search(cfg: SiteConfig, article: Article, labels: TagLabels) -> ArticleSearch:
    """Metadata, filters and sort key of an article (the module docstring says why each)."""
    local = cfg.local(article.date)
    meta = [SearchField("date", i18n.format_date(local, cfg.language(article.lang).locale)),
            SearchField("datetime", local.isoformat())]
    if article.image:
        meta += [SearchField("image", urls.resource(cfg, article.image)), SearchField("image_alt", article.image_alt)]
    filters = [SearchField(YEAR_FILTER, str(local.year))]
    for code in cfg.language_codes:
        filters += [SearchField(tag_filter(code), labels.get(tag.key, {}).get(code, tag.label))
                    for tag in article.tags]
    for tr in article.translations:
        filters += [SearchField(translation_filter(tr.lang), urls.href(cfg, tr.path)),
                    SearchField(translation_title_filter(tr.lang), tr.title)]
    return ArticleSearch(f"{SORT_KEY}:{sort_value(article.date)}", tuple(meta), tuple(filters))


def page_settings(cfg: SiteConfig, lang: str, bundles: dict[str, str]) -> dict[str, object]:
    """What the search page's scripts need: where each index is, filter names, interface text."""
    codes = cfg.language_codes
    return {
        "lang": lang,
        "baseUrl": cfg.base_path,
        "bundles": bundles,
        "sort": SORT_KEY,
        "facets": [tag_filter(lang), YEAR_FILTER],
        "translations": {code: {"url": translation_filter(code),
                                "title": translation_title_filter(code)} for code in codes},
        "languageNames": {code: i18n.t(lang, f"search_language_{code}") for code in codes},
        "versionLabels": {code: i18n.t(lang, f"search_version_{code}") for code in codes},
    }


