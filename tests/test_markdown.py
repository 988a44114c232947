"""The Markdown renderer: markdown-it-pyrs for ordinary text, markdown-it-py for what it cannot take.

Both engines must give the same page; whatever the text, markdown-it-pyrs is never given what would
crash it (a stack overflow kills the process), panic or cost quadratic time (`markdown_guard`)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from collections.abc import Iterator

import markdown_it_pyrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slugify import slugify

from site_builder import memo, slugs, urls
from site_builder.content import markdown
from site_builder.content.markdown import MarkdownError, find_site_links, render_markdown
from site_builder.content.markdown_guard import MAX_FAST_BLOCK, MAX_NESTING, fallback_reason
from site_builder.slugs import make_slug
from tests.safety import URL_ATTRIBUTES, unsafe_markup

ORDINARY = [
    "Un *premier* paragraphe avec **du gras**, `du code` et [un lien](/fr/2024/11/x/ \"titre\").\n\n"
    "## Défense européenne\n\nTexte.\n\n## Défense européenne\n\n### Sous-titre `code` *em*\n\n"
    "- un\n- deux\n  - trois\n\n1. a\n2. b\n\n> Une citation\n> sur deux lignes.\n\n---\n\nFin.\n",
    "> Citation d'abord.\n\n![seule image](/img/a.png)\n\n- liste\n\n  paragraphe dans la liste\n\n"
    "Le *vrai* premier paragraphe &amp; [lien](https://ex.org/a?b=1&c=2) [autre](//cdn.ex.org/x).\n",
    "Titre\nsur deux lignes\n---\n\n#### Quatre\n\n##### Cinq\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~barré~~\n",
    "Note[^1] et [référence][r] et <https://ex.org> et ![img](/fr/é t.png).\n\n[r]: /fr/ref/\n\n"
    "[^1]: La note, avec un [lien](/fr/note/).\n",
    "```python\nx = [1, 2]\n```\n\n    indenté\n\nTexte après du code, accentué : é à ç.\n",
    "<div class=\"encart\">\n<p>Brut</p>\n</div>\n\n<h2>Titre brut</h2>\n\n## Titre\n\n"
    "Texte <b>gras</b> et <a href=\"/fr/brut/\">lien brut</a> et [lien](/fr/md/).\n",
]
POLICIES = ["sanitize", "escape", "trust"]


@pytest.fixture
def careful_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Send every text to markdown-it-py."""
    monkeypatch.setattr(markdown, "fallback_reason", lambda text: "for this test")
    yield


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("text", ORDINARY)
def test_both_engines_render_ordinary_markdown_alike(text: str, policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fallback_reason(text) is None
    fast = render_markdown(text, policy)
    monkeypatch.setattr(markdown, "fallback_reason", lambda text: "for this test")
    careful = render_markdown(text, policy)
    assert fast == careful


def test_heading_ids_summary_and_links_are_found_beside_raw_html() -> None:
    rendered = render_markdown(ORDINARY[5], "trust")
    assert "<h2>Titre brut</h2>" in rendered.html and '<h2 id="titre">Titre</h2>' in rendered.html
    assert rendered.first_paragraph == "Texte gras et lien brut et lien."
    html, links = under_base(rendered.html, "/archive/")
    assert '<a href="/archive/fr/brut/">' in html and '<a href="/archive/fr/md/">' in html
    assert links == ("/fr/brut/", "/fr/md/")
    assert "data-sourcepos" not in rendered.html


def test_summary_skips_quotes_lists_and_paragraphs_without_text() -> None:
    rendered = render_markdown(ORDINARY[1])
    assert rendered.first_paragraph == "Le vrai premier paragraphe & lien autre."


def test_summary_leaves_out_footnote_numbers() -> None:
    assert render_markdown("Texte[^1] suite.\n\n[^1]: La note.\n").first_paragraph == "Texte suite."


def test_heading_ids_leave_out_footnote_numbers_and_line_breaks() -> None:
    html = render_markdown("Deux\nlignes[^1]\n---\n\n[^1]: n\n").html
    assert '<h2 id="deuxlignes">' in html


def test_links_keep_their_encoding_and_title_when_rebased() -> None:
    html, links = under_base(render_markdown('[a](/fr/été/ "t") [b](</fr/a b/>) [c](/fr/?q=1&r=2)', "escape").html,
                             "/sub/")
    assert links == ("/fr/%C3%A9t%C3%A9/", "/fr/a%20b/", "/fr/?q=1&r=2")
    assert html == ('<p><a href="/sub/fr/%C3%A9t%C3%A9/" title="t">a</a> <a href="/sub/fr/a%20b/">b</a> '
                             '<a href="/sub/fr/?q=1&amp;r=2">c</a></p>\n')


def under_base(html: str, base_path: str) -> tuple[str, tuple[str, ...]]:
    """`html` as a page under `base_path` shows it, and the root-relative links found in it."""
    offsets, links = find_site_links(html)
    return urls.under_base(html, offsets, base_path), links


RAW_LINKS = {
    "double quotes": ('<img src="/media/a.jpg" alt="">', '<img src="/archive/media/a.jpg" alt="">'),
    "single quotes": ("<a href='/fr/x/'>x</a>", "<a href='/archive/fr/x/'>x</a>"),
    "no quotes": ("<a href=/fr/x/>x</a>", "<a href=/archive/fr/x/>x</a>"),
    "upper case, spaces": ('<IMG SRC = "/media/a.jpg">', '<IMG SRC = "/archive/media/a.jpg">'),
    "srcset": ('<img srcset="/a.jpg 1x, https://cdn/b.jpg 2x,/c.jpg 3x">',
               '<img srcset="/archive/a.jpg 1x, https://cdn/b.jpg 2x,/archive/c.jpg 3x">'),
}


@pytest.mark.parametrize("raw,expected", RAW_LINKS.values(), ids=RAW_LINKS.keys())
def test_root_relative_urls_in_raw_html_go_under_the_base_path(raw: str, expected: str) -> None:
    html, links = under_base(f"<p>{raw}</p>", "/archive/")
    assert html == f"<p>{expected}</p>" and all(link.startswith("/") for link in links) and links


@pytest.mark.parametrize("text", [
    '<!-- <a href="/fr/x/"> -->', '<script>var a = \'<a href="/fr/x/">\';</script>',
    '<style>a[href="/fr/x/"] {}</style>', "<p>écrire href=\"/fr/x/\" dans le texte</p>",
    '<a href="//cdn.example/x">', '<a href="https://ex.org/fr/x/">', '<a href="x/y/">', '<a data-href="/fr/x/">',
])
def test_what_is_not_a_root_relative_url_in_markup_is_left_alone(text: str) -> None:
    assert under_base(text, "/archive/") == (text, ())


@pytest.mark.parametrize("text", [*ORDINARY, '[a](/fr/été/ "t") [b](</fr/a b/>) ![c](/m.png "x") [d](//cdn/x) [e](x/y)',
                                  "[a](/fr/x/)\n\n[^1]: [b](/fr/y/)\n\nx[^1]", "`<a href=\"/fr/x/\">` [a](/fr/z/)"])
def test_without_raw_html_the_quick_scan_finds_what_the_careful_one_finds(text: str) -> None:
    rendered = render_markdown(text, "escape")
    assert not rendered.raw
    assert find_site_links(rendered.html, raw=False) == find_site_links(rendered.html, raw=True)


def test_a_site_at_the_root_keeps_its_bodies_byte_for_byte() -> None:
    html = render_markdown('[a](/fr/x/) <img src="/m.jpg">', "sanitize").html
    offsets, links = find_site_links(html)
    assert urls.under_base(html, offsets, "/") is html and links == ("/fr/x/", "/m.jpg")


# --- what markdown-it-pyrs is not given --------------------------------------------------------------

HAZARDS = {
    "nested quotes": "> " * 30 + "fond",
    "nested quotes without spaces": ">" * 30 + " fond",
    "nested lists on one line": "- " * 15 + "fond",
    "nested lists by indent": "".join("  " * i + "- x\n" for i in range(12)),
    "nested lists by tabs": "".join("\t" * i + "- x\n" for i in range(12)),
    "nested ordered lists": "1. " * 15 + "fond",
    "nested footnotes": "x[^a]\n\n" + "[^a]: " * 25 + "fond",
    "inline footnote": "Texte^[note] fin.",
    "backtick after a bracket": "x [` y",
    "long block": "mot " * (MAX_FAST_BLOCK // 4 + 1),
    "wide table": "|a" * 300 + "\n" + "|-" * 300 + "\n" + "x\n" * 300,
}


@pytest.mark.parametrize("text", HAZARDS.values(), ids=HAZARDS.keys())
def test_hazards_go_to_markdown_it_py(text: str) -> None:
    assert fallback_reason(text) is not None
    assert fallback_reason(text.replace("\n", "\r\n")) is not None


@pytest.mark.parametrize("text", [*ORDINARY, "x `[` y", "[`a`](/x)", "```js\nconst a = `x`;\n```\n\n[lien](/x)",
                                  "- a\n    - b\n        - c\n", "|a|b|\n|-|-|\n|1|2|\n\n" * 2000])
def test_ordinary_markdown_goes_to_markdown_it_pyrs(text: str) -> None:
    assert fallback_reason(text) is None


DEEP = ["> " * 100_000, ">" * 100_000, "- " * 100_000, "1. " * 100_000, "x[^a]\n\n" + "[^a]: " * 100_000,
        "".join(" " * (i % 300) + "- x\n" for i in range(3_000))]


@pytest.mark.parametrize("shape", DEEP)
def test_nesting_100000_deep_neither_crashes_nor_loses_text(shape: str) -> None:
    # In a child process: markdown-it-pyrs overflows its stack on such text, killing the interpreter.
    code = ("import sys; from site_builder.content.markdown import render_markdown, MarkdownError\n"
            "try: print('fond' in render_markdown(sys.stdin.read() + ' fond\\n').html)\n"
            "except MarkdownError as exc: print(exc)")
    result = subprocess.run([sys.executable, "-c", code], input=shape, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.startswith(("True", "quotes or lists are nested too deeply")), result.stdout


def test_a_panic_of_markdown_it_pyrs_falls_back_to_markdown_it_py(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Un [lien `cassé et la suite."
    with pytest.raises(BaseException, match="index out of bounds"):
        markdown.fast_parser("sanitize", False).render(text)
    monkeypatch.setattr(markdown, "fallback_reason", lambda text: None)
    assert render_markdown(text).html == "<p>Un [lien `cassé et la suite.</p>\n"


MARKDOWN_PIECES = ["a", "é", " ", "\n", "\n\n", "\t", "    ", "> ", ">", "- ", "* ", "1. ", "2) ", "[", "]", "(", ")",
                   "](/x)", "!", "`", "``", "```", "\\", "*", "_", "~~", "#", "## ", "---", "|", "[^1]", "[^1]: ", "^",
                   "| a | b |\n|---|---|\n", "<", ">", "<b>", "<div>", "</div>", "&amp;", "<!--", "<?", "<![CDATA[",
                   "\r"]


@st.composite
def markdown_texts(draw: st.DrawFn) -> str:
    return "".join(draw(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=40)))


def container_depth(node: markdown_it_pyrs.Node) -> int:
    """How many quotes, lists, list items and footnotes nest in the deepest place of a syntax tree."""
    containers = {"blockquote", "bullet_list", "ordered_list", "list_item", "footnote_def"}
    return max((container_depth(child) for child in node.children), default=0) + (node.name in containers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown_texts())
def test_what_markdown_it_pyrs_is_given_it_renders_without_panic_or_deep_nesting(text: str) -> None:
    if fallback_reason(text) is None:
        parser = markdown.fast_parser("trust", True)
        parser.render(text)  # a panic would raise PanicException
        assert container_depth(parser.tree(text)) < MAX_NESTING


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["> ", ">", " ", "\t", "- ", "* ", "+ ", "1. ", "9) ", "-", "[^a]: ", "x", "\n"]),
                max_size=60).map("".join))
def test_the_nesting_bound_holds_for_any_line_prefix(text: str) -> None:
    if fallback_reason(text) is None:
        assert container_depth(markdown.fast_parser("trust", False).tree(text)) < MAX_NESTING
        markdown.careful_parser("trust").parse(text)  # nor would markdown-it-py refuse it
    else:
        try:
            render_markdown(text)
        except MarkdownError as exc:
            assert "nested too deeply" in str(exc)


HEADING_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7e),  # ASCII: what the fast path takes as it is
    st.sampled_from("éèêëàâäçîïôöùûüÿœæÉÈÀÇŒ’‘«»–—…\u00a0\u2009ﬁ＇\u0301\u0327\u034f\u0363ßøÆ&;#"),
    st.characters(blacklist_categories=("Cs",)),
)


@settings(max_examples=3000, deadline=None)
@given(st.text(HEADING_CHARACTERS, max_size=40))
@example("Défense européenne")
@example("L'œuvre d'art, l''été")
@example("1,000 l'été, 2,5 ＇x＇")
@example("A &amp; B &#233;")
@example("cafe\u0301 e\u0363 \u034fo")  # unidecode drops the first combining marks, not the later ones
def test_heading_slug_is_python_slugify(text: str) -> None:
    """`heading_slug` makes the ids of ASCII text (once accents are dropped) without python-slugify:
    the same ids, whatever the text."""
    assert slugs.heading_slug(text) == (slugify(text, backend=slugs.TRANSLITERATION) or "section")


@settings(max_examples=2000, deadline=None)
@given(st.text(HEADING_CHARACTERS, max_size=120))
@example("Défense européenne")
@example("a" * 79)
@example("a" * 80)
@example("word " * 16 + "x")
@example("article-001026-difficiles-sante-selon")
def test_url_slugs_are_python_slugify(text: str) -> None:
    """`slugs.make_slug` (articles' and tags' URL slugs, at most 80 characters, cut at a word's end)
    makes the slugs of ASCII text (once accents are dropped) without python-slugify: the same slugs."""
    memo.clear(make_slug)
    expected = slugify(unicodedata.normalize("NFC", text), max_length=80, word_boundary=True,
                       backend=slugs.TRANSLITERATION)
    assert make_slug(text) == expected


HOSTILE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)", "&#106;avascript:alert(1)",
                "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "java&#x0A;script:alert(1)"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_every_url_attribute_the_sanitizer_keeps_refuses_script_schemes(url: str) -> None:
    """Not only `href` and `src`, which nh3 checks itself: every allowed attribute a browser reads
    as a URL (`cite` on quotes) goes through the same scheme rule."""
    pairs = [(tag if tag != "*" else "span", attribute)
             for tag, attributes in sorted(markdown.ALLOWED_ATTRIBUTES.items())
             for attribute in sorted(attributes) if attribute in URL_ATTRIBUTES]
    assert ("blockquote", "cite") in pairs and ("a", "href") in pairs
    for tag, attribute in pairs:
        html = render_markdown(f'<{tag} {attribute}="{url}">cité</{tag}>\n', "sanitize").html
        assert unsafe_markup(html) == [] and "cité" in html, html
        assert attribute in markdown.URL_ATTRIBUTES


def test_a_quote_keeps_a_cite_that_is_a_web_address_or_a_path() -> None:
    html = render_markdown('<blockquote cite="https://ex.org/a">A</blockquote>\n\n<q cite="/fr/x/">B</q>\n').html
    assert '<blockquote cite="https://ex.org/a">' in html and '<q cite="/fr/x/">' in html
