"""Front-matter text is never markup; raw HTML in bodies follows the site's policy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from markupsafe import Markup, escape

from site_builder.content import markdown
from site_builder.render import pages as render
from tests.helpers import article, build_site, make_site
from tests.safety import unsafe_markup, unsafe_markup_in
from tests.scenarios import PAYLOAD, PAYLOADS, hostile_site

A = "content/articles/2024/a.fr.md"
RAW = ("<img src=x onerror", "<script>alert(2)", "</script><script>")
JSON_LD = re.compile(r'<script[^>]*type="application/ld\+json"[^>]*>(.*?)</script>', re.DOTALL)


def test_metadata_payload_is_escaped_in_every_output_file(tmp_path: Path) -> None:
    build_site(hostile_site(tmp_path))
    out = tmp_path / "public"
    files = sorted(p for p in out.rglob("*") if p.is_file())
    for path in files:
        name, text = path.relative_to(out).as_posix(), path.read_text(encoding="utf-8", errors="replace")
        if path.suffix in {".html", ".htm", ".xml", ".svg", ".txt"}:
            assert not [raw for raw in RAW if raw in text], f"{name} holds the payload unescaped"
        if path.suffix in {".xml", ".svg"}:
            ElementTree.fromstring(path.read_bytes())  # the payload did not break the markup
        if path.suffix == ".json":
            assert_holds_payload_exactly(json.loads(text), name)
        for block in JSON_LD.findall(text):
            assert_holds_payload_exactly(json.loads(block), f"JSON-LD in {name}")
    assert unsafe_markup_in(out) == {}
    escaped = str(escape(PAYLOADS[1]))
    for page in ("fr/2024/11/a/index.html", "en/2024/11/a/index.html", "fr/index.html",
                 "fr/tags/index.html", "fr/2024/index.html"):
        title = str(escape(PAYLOADS[2 if page.startswith("en/") else 1]))
        assert title in (out / page).read_text(), f"{page} lacks the escaped title"
    tag_pages = [p for p in (out / "fr/tags").glob("*/index.html") if escaped in p.read_text()]
    assert tag_pages, "no tag page shows the escaped tag"


def assert_holds_payload_exactly(data: object, where: str) -> None:
    """JSON that mentions the payload carries it whole, as data (escaping did not mangle it)."""
    strings = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            strings.append(item)
    mentions = [s for s in strings if "onerror" in s]
    assert all(any(p in s for p in PAYLOADS) for s in mentions), f"{where} mangles the payload: {mentions}"


def test_script_in_body_is_removed_by_default(tmp_path: Path) -> None:
    body = ("Texte <script>alert(1)</script> <img src=x onerror=alert(2)> [l](javascript:alert(3))"
            "\n\n<iframe src=x></iframe>")
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


# Bodies without `<` hold no raw HTML: their HTML is markdown-it's, not passed through the sanitizer.
NO_RAW_HTML_ATTACKS = [
    "[a](javascript:alert(1))", "[a](JaVaScRiPt:alert(1))", "[a](&#106;avascript:alert(1))",
    "[a](java&#x09;script:alert(1))", "[a](vbscript:msgbox(1))", "[a](data:text/html,alert(1))",
    "![a](x\" onerror=\"alert(1))", '[a](x "t\" onmouseover=\"alert(1)")', "[a]: javascript:alert(1)\n\n[a]",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "![a](data:image/svg+xml;base64,PHN2Zz4=)",
    "`&lt;img src=x onerror=alert(1)&gt;`", "[a](\\javascript:alert(1))",
]


@pytest.mark.parametrize("body", NO_RAW_HTML_ATTACKS)
def test_markdown_without_raw_html_is_safe_without_the_sanitizer(body: str) -> None:
    assert "<" not in body
    html = markdown.render_markdown(body, "sanitize").html
    assert unsafe_markup(html) == [], html
    assert html == markdown.render_markdown(body, "escape").html or markdown.sanitize(html) == html


def test_markdown_without_raw_html_keeps_markdown_its_own_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sanitizer is skipped (it would drop a code block's language and the footnotes' classes)."""
    def refuse(html: str) -> str:
        raise AssertionError("sanitized")

    monkeypatch.setattr(markdown, "sanitize", refuse)
    body = "Note[^1] and [web](https://ex.org/) [mail](mailto:a@ex.org) [here](/fr/x/) [top](#t)\n\n" \
           "```python\nx = 1\n```\n\n[^1]: Text."
    html = markdown.render_markdown(body, "sanitize").html
    assert html == markdown.render_markdown(body, "escape").html
    assert '<code class="language-python">' in html and '<li id="fn1" class="footnote-item">' in html


@pytest.mark.parametrize("target", ["ftp://ex.org/f", "irc:chan", "data:image/png;base64,AAAA", "java%0ascript:x"])
def test_markdown_link_to_another_scheme_still_goes_through_the_sanitizer(target: str) -> None:
    html = markdown.render_markdown(f"[a]({target}) ![i]({target})", "sanitize").html
    assert html == markdown.sanitize(markdown.render_markdown(f"[a]({target}) ![i]({target})", "escape").html)
    if target != "java%0ascript:x":  # a relative path to the sanitizer, kept as it is
        assert target.split(":")[0] + ":" not in html


class _Html:
    def __html__(self) -> str:
        return "<em>ok</em>"


@pytest.mark.parametrize("value", [PAYLOAD, "", "plain", "l'été & <b> \"q\"", "\u00e9\u0301 \U0001f600",
                                   Markup("<b>safe</b>"), 3, 2.5, None, _Html(), ["<li>"]])
def test_templates_escape_exactly_as_markupsafe(value: object) -> None:
    """`render.escape`, the templates' faster escaping, gives MarkupSafe's text for any value, and
    keeps it safe wherever a template keeps output (a macro's, a `set` block's, a filter block's)."""
    ours = render.escape(value)
    assert isinstance(ours, str) and ours == str(escape(value))
    env = render.make_environment(Path("/nonexistent"))
    template = env.from_string("{{ v }}{% macro m(x) %}{{ x }}{% endmacro %}{{ m(v) }}{{ m(m(v)) }}"
                               "{% set s %}{{ v }}{% endset %}{{ s }}{% filter upper %}{{ v }}{% endfilter %}")
    assert template.root_render_func.__globals__["escape"] is render.escape  # the templates use it
    assert template.render(v=value) == str(escape(value)) * 4 + str(escape(value)).upper()
