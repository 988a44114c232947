"""`/sitemap.xml` (every article and listing page, with its language versions) and `/robots.txt`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from site_builder import i18n, urls
from site_builder.config import SiteConfig
from site_builder.memo import same_as_last_time
from site_builder.views import Page

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


@same_as_last_time  # an unchanged site (the preview server's rebuilds) is not serialized again
def sitemap_xml(cfg: SiteConfig, pages: Iterable[Page]) -> bytes:
    """One `<url>` per page meant for search engines, with `lastmod` and hreflang alternates."""
    # Names are written literally, with their namespaces declared here: no global prefix registry.
    root = ET.Element("urlset", {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
    for page in sorted((p for p in pages if p.in_sitemap), key=lambda p: p.path):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = page.chrome.canonical
        if page.modified:
            ET.SubElement(url, "lastmod").text = i18n.iso_datetime(page.modified, cfg.tzinfo)
        for alternate in page.chrome.alternates:
            ET.SubElement(url, "xhtml:link",
                          {"rel": "alternate", "hreflang": alternate.lang, "href": alternate.href})
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots_txt(cfg: SiteConfig) -> bytes:
    """Everything may be crawled; the sitemap is named by its absolute URL."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(cfg, urls.sitemap())}\n".encode()
