"""Reading a built site the way a browser or crawler would: every URL a page refers to."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

# Attributes that make the browser fetch or navigate to a URL.
URL_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src"),
                  ("iframe", "src"), ("form", "action")}


@dataclass(frozen=True)
class Ref:
    tag: str
    attr: str
    url: str
    rel: str = ""
    hreflang: str = ""


class PageParser(HTMLParser):
    """Collects every URL reference, every element id and the `<meta>` tags of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[Ref] = []
        self.ids: set[str] = set()
        self.meta: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        for name, value in values.items():
            if (tag, name) in URL_ATTRIBUTES:
                self.refs.append(Ref(tag, name, value, values.get("rel", ""), values.get("hreflang", "")))
        if tag == "meta":
            self.meta.append(values)
            if values.get("http-equiv") == "refresh" and "url=" in values.get("content", ""):
                self.refs.append(Ref("meta", "content", values["content"].split("url=", 1)[1]))
        if tag == "script":
            self._script, self._text = values, []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def local_file(url: str, base_url: str, root: Path) -> Path | None:
    """The output file serving `url` when it is inside the site at `base_url`, else None."""
    url = urldefrag(url).url
    if not url.startswith(base_url):
        return None
    rel = url[len(base_url):].split("?", 1)[0]
    return root / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def page_url(path: Path, root: Path, base_url: str) -> str:
    """The URL that serves the output file `path`."""
    rel = path.relative_to(root).as_posix()
    return base_url + (rel.removesuffix("index.html"))


def resolve(page: str, ref: str) -> str:
    """`ref` as written in the page at URL `page`, made absolute."""
    return urljoin(page, ref)


def is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
