"""Front-matter text is never markup; raw HTML in bodies follows the site's policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import article, build_site, make_site

A = "content/articles/2024/a.fr.md"
EVIL = '"><script>alert(1)</script>'


def all_html(root: Path) -> str:
    return "\n".join(p.read_text() for p in sorted((root / "public").rglob("*.html")))


def test_script_in_title_tag_author_and_summary_is_escaped(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(title=EVIL, tags=f"['{EVIL}']", author=f"'{EVIL}'", summary=f"'{EVIL}'")})
    build_site(tmp_path)
    html = all_html(tmp_path)
    assert "<script>alert(1)</script>" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_script_in_body_is_removed_by_default(tmp_path: Path) -> None:
    body = "Texte <script>alert(1)</script> <img src=x onerror=alert(2)> [l](javascript:alert(3))\n\n<iframe src=x></iframe>"
    make_site(tmp_path, {A: article(body=body)})
    build_site(tmp_path)
    html = (tmp_path / "public/fr/2024/11/a/index.html").read_text()
    for bad in ("<script>alert(1)", "onerror=", "href=\"javascript:", "<iframe"):
        assert bad not in html


def test_escape_policy_shows_raw_html_as_text(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'raw_html = "escape"\n', A: article(body="a <b>gras</b>")})
    build_site(tmp_path)
    assert "a &lt;b&gt;gras&lt;/b&gt;" in (tmp_path / "public/fr/2024/11/a/index.html").read_text()


def test_trust_policy_keeps_raw_html(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'raw_html = "trust"\n', A: article(body='<div class="embed">x</div>')})
    build_site(tmp_path)
    assert '<div class="embed">x</div>' in (tmp_path / "public/fr/2024/11/a/index.html").read_text()


@pytest.mark.parametrize("html", ["<table><tr><td>1</td></tr></table>", "<details><summary>s</summary>d</details>",
                                  '<figure><img src="a.png" alt="a"><figcaption>c</figcaption></figure>'])
def test_sanitize_keeps_what_articles_need(tmp_path: Path, html: str) -> None:
    make_site(tmp_path, {A: article(body=html)})
    build_site(tmp_path)
    assert html.replace("<tr>", "<tbody><tr>").replace("</tr>", "</tr></tbody>") in \
        (tmp_path / "public/fr/2024/11/a/index.html").read_text() or html in \
        (tmp_path / "public/fr/2024/11/a/index.html").read_text()
