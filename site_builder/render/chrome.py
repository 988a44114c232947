"""The chrome every page wears: its language, titles, head links, language switcher and navigation,
made once per page from the pieces every page in one language shares."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.render import metadata
from site_builder.render.metadata import MetaTag
from site_builder.render.views import Chrome, Link, feed_title


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


@memo.memoized(maxsize=64)
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


@memo.memoized(maxsize=16)
def _language_chrome(cfg: SiteConfig, lang: str) -> _Shared:
    return _Shared(home=urls.href(cfg, urls.home(lang)), search_action=urls.href(cfg, urls.search(lang)),
                   stylesheet=urls.href(cfg, urls.asset("style.css")),
                   feeds=(Link(urls.href(cfg, urls.feed(lang)), feed_title(cfg, lang)),),
                   corrections_href=urls.href(cfg, urls.corrections(lang)),
                   icon=urls.href(cfg, "favicon.svg"), text_font=urls.href(cfg, urls.asset(TEXT_FONT)),
                   feeds_href=urls.href(cfg, urls.feeds_page(lang)))
