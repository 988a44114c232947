"""Feeds, sitemap and robots.txt: what feed readers and search engines read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from site_builder.config import load_config
from tests.helpers import DEMO_SUB_PATH, NOW, article, build_site, make_site

ROOT = Path(__file__).resolve().parents[1]
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def demo(demo_build: Callable[..., Path]) -> Path:
    """The demo archive, built as the Pages workflow builds it: for a project site's sub-path."""
    return demo_build(PAGES_URL)


PAGES_URL = DEMO_SUB_PATH


def article_urls(out: Path, base_url: str, lang: str | None = None) -> set[str]:
    """URL of every article page in the output (`<lang>/<yyyy>/<mm>/<slug>/index.html`)."""
    return {base_url + p.parent.relative_to(out).as_posix() + "/" for p in out.glob("*/*/*/*/index.html")
            if lang is None or p.relative_to(out).parts[0] == lang}


@pytest.mark.parametrize("lang, title", [("fr", "Le Veilleur"), ("en", "The Watchman")])
def test_language_feed_carries_its_articles(demo: Path, lang: str, title: str) -> None:
    base_url = PAGES_URL
    feed = feedparser.parse((demo / lang / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == lang and feed.feed.title == title
    assert feed.feed.link == f"{base_url}{lang}/"
    assert {e.link for e in feed.entries} == article_urls(demo, base_url, lang)
    newest = feed.entries[0]
    html = (demo / newest.link[len(base_url):] / "index.html").read_text()
    assert f"<h1 class=\"article__title\">{newest.title}</h1>".replace("'", "&#39;") in html
    assert newest.content[0].value.startswith("<p>") and newest.summary
    assert feed.feed.updated == max(e.updated for e in feed.entries)


def test_demo_correction_updates_the_feed_entry(demo: Path) -> None:
    feed = feedparser.parse((demo / "en/feed.xml").read_bytes())
    [entry] = [e for e in feed.entries if e.link.endswith("/en/2024/11/ukraine-deployment/")]
    assert entry.published == "2024-11-27T00:00:00+01:00" and entry.updated == "2024-11-29T00:00:00+01:00"
    corrections = feedparser.parse((demo / "en/corrections/feed.xml").read_bytes())
    assert [e.link for e in corrections.entries] == [entry.link + "#correction-1"]
    assert "January 2025" in corrections.entries[0].summary


def test_tag_feed_lists_the_tags_articles(demo: Path) -> None:
    feed = feedparser.parse((demo / "fr/tags/defense/feed.xml").read_bytes())
    assert feed.feed.title == "Le Veilleur · Défense" and feed.feed.language == "fr"
    assert all(any(t.label == "Défense" for t in e.tags) for e in feed.entries)
    assert len(feed.entries) == 2
    page = (demo / "fr/tags/defense/index.html").read_text()
    assert ('type="application/atom+xml" title="Le Veilleur · Défense" '
            'href="/archive/fr/tags/defense/feed.xml"') in page


def test_feed_keeps_the_latest_fifty_with_escaped_text(tmp_path: Path) -> None:
    files = {f"content/articles/a{n:02}.fr.md":
             article(f"Article {n} <b> & co", date=f"2024-{1 + n // 28:02}-{1 + n % 28:02}") for n in range(55)}
    make_site(tmp_path, files)
    build_site(tmp_path)
    feed = feedparser.parse((tmp_path / "public/fr/feed.xml").read_bytes())
    assert not feed.bozo
    assert len(feed.entries) == 50
    assert feed.entries[0].title == "Article 54 <b> & co" and feed.entries[-1].title == "Article 5 <b> & co"


def test_feeds_do_not_depend_on_the_clock(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    build_site(tmp_path, output=tmp_path / "one")
    build_site(tmp_path, output=tmp_path / "two", now=NOW.replace(year=2030))
    for rel in ("fr/feed.xml", "en/feed.xml", "fr/corrections/feed.xml", "sitemap.xml"):
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes()
    assert b"<updated>2024-11-27T00:00:00+01:00</updated>" in (tmp_path / "one/en/feed.xml").read_bytes()


def test_future_articles_wait_for_their_date_unless_previewed(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/later.fr.md": article("Plus tard", date="2026-06-01"),
                         "content/articles/now.fr.md": article("Maintenant", date="2025-12-31")})
    build_site(tmp_path)
    assert not (tmp_path / "public/fr/2026/06/later").exists()
    assert b"Plus tard" not in (tmp_path / "public/fr/feed.xml").read_bytes()
    assert b"/fr/2026/06/later/" not in (tmp_path / "public/sitemap.xml").read_bytes()
    build_site(tmp_path, future=True)
    assert (tmp_path / "public/fr/2026/06/later/index.html").exists()
    build_site(tmp_path, now=NOW.replace(year=2027))
    assert b"Plus tard" in (tmp_path / "public/fr/feed.xml").read_bytes()


def test_sitemap_lists_every_article_and_listing_page_with_alternates(demo: Path) -> None:
    base_url = PAGES_URL
    root = ET.parse(demo / "sitemap.xml").getroot()
    entries = {u.findtext("s:loc", namespaces=SITEMAP_NS): u for u in root.findall("s:url", SITEMAP_NS)}
    html_pages = {base_url + p.relative_to(demo).as_posix().removesuffix("index.html")
                  for p in demo.rglob("*.html") if p.name == "index.html" and p.parent != demo}
    assert set(entries) == html_pages
    assert article_urls(demo, base_url) <= set(entries)
    assert all(u.findtext("s:lastmod", namespaces=SITEMAP_NS) for u in entries.values())
    fr_article = entries[f"{base_url}fr/2024/11/deploiement-ukraine/"]
    assert fr_article.findtext("s:lastmod", namespaces=SITEMAP_NS) == "2024-11-29T00:00:00+01:00"
    links = {x.get("hreflang"): x.get("href") for x in fr_article.findall("x:link", SITEMAP_NS)}
    assert links == {"fr": f"{base_url}fr/2024/11/deploiement-ukraine/",
                     "en": f"{base_url}en/2024/11/ukraine-deployment/",
                     "x-default": f"{base_url}fr/2024/11/deploiement-ukraine/"}
    for loc, entry in entries.items():  # every alternate is itself listed, with the same set
        for link in entry.findall("x:link", SITEMAP_NS):
            if link.get("hreflang") != "x-default":
                other = entries[link.get("href")]
                assert {x.get("href") for x in other.findall("x:link", SITEMAP_NS)} == \
                    {x.get("href") for x in entry.findall("x:link", SITEMAP_NS)}, loc


def test_robots_txt_names_the_sitemap_by_absolute_url(demo: Path) -> None:
    robots = (demo / "robots.txt").read_text()
    assert "User-agent: *" in robots
    assert f"Sitemap: {PAGES_URL}sitemap.xml" in robots.splitlines()


def test_404_page_speaks_both_languages(demo: Path) -> None:
    html = (demo / "404.html").read_text()
    assert 'lang="fr"' in html and 'lang="en"' in html
    assert "Page introuvable" in html and "Page not found" in html
    assert 'href="/archive/assets/style.css"' in html


def test_sitemap_escapes_what_urls_may_hold_and_parses_back_exactly() -> None:
    from datetime import UTC, datetime

    from site_builder.render import sitemap
    from site_builder.render.views import Link

    cfg = load_config(ROOT)
    loc = 'https://news.example/a?b=1&c=<2>'
    alternates = (Link('https://news.example/x?y="1"&z=2', "fr", "fr"), Link("https://news.example/\ttab", "en", "en"))
    entry = sitemap.url_entry(cfg, loc, datetime(2024, 11, 29, tzinfo=UTC), alternates)
    document = f'<urlset xmlns="{sitemap.SITEMAP}" xmlns:xhtml="{sitemap.XHTML}">\n{entry}</urlset>'
    url = ET.fromstring(document).find("s:url", SITEMAP_NS)
    assert url is not None
    assert url.findtext("s:loc", namespaces=SITEMAP_NS) == loc
    assert [(x.get("hreflang"), x.get("href")) for x in url.findall("x:link", SITEMAP_NS)] == \
        [(a.lang, a.href) for a in alternates]


@pytest.mark.parametrize("limit", ["MAX_URLS", "MAX_BYTES"])
def test_a_sitemap_too_large_for_one_file_is_split_under_a_sitemap_index(tmp_path: Path, limit: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """sitemaps.org allows 50,000 URLs and 50 MB a file; a 50,000-pair archive has 135,000 pages."""
    from site_builder.render import sitemap

    monkeypatch.setattr(sitemap, limit, {"MAX_URLS": 4, "MAX_BYTES": 3500}[limit])
    files = {f"content/articles/2024/a{n}.fr.md": article(title=f"Titre {n}", date=f"2024-0{n}-01")
             for n in range(1, 6)}
    build_site(make_site(tmp_path, {"site.toml": 'base_url = "https://news.example/"\n', **files}))
    out = tmp_path / "public"
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [loc.text or "" for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert len(parts) >= 2 and parts[0] == "https://news.example/sitemap-1.xml"
    listed: list[str] = []
    for part in parts:
        data = (out / part.removeprefix("https://news.example/")).read_bytes()
        assert len(data) <= sitemap.MAX_BYTES
        urls = [u.findtext("s:loc", namespaces=SITEMAP_NS) or ""
                for u in ET.fromstring(data).findall("s:url", SITEMAP_NS)]
        assert 0 < len(urls) <= sitemap.MAX_URLS
        listed += urls
    pages = {"https://news.example/" + p.relative_to(out).as_posix().removesuffix("index.html")
             for p in out.rglob("index.html") if p.parent != out}
    assert sorted(listed) == listed and set(listed) == pages and len(listed) == len(pages)
    assert "Sitemap: https://news.example/sitemap.xml" in (out / "robots.txt").read_text()
