"""Machine-readable page metadata: Open Graph, Twitter card, and schema.org JSON-LD (`NewsArticle`).

Everything is built here as plain data; templates only print it (JSON-LD already serialized)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from site_builder import i18n, urls
from site_builder.config import SiteConfig
from site_builder.model import Article

# Characters that could end a `<script>` element or start markup, written as JSON escapes instead.
SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class MetaTag:
    """One `<meta>` element: `property` (Open Graph) or `name` (Twitter, description)."""

    attribute: str
    key: str
    content: str


def page_meta(cfg: SiteConfig, lang: str, title: str, description: str, path: str) -> tuple[MetaTag, ...]:
    """Open Graph and Twitter card for a page that is not an article."""
    tags = [*_common(cfg, lang, title, description, path), og("type", "website")]
    tags.append(MetaTag("name", "twitter:card", "summary"))
    return tuple(tags)


def article_meta(cfg: SiteConfig, article: Article) -> tuple[MetaTag, ...]:
    """Open Graph (`og:type` article, locales, times, tags, image) and Twitter card for an article."""
    tags = [*_common(cfg, article.lang, article.title, article.summary, article.path), og("type", "article")]
    tags += [og("locale:alternate", cfg.language(t.lang).locale) for t in article.translations]
    image = _image(cfg, article)
    if image:
        tags += [og("image", image), og("image:alt", article.image_alt)] if article.image_alt else [og("image", image)]
    tags += [og("published_time", _time(cfg, article.date), "article"),
             og("modified_time", _time(cfg, article.modified), "article")]
    tags += [og("tag", t.label, "article") for t in article.tags]
    tags.append(MetaTag("name", "twitter:card", "summary_large_image" if image else "summary"))
    if image:
        tags.append(MetaTag("name", "twitter:image", image))
    return tuple(tags)


def og(key: str, content: str, prefix: str = "og") -> MetaTag:
    return MetaTag("property", f"{prefix}:{key}", content)


def article_json_ld(cfg: SiteConfig, article: Article) -> dict[str, Any]:
    """schema.org `NewsArticle` for an article, with its translations and corrections."""
    url = urls.absolute(cfg, article.path)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.title,
        "description": article.summary,
        "inLanguage": article.lang,
        "datePublished": _time(cfg, article.date),
        "dateModified": _time(cfg, article.modified),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": publisher(cfg),
        "keywords": [t.label for t in article.tags],
    }
    image = _image(cfg, article)
    if image:
        data["image"] = [image]
    if article.is_original and article.translations:
        data["workTranslation"] = [_version(cfg, t.lang, t.path, t.title) for t in article.translations]
    elif article.translations:
        original = next(t for t in article.translations if t.original)
        data["translationOfWork"] = _version(cfg, original.lang, original.path, original.title)
    if article.corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "url": urls.absolute(cfg, urls.correction(article.path, c.number)),
             "datePublished": _time(cfg, c.date), "text": c.text}
            for c in reversed(article.corrections)
        ]
    return {key: value for key, value in data.items() if value != []}


def publisher(cfg: SiteConfig) -> dict[str, Any]:
    """The news organisation of `[publisher]` in site.toml, as a `NewsMediaOrganization`."""
    data: dict[str, Any] = {"@type": "NewsMediaOrganization", "name": cfg.publisher.name,
                            "url": cfg.publisher.url or cfg.base_url}
    if cfg.publisher.logo:
        data["logo"] = {"@type": "ImageObject", "url": urls.absolute_resource(cfg, cfg.publisher.logo, "")}
    return data


def script_json(data: dict[str, Any]) -> Markup:
    """JSON for a `<script type="application/ld+json">` body: `<`, `>` and `&` escaped, so text such
    as `</script>` in a headline can never end the element."""
    text = _JSON.encode(data)
    for char, escaped in SCRIPT_ESCAPES.items():  # str.replace: 20× faster than str.translate on accented text
        if char in text:  # (looking is 10× faster than replacing nothing)
            text = text.replace(char, escaped)
    return Markup(text)


_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
"""`json.dumps(…, ensure_ascii=False)`, made once (the data is built here: never circular)."""


def _common(cfg: SiteConfig, lang: str, title: str, description: str, path: str) -> list[MetaTag]:
    language = cfg.language(lang)
    tags = [og("site_name", language.title), og("title", title or language.title), og("url", urls.absolute(cfg, path)),
            og("locale", language.locale)]
    return tags + [og("description", description)] if description else tags


def _version(cfg: SiteConfig, lang: str, path: str, title: str) -> dict[str, Any]:
    url = urls.absolute(cfg, path)
    return {"@type": "NewsArticle", "@id": url, "url": url, "inLanguage": lang, "headline": title}


def _image(cfg: SiteConfig, article: Article) -> str:
    return urls.absolute_resource(cfg, article.image, article.path) if article.image else ""


def _time(cfg: SiteConfig, moment: Any) -> str:
    return i18n.iso_datetime(moment, cfg.tzinfo)
