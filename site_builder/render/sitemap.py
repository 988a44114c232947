"""`/sitemap.xml` (every article and listing page, with its language versions) and `/robots.txt`.

A sitemap may list at most 50,000 URLs in at most 50 MB (sitemaps.org): a larger site gets a
sitemap index at `/sitemap.xml` naming `/sitemap-1.xml`, `/sitemap-2.xml`… (a 50,000-pair archive
has 135,000 pages)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from site_builder import i18n, memo, urls
from site_builder.config import SiteConfig
from site_builder.render.plans import AnyPage
from site_builder.render.views import Link

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


MAX_URLS = 50_000
MAX_BYTES = 50 * 1000 * 1000
"""What one sitemap file may hold (sitemaps.org: 50,000 URLs, 50 MB uncompressed)."""
HEAD = "<?xml version='1.0' encoding='utf-8'?>\n"


def sitemap_files(cfg: SiteConfig, pages: Iterable[AnyPage]) -> list[tuple[str, bytes]]:
    """(path, bytes) of the sitemap: one `<url>` per page meant for search engines, with `lastmod`
    and hreflang alternates; split under a sitemap index when it is too large for one file."""
    entries = [url_entry(cfg, p.canonical, p.modified, p.alternates)
               for p in sorted((p for p in pages if p.in_sitemap), key=lambda p: p.path)]
    parts: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        length = len(entry.encode())
        if len(parts[-1]) == MAX_URLS or size + length > MAX_BYTES - 1000:  # (room for the head and tail)
            parts.append([])
            size = 0
        parts[-1].append(entry)
        size += length
    if len(parts) == 1:
        return [(urls.sitemap(), _urlset(parts[0]))]
    files = [(urls.sitemap_part(number), _urlset(part)) for number, part in enumerate(parts, start=1)]
    index = "".join(f" <sitemap>\n  <loc>{_text(urls.absolute(cfg, path))}</loc>\n </sitemap>\n" for path, _ in files)
    return [(urls.sitemap(), f'{HEAD}<sitemapindex xmlns="{SITEMAP}">\n{index}</sitemapindex>\n'.encode()), *files]


def _urlset(entries: list[str]) -> bytes:
    # Names are written literally, with their namespaces declared here: no global prefix registry.
    start = f'{HEAD}<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}"'
    if not entries:
        return f"{start} />\n".encode()
    return f"{start}>\n{''.join(entries)}</urlset>\n".encode()


@memo.memoized(maxsize=1 << 18)  # a rebuild (the preview server's) writes again only the entries that changed
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
