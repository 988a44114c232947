"""Markdown to HTML: CommonMark + tables, footnotes, strikethrough, heading ids; raw HTML policy.

markdown-it-pyrs (Rust, 15–20× faster than markdown-it-py) renders; heading ids and the first
paragraph are then found in the HTML it wrote, whose tags are all real (escaped text never holds
`<`). The rare text that markdown-it-pyrs handles badly (`markdown_guard`) goes to markdown-it-py.
Root-relative links are found here (`site_links`) but written as they are: the base path they are
published under is the renderer's business (`urls.under_base`), so a parsed body is the same for
every `base_url`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any, Final

import markdown_it_pyrs
import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import render_footnote_open

from site_builder import memo
from site_builder.content.markdown_guard import MAX_NESTING, fallback_reason
from site_builder.slugs import heading_slug

log = logging.getLogger(__name__)

SUMMARY_MAX_CHARS = 300
MAX_HTML_DEPTH = 500
"""Deepest raw HTML nesting accepted: the sanitizer's time grows with depth × number of tags."""
CONTAINERS = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open",
                        "footnote_reference_open"})
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Elements that never nest (void) or that the HTML parser closes by itself when a sibling opens.
NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "rt", "rp",
})


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
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
"""The attributes of ALLOWED_ATTRIBUTES that hold a URL. nh3 checks the scheme of `href` and `src`
only (not `cite`): each of them goes through `allowed_url` (a test keeps this set whole)."""
# A target that starts with one of those schemes, or has no scheme: nothing but `/`, `?`, `#` or its
# end can follow its first run of other characters (`a:b` has a scheme; `a/b:c` and `//host` have none).
ALLOWED_TARGET = re.compile(f"(?i:{'|'.join(sorted(URL_SCHEMES))}):|[^:/?#]*(?:[/?#]|$)")
IGNORED_IN_URL = re.compile(r"[\x00-\x20]")
"""What browsers ignore in a URL's scheme (`java\tscript:`), or around it."""
# markdown-it writes `style="text-align:…"` on aligned table cells; nothing else may style.
ALLOWED_STYLE_PROPERTIES = {"text-align"}


def allowed_url(value: str) -> bool:
    """True when an attribute's URL (entities decoded) is relative or of a scheme of URL_SCHEMES,
    read as a browser reads it."""
    return ALLOWED_TARGET.match(IGNORED_IN_URL.sub("", value)) is not None


def filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """The sanitizer's last word on each attribute it keeps: a URL_ATTRIBUTES one only with an allowed URL."""
    return None if attribute in URL_ATTRIBUTES and not allowed_url(value) else value


# Built once: `nh3.clean` converts its options on every call, a quarter of its time on an article.
SANITIZER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
                        filter_style_properties=ALLOWED_STYLE_PROPERTIES, strip_comments=True,
                        attribute_filter=filter_attribute)
TEXT_ONLY = nh3.Cleaner(tags=set())

# markdown-it-pyrs has no `html` option: raw HTML is turned off by enabling CommonMark's rules one by
# one (in the order of its `commonmark` preset) without `html_block` and `html_inline`.
COMMONMARK_RULES = ["newline", "escape", "backticks", "emphasis", "link", "image", "autolink", "entity", "code",
                    "fence", "blockquote", "hr", "list", "reference", "heading", "lheading", "paragraph"]
EXTENSIONS = ["table", "strikethrough", "footnote"]

# --- Finishing the HTML ----------------------------------------------------------------------------
# With raw HTML in the text, the elements Markdown made are told apart by the `data-sourcepos`
# attribute that markdown-it-pyrs's `sourcepos` rule writes first on each (and `mark_tokens` on those
# markdown-it-py makes); without raw HTML every tag is Markdown's and the attribute is not asked for.
MARK: Final = "data-sourcepos"
MARKED = f' {MARK}="[0-9:-]*"'
HEADING = {True: re.compile(f"<(h[2-4]){MARKED}>"), False: re.compile("<(h[2-4])>")}
LINK_TARGET = re.compile('<(?:a|img) (?:href|src)="([^"]*)"')
"""A link or image target in Markdown's HTML (no raw HTML: every tag is Markdown's)."""
# A tag that may hold a URL (group 1), or what is skipped: a comment, an element whose text is not markup.
URL_TAG = re.compile(r"<!--.*?-->|<(?:script|style|textarea)\b.*?</(?:script|style|textarea)\s*>"
                     r"|(<)[a-zA-Z][^>]*?\s(?:href|src|srcset)\s*=[^>]*>", re.IGNORECASE | re.DOTALL)
URL_ATTRIBUTE = re.compile(r"""\s(href|src|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
SRCSET_URL = re.compile(r"(?:^|,)\s*([^\s,]+)")
UNMARK = re.compile(MARKED)
MARKED_ELEMENT = re.compile(f'<([a-z][a-z0-9]*) {MARK}="([0-9]+):[0-9]+-([0-9]+):[0-9]+"')
BLOCK_TAG = re.compile("<(/?)(blockquote|ul|ol|section|p)[ >]")
FOOTNOTE_REF = re.compile('<sup[^>]* class="footnote-ref">.*?</sup>')
ANY_TAG = re.compile("""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


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
    raw: bool = False
    """True when the text may hold raw HTML: then not every tag in `html` is Markdown's."""


def render_markdown(text: str, raw_html: str = "sanitize") -> RenderedMarkdown:
    """Render an article body under the raw HTML policy `sanitize`, `escape` or `trust`."""
    raw = raw_html != "escape" and "<" in text  # without `<` there is no raw HTML
    reason = fallback_reason(text)
    html = None if reason else render_fast(text, raw_html, marked=raw)
    marked = raw
    if html is None:
        log.debug("rendered with markdown-it-py: %s", reason or "markdown-it-pyrs panicked")
        html, marked = render_careful(text, raw_html), True
    first = first_paragraph(html, marked)
    html = add_heading_ids(html, marked)
    if marked:
        html = UNMARK.sub("", html)
    check_html_depth(html)
    # Without raw HTML, every element is Markdown's, its text escaped and its links checked by
    # markdown-it (as with `escape`): the sanitizer is needed only for a link to another scheme.
    if raw_html == "sanitize" and (raw or not all_targets_allowed(html)):
        html = sanitize(html)
    return RenderedMarkdown(html, first, raw)


@memo.memoized(maxsize=6)
def fast_parser(raw_html: str, marked: bool) -> markdown_it_pyrs.MarkdownIt:
    """markdown-it-pyrs set up like markdown-it-py below: no linkify, no typographer."""
    html = [] if raw_html == "escape" else ["html_block", "html_inline"]
    rules: list[Any] = COMMONMARK_RULES + html + EXTENSIONS + (["sourcepos"] if marked else [])  # (names typed Literal)
    return markdown_it_pyrs.MarkdownIt("zero").enable_many(rules)


def render_fast(text: str, raw_html: str, marked: bool) -> str | None:
    """HTML from markdown-it-pyrs, or None if it panics (a bug of its own: markdown-it-py then renders)."""
    try:
        return fast_parser(raw_html, marked).render(text)
    except BaseException as exc:  # pyo3 raises a Rust panic as PanicException, a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        return None


@memo.memoized(maxsize=3)
def careful_parser(raw_html: str) -> MarkdownIt:
    """markdown-it-py, linear on every input tried and bounded in nesting, for what markdown-it-pyrs cannot take."""
    md = MarkdownIt("commonmark", {"html": raw_html != "escape", "typographer": False, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_open", lambda self, *args: render_footnote_open(self, *args) + "\n")  # as pyrs
    md.core.ruler.after("block", "check_nesting", check_nesting)  # before footnotes are moved to the end
    md.core.ruler.push("mark_tokens", mark_tokens)
    return md


def render_careful(text: str, raw_html: str) -> str:
    """HTML from markdown-it-py, marked like markdown-it-pyrs's `sourcepos` marks it; refuse deep nesting."""
    return careful_parser(raw_html).render(text)


def mark_tokens(state: StateCore) -> None:
    """Mark top-level blocks (with their lines, for `first_paragraph`), headings, links and images."""
    for token in state.tokens:
        if token.nesting == 1 and token.map and (token.level == 0 or token.type == "heading_open"):
            token.attrs = {MARK: f"{token.map[0] + 1}:1-{token.map[1]}:1", **token.attrs}
        for child in token.children or ():
            if child.type in ("link_open", "image"):
                child.attrs = {MARK: "", **child.attrs}


def check_nesting(state: StateCore) -> None:
    """Raise MarkdownError when quotes, lists or footnotes nest so deep that markdown-it-py silently
    drops what is inside the deepest ones (it stops at MAX_NESTING levels to bound its recursion)."""
    for token in state.tokens:
        if token.type in CONTAINERS and token.level >= MAX_NESTING - 1:
            raise MarkdownError(f"quotes or lists are nested too deeply here for Markdown (at most {MAX_NESTING - 1} "
                                f"quotes or {(MAX_NESTING - 2) // 2} lists), and the text inside the deepest ones "
                                "would be lost: flatten them",
                                token.map[0] if token.map else None)


def add_heading_ids(html: str, marked: bool) -> str:
    """Give h2–h4 headings a unique id from their text (`a`, `a-1`, `a-2`…), in linear time.

    Same ids as mdit-py-plugins' anchors plugin, which counts up from 1 for every duplicate: hours
    for an article of 100,000 identical headings."""
    taken: set[str] = set()
    counters: dict[str, int] = {}
    parts, done = [], 0
    for match in HEADING[marked].finditer(html):
        tag = match.group(1)
        slug = heading_slug(heading_text(html[match.end():html.find(f"</{tag}>\n", match.end())]))
        candidate = slug
        while candidate in taken:
            counters[slug] = counters.get(slug, 0) + 1
            candidate = f"{slug}-{counters[slug]}"
        taken.add(candidate)
        parts += [html[done:match.start()], f'<{tag} id="{candidate}">']
        done = match.end()
    return "".join(parts) + html[done:]


def heading_text(html: str) -> str:
    """A heading's text: no tags, footnote numbers or line breaks (as markdown-it-py's text tokens joined)."""
    return unescape(ANY_TAG.sub("", FOOTNOTE_REF.sub("", html)).replace("\n", ""))


def find_site_links(html: str, raw: bool = True) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Where the root-relative URLs of `html`'s `href`, `src` and `srcset` attributes start (the
    offset of their `/`), and those URLs as written: Markdown's links and images and raw HTML's alike,
    in any quoting. Comments and the text of `script`, `style` and `textarea` (with `trust`) are not
    markup and are skipped. Without `raw` HTML every tag is Markdown's, its target first and in
    double quotes: one quicker pattern finds them (a tenth of the time)."""
    offsets: list[int] = []
    links: list[str] = []
    if not raw:
        for match in LINK_TARGET.finditer(html):
            url = match.group(1)
            if url.startswith("/") and not url.startswith("//"):
                offsets.append(match.start(1))
                links.append(unescape(url))
        return tuple(offsets), tuple(links)
    for tag in URL_TAG.finditer(html):
        if tag.group(1) is None:  # a comment, or an element whose text is not markup
            continue
        for attribute in URL_ATTRIBUTE.finditer(html, tag.start(), tag.end()):
            start = next(attribute.start(i) for i in (2, 3, 4) if attribute.start(i) >= 0)
            value = next(v for v in attribute.group(2, 3, 4) if v is not None)
            candidates = [(0, value)] if attribute.group(1).lower() != "srcset" else [
                (m.start(1), m.group(1)) for m in SRCSET_URL.finditer(value)]
            for at, url in candidates:
                if url.startswith("/") and not url.startswith("//"):
                    offsets.append(start + at)
                    links.append(unescape(url))
    return tuple(offsets), tuple(links)


def all_targets_allowed(html: str) -> bool:
    """True when every link and image target in Markdown's `html` (unmarked) is relative or uses a
    scheme of URL_SCHEMES: what `sanitize` would keep as it is."""
    return all(ALLOWED_TARGET.match(target) for target in LINK_TARGET.findall(html))


def escape_attribute(value: str) -> str:
    """Escape an attribute value the way markdown-it does (`&`, `<`, `>`, `"`)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def first_paragraph(html: str, marked: bool) -> str:
    """Plain text of the first top-level paragraph, shortened at a word boundary."""
    for start in top_level_paragraphs(html, marked):
        inner = FOOTNOTE_REF.sub("", html[html.index(">", start) + 1:html.find("</p>\n", start)])
        # Dropping every tag (and with raw HTML, the content of script/style) leaves the readable text.
        text = " ".join(unescape(TEXT_ONLY.clean(inner) if marked else ANY_TAG.sub("", inner)).split())
        if text:
            return shorten(text, SUMMARY_MAX_CHARS)
    return ""


def top_level_paragraphs(html: str, marked: bool) -> Iterator[int]:
    """Where each `<p` outside quotes, lists and footnotes starts, lazily."""
    if marked:  # an element is top-level when it starts after the lines of the previous top-level one
        last_line = 0
        for match in MARKED_ELEMENT.finditer(html):
            if int(match.group(2)) > last_line:
                last_line = int(match.group(3))
                if match.group(1) == "p":
                    yield match.start()
        return
    depth = 0
    for match in BLOCK_TAG.finditer(html):
        if match.group(2) != "p":
            depth += -1 if match.group(1) else 1
        elif depth == 0 and not match.group(1):
            yield match.start()


def check_html_depth(html: str) -> None:
    """Raise MarkdownError when raw HTML nests deeper than MAX_HTML_DEPTH elements."""
    if html.count("<") - html.count("</") <= MAX_HTML_DEPTH:  # fewer tags open than that: no need to look
        return
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


def sanitize(html: str) -> str:
    """Keep the allow-listed tags, attributes and URL schemes; drop everything else."""
    return SANITIZER.clean(html)


def shorten(text: str, limit: int) -> str:
    """Cut `text` at the last word boundary before `limit` characters, adding an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—– ")
    return cut + "…"
