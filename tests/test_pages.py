"""What readers get: the pages of a small bilingual site and what each must contain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import article, build_site, make_site

FILES = {
    "site.toml": """
        base_url = "https://news.example/archive/"
        page_size = 2
        feedback_url = "https://forms.example/new?u={url}&t={title}&l={lang}"
    """,
    "content/tags.toml": '[defense]\nfr = "Défense"\nen = "Defence"\n',
    "content/articles/2024/11/ukraine.fr.md": article("L'Ukraine & l'Europe", "2024-11-27", author="Alice",
                                                       tags="[Défense, Europe]"),
    "content/articles/2024/11/ukraine.en.md": article("Ukraine and Europe", "2024-11-27", tags="[Defence]",
                                                       translation_key="ukraine"),
    "content/articles/2024/12/seul.fr.md": article("Seul", "2024-12-01", tags="[Europe]"),
    "content/articles/2023/01/ancien.fr.md": article("Ancien", "2023-01-05"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("site"), FILES)
    build_site(root)
    return root / "public"


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_article_page_has_everything_a_reader_and_a_crawler_need(site: Path) -> None:
    html = read(site, "fr/2024/11/ukraine/index.html")
    assert '<html lang="fr">' in html
    assert "<h1 class=\"article__title\">L’Ukraine &amp; l’Europe</h1>" in html  # typographic apostrophes
    assert '<time datetime="2024-11-27T00:00:00+01:00">27 novembre 2024</time>' in html
    assert "Par Alice" in html
    assert '<a href="/archive/fr/tags/defense/" rel="tag">Défense</a>' in html
    assert '<link rel="canonical" href="https://news.example/archive/fr/2024/11/ukraine/">' in html
    assert '<link rel="alternate" hreflang="en" href="https://news.example/archive/en/2024/11/ukraine/">' in html
    assert '<link rel="alternate" hreflang="x-default" href="https://news.example/archive/fr/2024/11/ukraine/">' in html
    assert 'href="/archive/en/2024/11/ukraine/" hreflang="en" lang="en" rel="alternate"' in html


def test_feedback_block_links_to_the_target_filled_for_this_article(site: Path) -> None:
    fr, en = read(site, "fr/2024/11/ukraine/index.html"), read(site, "en/2024/11/ukraine/index.html")
    assert "Avez-vous trouvé une erreur ou une inexactitude\u202f?" in fr
    assert "Did you find an error or inaccuracy?" in en
    assert ("https://forms.example/new?u=https%3A%2F%2Fnews.example%2Farchive%2Ffr%2F2024%2F11%2Fukraine%2F"
            "&amp;t=L%E2%80%99Ukraine%20%26%20l%E2%80%99Europe&amp;l=fr") in fr


def test_article_without_translation_has_no_alternates(site: Path) -> None:
    html = read(site, "fr/2024/12/seul/index.html")
    assert '<link rel="alternate" hreflang=' not in html  # no language alternates (a feed is no translation)


def test_home_is_paginated_newest_first(site: Path) -> None:
    first, second = read(site, "fr/index.html"), read(site, "fr/page/2/index.html")
    titles = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', first + second)
    assert titles == ["Seul", "L’Ukraine &amp; l’Europe", "Ancien"]
    assert 'rel="next" href="/archive/fr/page/2/"' in first and 'rel="prev" href="/archive/fr/"' in second


def test_tag_pages_of_a_translated_tag_link_each_other(site: Path) -> None:
    fr, en = read(site, "fr/tags/defense/index.html"), read(site, "en/tags/defence/index.html")
    assert 'hreflang="en" href="https://news.example/archive/en/tags/defence/"' in fr
    assert 'hreflang="fr" href="https://news.example/archive/fr/tags/defense/"' in en
    assert "Sujet\u00a0: Défense" in fr and "Topic: Defence" in en


def test_tag_used_in_one_language_only_has_its_page_there_only(site: Path) -> None:
    assert (site / "fr/tags/europe/index.html").exists()
    assert not (site / "en/tags/europe").exists()


def test_tags_index_lists_counts(site: Path) -> None:
    html = read(site, "fr/tags/index.html")
    assert re.search(r'>Europe</a> <span class="count">2 articles</span>', html)
    assert re.search(r'>Défense</a> <span class="count">1 article</span>', html)


def test_year_archives_group_by_month(site: Path) -> None:
    html = read(site, "fr/2024/index.html")
    assert "Archives 2024" in html and ">Novembre</h2>" in html and ">Décembre</h2>" in html
    assert "Ancien" not in html and "Ancien" in read(site, "fr/2023/index.html")
    assert 'href="/archive/fr/2024/"' in read(site, "fr/archives/index.html")


def test_root_sends_to_the_default_language_without_javascript(site: Path) -> None:
    html = read(site, "index.html")
    assert '<meta http-equiv="refresh" content="0; url=/archive/fr/">' in html
    assert 'href="/archive/fr/"' in html and 'href="/archive/en/"' in html
    assert "<script" not in html


def test_not_found_page_speaks_both_languages(site: Path) -> None:
    html = read(site, "404.html")
    assert "Page introuvable" in html and "Page not found" in html
    assert 'href="/archive/assets/style.css"' in html


def test_every_page_has_skip_link_landmarks_and_language(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert re.search(r'<html lang="(fr|en)">', html), page
        assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html, page
        assert "<header" in html and "<footer" in html, page


def test_a_bare_content_folder_builds_with_the_shipped_theme(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.en.md": article("Bare")})
    result = build_site(tmp_path)
    assert result.articles == {"fr": 0, "en": 1}
    assert (tmp_path / "public/assets/style.css").exists()
    assert "Bare" in (tmp_path / "public/en/2024/11/a/index.html").read_text()


def test_project_templates_override_the_theme_by_name(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/a.fr.md": article(),
        "templates/partials/footer.html": "<footer>Notre colophon</footer>",
        "static/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    build_site(tmp_path)
    assert "<footer>Notre colophon</footer>" in (tmp_path / "public/fr/index.html").read_text()
    assert (tmp_path / "public/images/logo.svg").exists()
