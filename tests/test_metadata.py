"""News metadata on every article: canonical, Open Graph, Twitter card and NewsArticle JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import article, build_site, make_site
from tests.site_checks import PageParser, parse_page

FR = "content/articles/2024/a.fr.md"
EN = "content/articles/2024/a.en.md"
SITE = """
    base_url = "https://news.example/archive/"
    [publisher]
    name = "La Gazette"
    url = "https://gazette.example/"
    logo = "/logo.png"
"""


def page(root: Path, rel: str) -> PageParser:
    return parse_page((root / "public" / rel).read_text(encoding="utf-8"))


def properties(parsed: PageParser) -> list[tuple[str, str]]:
    return [(m.get("property") or m.get("name", ""), m.get("content", "")) for m in parsed.meta]


def json_ld(parsed: PageParser) -> dict:
    [(_, text)] = [s for s in parsed.scripts if s[0].get("type") == "application/ld+json"]
    return json.loads(text)


def bilingual(tmp_path: Path, **fr_fields: str) -> Path:
    return make_site(tmp_path, {
        "site.toml": SITE,
        FR: article("Premier", date="2024-11-27T09:00:00", author="[Alice Dupont, Bob Martin]",
                    tags="[Défense]", summary="Résumé.", image="/images/une.jpg", image_alt="Une photo",
                    **fr_fields),
        EN: article("First", date="2024-11-27T15:00:00", tags="[Défense]", updated="2024-11-28T10:00:00"),
    })


def test_article_carries_open_graph_and_twitter_card(tmp_path: Path) -> None:
    build_site(bilingual(tmp_path))
    meta = properties(page(tmp_path, "fr/2024/11/a/index.html"))
    for pair in [("og:type", "article"), ("og:title", "Premier"), ("og:description", "Résumé."),
                 ("og:url", "https://news.example/archive/fr/2024/11/a/"), ("og:locale", "fr_FR"),
                 ("og:locale:alternate", "en_GB"), ("og:image", "https://news.example/archive/images/une.jpg"),
                 ("og:image:alt", "Une photo"), ("article:published_time", "2024-11-27T09:00:00+01:00"),
                 ("article:modified_time", "2024-11-27T09:00:00+01:00"), ("article:tag", "Défense"),
                 ("twitter:card", "summary_large_image")]:
        assert pair in meta, pair
    img = [r for r in page(tmp_path, "fr/2024/11/a/index.html").refs if r.tag == "img"]
    assert [r.url for r in img] == ["/archive/images/une.jpg"]


def test_canonical_and_other_pages_get_website_metadata(tmp_path: Path) -> None:
    build_site(bilingual(tmp_path))
    parsed = page(tmp_path, "en/tags/index.html")
    assert ("og:type", "website") in properties(parsed)
    assert [r.url for r in parsed.refs if r.rel == "canonical"] == ["https://news.example/archive/en/tags/"]
    assert not [s for s in parsed.scripts if s[0].get("type") == "application/ld+json"]


def test_json_ld_describes_a_news_article(tmp_path: Path) -> None:
    build_site(bilingual(tmp_path))
    data = json_ld(page(tmp_path, "en/2024/11/a/index.html"))
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "First" and data["inLanguage"] == "en"
    assert data["datePublished"] == "2024-11-27T15:00:00+01:00"
    assert data["dateModified"] == "2024-11-28T10:00:00+01:00"
    assert data["publisher"] == {"@type": "NewsMediaOrganization", "name": "La Gazette", "url": "https://gazette.example/",
                                 "logo": {"@type": "ImageObject", "url": "https://news.example/archive/logo.png"}}
    assert data["keywords"] == ["Défense"]
    fr = json_ld(page(tmp_path, "fr/2024/11/a/index.html"))
    assert fr["author"] == [{"@type": "Person", "name": "Alice Dupont"}, {"@type": "Person", "name": "Bob Martin"}]
    assert fr["image"] == ["https://news.example/archive/images/une.jpg"]


def test_json_ld_links_original_and_translation(tmp_path: Path) -> None:
    build_site(bilingual(tmp_path))
    fr = json_ld(page(tmp_path, "fr/2024/11/a/index.html"))
    en = json_ld(page(tmp_path, "en/2024/11/a/index.html"))
    assert [t["@id"] for t in fr["workTranslation"]] == ["https://news.example/archive/en/2024/11/a/"]
    assert "translationOfWork" not in fr
    assert en["translationOfWork"]["@id"] == "https://news.example/archive/fr/2024/11/a/"
    assert en["translationOfWork"]["inLanguage"] == "fr"
    assert "workTranslation" not in en


def test_script_end_tag_in_a_title_cannot_break_out_of_json_ld(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script> & <!--"
    make_site(tmp_path, {FR: article(evil, summary=repr(evil))})
    build_site(tmp_path)
    html = (tmp_path / "public/fr/2024/11/a/index.html").read_text()
    assert "<script>alert(1)" not in html
    parsed = parse_page(html)
    assert json_ld(parsed)["headline"] == evil
    assert ("og:title", evil) in properties(parsed)
