"""Every URL of the site is decided here. Paths are site-relative (`fr/2024/11/slug/`, no leading
slash); `href` adds the base path, `absolute` the base URL, `output_file` maps a path to a file."""

from __future__ import annotations

import posixpath
from datetime import datetime
from urllib.parse import urljoin

from site_builder.config import SiteConfig

# First path segments under /<lang>/ that generated pages own; an article slug never lands there
# because articles live under /<lang>/<year>/<month>/.
RESERVED_SEGMENTS = ("page", "tags", "search", "archives", "feed.xml", "corrections")

BUILDER_RECORD = ".site-builder"
"""The file by which the builder knows an output folder as its own (see `write.py`): no page or
static file may be written there."""


def root() -> str:
    return ""


def not_found() -> str:
    return "404.html"


def home(lang: str, page: int = 1) -> str:
    return f"{lang}/" if page == 1 else f"{lang}/page/{page}/"


def article(lang: str, published: datetime, slug: str) -> str:
    return f"{lang}/{published.year:04d}/{published.month:02d}/{slug}/"


def article_pages_glob(lang: str) -> str:
    """A glob (Pagefind's) that matches the page of every article in `lang` (`article`), and no
    other page of the site."""
    return f"{lang}/[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/index.html"


def tags_index(lang: str) -> str:
    return f"{lang}/tags/"


def tag(lang: str, slug: str, page: int = 1) -> str:
    base = f"{lang}/tags/{slug}/"
    return base if page == 1 else f"{base}page/{page}/"


def archives(lang: str) -> str:
    return f"{lang}/archives/"


def year(lang: str, value: int) -> str:
    return f"{lang}/{value:04d}/"


def feeds_page(lang: str) -> str:
    return f"{lang}/feeds/"


def search(lang: str) -> str:
    return f"{lang}/search/"


def corrections(lang: str) -> str:
    return f"{lang}/corrections/"


def correction(article_path: str, number: int) -> str:
    """A correction notice, anchored on its article's page."""
    return f"{article_path}#{correction_anchor(number)}"


def correction_anchor(number: int) -> str:
    """The id of an article's `number`-th correction notice on its page (`correction-1`)."""
    return f"correction-{number}"


def feed(lang: str) -> str:
    """The language's Atom feed of latest articles."""
    return f"{lang}/feed.xml"


def tag_feed(lang: str, slug: str) -> str:
    return f"{tag(lang, slug)}feed.xml"


def corrections_feed(lang: str) -> str:
    return f"{corrections(lang)}feed.xml"


def sitemap() -> str:
    """The sitemap, or the sitemap index of a site too large for one (see `sitemap`)."""
    return "sitemap.xml"


def sitemap_part(number: int) -> str:
    return f"sitemap-{number}.xml"


def robots() -> str:
    return "robots.txt"
def search_bundle_root() -> str:
    """Folder of the search index: one Pagefind bundle per language below it."""
    return "pagefind/"


def search_bundle(lang: str) -> str:
    """A language's Pagefind bundle: its index and Pagefind's UI files."""
    return f"{search_bundle_root()}{lang}/"


def asset(name: str) -> str:
    return f"assets/{name}"


def href(config: SiteConfig, path: str) -> str:
    """Link target as written in pages: the base path plus the site-relative path."""
    return config.base_path + path


def under_base(html: str, offsets: tuple[int, ...], base_path: str) -> str:
    """An article body with its root-relative links (`/media/x.jpg`, starting at `offsets`) written
    under the site's base path (`/archive/media/x.jpg`), as `href` writes the site's own links."""
    if base_path == "/" or not offsets:
        return html
    prefix = base_path.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#x27;")
    parts, done = [], 0
    for offset in offsets:  # each is the `/` that starts a link: it becomes the base path's
        parts += [html[done:offset], prefix]
        done = offset + 1
    return "".join(parts) + html[done:]


def absolute(config: SiteConfig, path: str) -> str:
    """Absolute URL (canonical links, feeds, feedback links)."""
    return config.base_url + path


def resource(config: SiteConfig, ref: str) -> str:
    """A resource named in front matter (`image:`): root-relative refs go under the base path."""
    return href(config, ref.lstrip("/")) if ref.startswith("/") and not ref.startswith("//") else ref


def absolute_resource(config: SiteConfig, ref: str, page: str) -> str:
    """The same resource as an absolute URL (Open Graph, JSON-LD), as seen from the page at `page`."""
    return urljoin(absolute(config, page), resource(config, ref))


def output_file(path: str) -> str:
    """File that serves `path`: directories get `index.html`."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def is_safe_output_path(path: str) -> bool:
    """True when `path` stays inside the output folder once written."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    normal = posixpath.normpath(path)
    return normal == path.rstrip("/") and not normal.startswith("..") and ".." not in normal.split("/")
