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

import pytest

from tests.helpers import DEMO_SUB_PATH, article, build_site, make_site
from tests.site_checks import is_web, parse_page, resolve

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_BASE = DEMO_SUB_PATH
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


def crawl(out: Path, serve_dir: Callable[..., str], moved: tuple[str, ...] = ()) -> tuple[list[str], set[str]]:
    """Serve `out` under /archive/ only and follow every link from its home, robots.txt and the old
    addresses `moved`: what is broken (or leads outside /archive/), and the site-relative paths
    reached."""
    local = serve_dir(out, "/archive/")
    origin = local.removesuffix("/archive/")

    def localize(url: str) -> str:
        return local + url[len(PUBLIC_BASE):] if url.startswith(PUBLIC_BASE) else url

    queue = deque([local, local + "robots.txt", *(local + path for path in moved)])
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
    return broken, {u[len(local):] for u in seen}


def test_sub_path_build_works_link_by_link(demo_build: Callable[..., Path], serve_dir: Callable[..., str]) -> None:
    out = demo_build(PUBLIC_BASE)
    # An old address's page (an alias, `noindex`) is where old links arrive, not linked to: it is
    # a start of the crawl, so that where it sends readers is checked too.
    broken, reached = crawl(out, serve_dir, moved=("2023/07/canicule-vigilance-rouge/",))
    assert broken == []
    pages = {p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("*")
             if p.suffix in (".html", ".xml") and p.name != "404.html"}
    assert pages - reached == set(), "pages and feeds that no link leads to"


RAW_BODY = """Une photo brute : <img src="/media/photo.png" alt="Photo"> et
<a href='/media/rapport.txt'>le rapport</a>, <a href=/fr/2024/11/seconde/>la suite</a>.

<figure><img src="/media/photo.png" alt="La même"><figcaption>Légende</figcaption></figure>

[En Markdown](/media/rapport.txt) ![aussi](/media/photo.png)
"""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.mark.parametrize("raw_html", ["sanitize", "trust"])
def test_raw_html_links_and_images_work_under_a_sub_path(raw_html: str, tmp_path: Path,
                                                        serve_dir: Callable[..., str]) -> None:
    make_site(tmp_path, {
        "site.toml": f'raw_html = "{raw_html}"\n[languages.fr]\ntitle = "Seul"\n',
        "content/articles/premiere.fr.md": article("Première", "2024-11-01", RAW_BODY),
        "content/articles/seconde.fr.md": article("Seconde", "2024-11-02", "La suite."),
        "static/media/photo.png": PNG, "static/media/rapport.txt": "Rapport.\n",
    })
    out = tmp_path / "public"
    build_site(tmp_path, output=out, base_url=PUBLIC_BASE)
    page = (out / "fr/2024/11/premiere/index.html").read_text(encoding="utf-8")
    assert page.count('src="/archive/media/photo.png"') == 3 and "/archive/fr/2024/11/seconde/" in page
    broken, reached = crawl(out, serve_dir)
    assert broken == []
    assert {"media/photo.png", "media/rapport.txt", "fr/2024/11/seconde/"} <= reached
    feed = (out / "fr/feed.xml").read_text(encoding="utf-8")
    assert "/archive/media/photo.png" in feed and 'src="/media/' not in feed.replace("&quot;", '"')


def test_a_dead_link_in_raw_html_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    body = "Intro.\n\n<p>Voir <a href=\"/fr/nulle-part/\">ici</a></p>\n"
    make_site(tmp_path, {"site.toml": '[languages.fr]\ntitle = "Seul"\n',
                         "content/articles/a.fr.md": article("A", "2024-11-01", body)})
    result = build_site(tmp_path, search=False)
    assert [(w.path, w.line) for w in result.warnings if "/fr/nulle-part/" in w.message] == \
        [("content/articles/a.fr.md", 8)]  # ---, title, date, ---, blank, Intro., blank, <p>


def test_the_preview_and_a_sub_path_build_share_the_parsed_articles(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": '[languages.fr]\ntitle = "Seul"\n',
                         "content/articles/a.fr.md": article("A", "2024-11-01", "[lien](/media/x.txt)"),
                         "static/media/x.txt": "x\n"})
    assert build_site(tmp_path, search=False).parsed == 1
    sub = build_site(tmp_path, output=tmp_path / "sub", base_url=PUBLIC_BASE, search=False)
    assert sub.parsed == 0, "parsing does not depend on where the site is published"
    assert 'href="/archive/media/x.txt"' in (tmp_path / "sub/fr/2024/11/a/index.html").read_text(encoding="utf-8")
    assert 'href="/media/x.txt"' in (tmp_path / "public/fr/2024/11/a/index.html").read_text(encoding="utf-8")
