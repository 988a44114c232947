"""`/sitemap.xml` (every article and listing page, with its language versions) and `/robots.txt`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from site_builder import i18n, urls
from site_builder.config import SiteConfig
from site_builder.views import AnyPage, Link

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def sitemap_xml(cfg: SiteConfig, pages: Iterable[AnyPage]) -> bytes:
    """One `<url>` per page meant for search engines, with `lastmod` and hreflang alternates."""
    entries = [url_entry(cfg, p.canonical, p.modified, p.alternates)
               for p in sorted((p for p in pages if p.in_sitemap), key=lambda p: p.path)]
    # Names are written literally, with their namespaces declared here: no global prefix registry.
    start = f'<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}"'
    if not entries:
        return f"{start} />\n".encode()
    return f"{start}>\n{''.join(entries)}</urlset>\n".encode()


@lru_cache(maxsize=1 << 18)  # a rebuild (the preview server's) writes again only the entries that changed
def url_entry(cfg: SiteConfig, loc: str, modified: datetime | None, alternates: tuple[Link, ...]) -> str:
    """A page's `<url>` element, indented by one space per level."""
    lines = [" <url>", f"  <loc>{_text(loc)}</loc>"]
    if modified:
        lines.append(f"  <lastmod>{_text(i18n.iso_datetime(modified, cfg.tzinfo))}</lastmod>")
    lines += [f'  <xhtml:link rel="alternate" hreflang="{_attribute(a.lang)}" href="{_attribute(a.href)}" />'
              for a in alternates]
    lines.append(" </url>\n")
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    return (_text(value).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#09;"))


def robots_txt(cfg: SiteConfig) -> bytes:
    """Everything may be crawled; the sitemap is named by its absolute URL."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(cfg, urls.sitemap())}\n".encode()
