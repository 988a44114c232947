"""Markdown to HTML: CommonMark + tables, footnotes, strikethrough, heading ids; raw HTML policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from slugify import slugify

SUMMARY_MAX_CHARS = 300
MAX_HTML_DEPTH = 500
"""Deepest raw HTML nesting accepted: the sanitizer's time grows with depth × number of tags."""
CONTAINERS = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open"})
HEADING_ID_LEVELS = ("h2", "h3", "h4")
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Elements that never nest (void) or that the HTML parser closes by itself when a sibling opens.
NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "rt", "rp",
})
# python-slugify's default backend tries to import `unidecode` on every call with non-ASCII text
# (~150 µs each when it is not installed); naming the backend is 15× faster and makes slugs the
# same whether or not `unidecode` happens to be installed.
TRANSLITERATION: Final = "text-unidecode"

# Raw HTML that survives `raw_html = "sanitize"`: what articles need (tables, figures, details,
# images, links), never scripts, styles, frames, forms or event handlers.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "section": {"class"},
    "hr": {"class"},
    "sup": {"class"},
    "details": {"open"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# markdown-it writes `style="text-align:…"` on aligned table cells; nothing else may style.
ALLOWED_STYLE_PROPERTIES = {"text-align"}


class MarkdownError(ValueError):
    """The body cannot be rendered safely or whole (e.g. nested absurdly deep)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line  # line in the body (0-based) where the trouble starts, when known


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    """Body HTML, safe to insert as-is under the site's raw HTML policy."""
    first_paragraph: str
    """Plain text of the first paragraph, the default summary ("" when there is none)."""
    site_links: tuple[str, ...] = ()
    """Root-relative links and images in the body (`/fr/2024/11/x/`), as written."""


def heading_slug(text: str) -> str:
    """Heading ids: lower-case ASCII words joined by hyphens (`Défense européenne` → `defense-europeenne`)."""
    return slugify(text, backend=TRANSLITERATION) or "section"


@lru_cache(maxsize=3)
def _parser(raw_html: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": raw_html != "escape", "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.core.ruler.push("heading_ids", add_heading_ids)
    return md


def add_heading_ids(state: StateCore) -> None:
    """Give h2–h4 headings a unique id from their text (`a`, `a-1`, `a-2`…), in linear time.

    Same ids as mdit-py-plugins' anchors plugin, which counts up from 1 for every duplicate: hours
    for an article of 100,000 identical headings."""
    taken: set[str] = set()
    counters: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open" or token.tag not in HEADING_ID_LEVELS:
            continue
        children = state.tokens[index + 1].children or []
        slug = heading_slug("".join(c.content for c in children if c.type in ("text", "code_inline")))
        candidate = slug
        while candidate in taken:
            counters[slug] = counters.get(slug, 0) + 1
            candidate = f"{slug}-{counters[slug]}"
        taken.add(candidate)
        token.attrSet("id", candidate)


def render_markdown(text: str, raw_html: str = "sanitize", base_path: str = "/") -> RenderedMarkdown:
    """Render an article body under the raw HTML policy `sanitize`, `escape` or `trust`.

    Root-relative links (`/fr/…`) are written under `base_path`, so a site published under a
    sub-path keeps working."""
    md = _parser(raw_html)
    tokens = md.parse(text)
    check_nesting(tokens, md.options.maxNesting)
    site_links = rebase_links(tokens, base_path)
    html = md.renderer.render(tokens, md.options, {})
    check_html_depth(html)
    if raw_html == "sanitize":
        html = sanitize(html)
    return RenderedMarkdown(html, first_paragraph(md, tokens), site_links)


def check_nesting(tokens: list[Token], limit: int) -> None:
    """Raise MarkdownError when quotes or lists nest so deep that markdown-it silently drops what is
    inside the deepest ones (it stops at `limit` levels to bound its recursion)."""
    for token in tokens:
        if token.type in CONTAINERS and token.level >= limit - 1:
            raise MarkdownError(f"quotes or lists are nested too deeply here for Markdown (at most {limit - 1} "
                                f"quotes or {(limit - 2) // 2} lists), and the text inside the deepest ones "
                                "would be lost: flatten them",
                                token.map[0] if token.map else None)


def check_html_depth(html: str) -> None:
    """Raise MarkdownError when raw HTML nests deeper than MAX_HTML_DEPTH elements."""
    depth = deepest = 0
    for match in TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in NOT_NESTING:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    if deepest > MAX_HTML_DEPTH:
        raise MarkdownError(f"the body nests elements {deepest:,} levels deep (HTML tags or Markdown "
                            f"emphasis), more than the {MAX_HTML_DEPTH} allowed: close its tags or simplify it")


def rebase_links(tokens: list[Token], base_path: str) -> tuple[str, ...]:
    """Prefix root-relative link and image targets with `base_path`; return them as written."""
    found = []
    for token in tokens:
        for child in token.children or ():
            attr = "href" if child.type == "link_open" else "src" if child.type == "image" else ""
            target = child.attrGet(attr) if attr else None
            if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
                found.append(target)
                child.attrSet(attr, base_path + target[1:])
    return tuple(found)


def sanitize(html: str) -> str:
    """Keep the allow-listed tags, attributes and URL schemes; drop everything else."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        strip_comments=True,
    )


def first_paragraph(md: MarkdownIt, tokens: list[Token]) -> str:
    """Plain text of the first top-level paragraph, shortened at a word boundary."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            inline = tokens[index + 1]
            html = RendererHTML().renderInline(inline.children or [], md.options, {})
            # Dropping every tag (and the content of script/style) leaves the readable text.
            text = " ".join(unescape(nh3.clean(html, tags=set())).split())
            if text:
                return shorten(text, SUMMARY_MAX_CHARS)
    return ""


def shorten(text: str, limit: int) -> str:
    """Cut `text` at the last word boundary before `limit` characters, adding an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—– ")
    return cut + "…"

