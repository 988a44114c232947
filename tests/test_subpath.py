"""A project site lives under a sub-path (`https://user.github.io/archive/`): built so, and served
only under `/archive/`, every link, asset, feed and sitemap entry must still be found."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from pathlib import Path

from tests.helpers import build_site
from tests.site_checks import is_web, parse_page, resolve

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_BASE = "https://example.github.io/archive/"
MAX_FETCHES = 2000


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def references(url: str, content_type: str, body: bytes) -> list[str]:
    """Every URL a crawler would follow from this response (a font or an image has none)."""
    if content_type.startswith(("font/", "image/")):
        return []
    text = body.decode("utf-8")
    if content_type == "text/html":
        return [resolve(url, ref.url) for ref in parse_page(text).refs]
    if content_type in ("application/xml", "text/xml", "application/atom+xml") or url.endswith(".xml"):
        root = ET.fromstring(body)
        links = [el.get("href", "") for el in root.iter() if el.tag.endswith("}link")]
        return links + [el.text or "" for el in root.iter() if el.tag.endswith("}loc")]
    if url.endswith("robots.txt"):
        return re.findall(r"^Sitemap: (\S+)$", text, re.MULTILINE)
    return []


def test_sub_path_build_works_link_by_link(tmp_path: Path, serve_dir: Callable[..., str]) -> None:
    out = tmp_path / "public"
    build_site(ROOT, output=out, base_url=PUBLIC_BASE)
    local = serve_dir(out, "/archive/")
    origin = local.removesuffix("/archive/")

    def localize(url: str) -> str:
        return local + url[len(PUBLIC_BASE):] if url.startswith(PUBLIC_BASE) else url

    # An old address's page (an alias, `noindex`) is where old links arrive, not linked to: it is
    # a start of the crawl, so that where it sends readers is checked too.
    moved = [local + "2023/07/canicule-vigilance-rouge/"]
    queue = deque([local, local + "robots.txt", *moved])
    seen: set[str] = set(queue)
    broken: list[str] = []
    while queue and len(seen) < MAX_FETCHES:
        url = queue.popleft()
        status, content_type, body = fetch(url)
        if status != 200:
            broken.append(f"{url}: HTTP {status}")
            continue
        for found in references(url, content_type, body):
            target = localize(found).split("#", 1)[0]
            if not is_web(target) or not target.startswith(origin):
                continue  # mailto:, other sites
            if not target.startswith(local):
                broken.append(f"{url} refers to {found}, outside /archive/")
            elif target not in seen:
                seen.add(target)
                queue.append(target)
    assert broken == []
    reached = {u[len(local):] for u in seen}
    pages = {p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*")
             if p.suffix in (".html", ".xml") and p.name != "404.html"}
    assert pages - reached == set(), "pages and feeds that no link leads to"
