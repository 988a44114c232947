"""French and English typography done by the builder: on text only, never on code, URLs or attributes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from site_builder import i18n, typography
from site_builder.config import load_config
from tests.helpers import article, build_site, fragments, make_site

NBSP, NNBSP = "\u00a0", "\u202f"
ORDINARY_BEFORE_PUNCTUATION = re.compile(r"[^\s] [:;?!]|« | »")


def test_french_double_punctuation_gets_no_break_spaces() -> None:
    text = typography.text("Il a dit : oui ; vraiment ? Oui !", "fr")
    assert text == f"Il a dit{NBSP}: oui{NNBSP}; vraiment{NNBSP}? Oui{NNBSP}!"


def test_guillemets_hold_narrow_no_break_spaces_and_straight_quotes_become_guillemets() -> None:
    assert typography.text("« Bonjour » et «salut»", "fr") == f"«{NNBSP}Bonjour{NNBSP}» et «{NNBSP}salut{NNBSP}»"
    assert typography.text('Il a dit "non".', "fr") == f"Il a dit «{NNBSP}non{NNBSP}»."


def test_nothing_is_added_where_the_writer_put_no_space() -> None:
    assert typography.text("À 10:30, Yahoo! et x?q=1", "fr") == "À 10:30, Yahoo! et x?q=1"


def test_apostrophes_and_english_quotes_are_typographic() -> None:
    assert typography.text("L'été, aujourd'hui", "fr") == "L’été, aujourd’hui"
    assert typography.text("He said \"it's 'fine'\" in the '90s", "en") == "He said “it’s ‘fine’” in the ’90s"


@pytest.mark.parametrize(("written", "fr", "en"), [
    ('le mot="x" et', f"le mot=«{NNBSP}x{NNBSP}» et", "le mot=“x” et"),  # after `=`: opening
    ('dir="/img/"', f"dir=«{NNBSP}/img/{NNBSP}»", "dir=“/img/”"),  # after a slash, at a word's end: closing
    ('dit " bonjour " hier', f"dit «{NNBSP}bonjour{NNBSP}» hier", "dit “ bonjour ” hier"),  # spaced: they pair
])
def test_quotes_open_and_close_by_what_surrounds_them(written: str, fr: str, en: str) -> None:
    assert (typography.text(written, "fr"), typography.text(written, "en")) == (fr, en)


def test_english_keeps_its_spaces_before_punctuation() -> None:
    assert typography.text("Why ? Because : reasons", "en") == "Why ? Because : reasons"


def test_urls_written_in_text_are_left_as_they_are() -> None:
    text = typography.text("Voir https://exemple.fr/a?b=1;c:d'e ! Et http://x.fr : ok", "fr")
    assert "https://exemple.fr/a?b=1;c:d'e" in text and "http://x.fr" in text
    assert text.endswith(f"c:d'e{NNBSP}! Et http://x.fr{NBSP}: ok")


def test_html_changes_text_only_never_code_attributes_or_tags() -> None:
    html = ('<p>Voir <code>a : b ; "x"</code> et <a href="http://x.org/?a=1;b" title="a : \'b\'">lien : ici</a> !'
            '</p><pre><code>x = "a" ? b : c</code></pre><p>&quot;<em>cité</em>&quot; l\'été</p>')
    assert typography.html(html, "fr") == (
        f'<p>Voir <code>a : b ; "x"</code> et <a href="http://x.org/?a=1;b" title="a : \'b\'">lien{NBSP}: ici</a>'
        f'{NNBSP}!</p><pre><code>x = "a" ? b : c</code></pre><p>«{NNBSP}<em>cité</em>{NNBSP}» l’été</p>')


def test_html_text_never_becomes_markup() -> None:
    html = "<p>&lt;script&gt; : &amp;lt; ! &quot;x&quot;</p>"
    assert typography.html(html, "fr") == f"<p>&lt;script&gt;{NBSP}: &amp;lt;{NNBSP}! «{NNBSP}x{NNBSP}»</p>"


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("text", ["« Oui » : non ; « peut-être » ?", "L'\"été\" ! 'x'", "a \" b ' c"])
def test_setting_text_twice_changes_nothing(text: str, lang: str) -> None:
    once = typography.text(text, lang)
    assert typography.text(once, lang) == once
    assert typography.html(typography.html(f"<p>{text}</p>", lang), lang) == typography.html(f"<p>{text}</p>", lang)


def test_the_first_of_the_month_is_an_ordinal_in_french_only() -> None:
    assert i18n.format_date(date(2025, 2, 1), "fr_FR") == "1er février 2025"
    assert i18n.format_date(date(2025, 2, 11), "fr_FR") == "11 février 2025"
    assert i18n.format_date(date(2025, 2, 1), "en_GB") == "1 February 2025"


def test_french_interface_strings_have_no_ordinary_space_before_double_punctuation() -> None:
    bad = {key: text for key, text in i18n.STRINGS["fr"].items() if ORDINARY_BEFORE_PUNCTUATION.search(text)}
    assert bad == {}
    assert "'" not in "".join(i18n.STRINGS["fr"].values())


FILES = {
    "content/tags.toml": '[ete]\nfr = "L\'été"\nen = "Summer"\n',
    "content/articles/2025/02/a.fr.md": article(
        "Canicule : l'été « record » ?", "2025-02-01", tags="[L'été]", translation_key="a",
        summary="'Chaud : très chaud !'",  # (YAML's quotes)
        body="Il fait chaud ; très chaud !\n\n`a : b` et https://x.fr/?a=1;b ."),
    "content/articles/2025/02/a.en.md": article("Heatwave: a \"record\" summer?", "2025-02-01", tags="[Summer]",
                                                translation_key="a"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("typo"), FILES)
    build_site(root, search=False)
    return root / "public"


def test_titles_summaries_bodies_and_tags_are_set_in_french(site: Path) -> None:
    html = (site / "fr/2025/02/a/index.html").read_text()
    assert f"Canicule{NBSP}: l’été «{NNBSP}record{NNBSP}»{NNBSP}?</h1>" in html
    assert f'<p class="article__dek">Chaud{NBSP}: très chaud{NNBSP}!</p>' in html
    assert f"Il fait chaud{NNBSP}; très chaud{NNBSP}!" in html
    assert "<code>a : b</code>" in html and 'https://x.fr/?a=1;b' in html
    assert ">L’été</a>" in html
    assert "1er février 2025" in html


def test_english_pages_get_curly_quotes_and_keep_their_spacing(site: Path) -> None:
    html = (site / "en/2025/02/a/index.html").read_text()
    assert "Heatwave: a “record” summer?</h1>" in html


def test_feeds_carry_the_same_text_as_the_pages(site: Path) -> None:
    feed = ElementTree.parse(site / "fr/feed.xml").getroot()
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert f"Canicule{NBSP}: l’été «{NNBSP}record{NNBSP}»{NNBSP}?" in titles
    tag_feed = (site / "fr/tags/l-ete/feed.xml").read_text()
    assert "L’été" in tag_feed


def test_feedback_url_is_chosen_per_language_and_the_single_key_is_still_the_default(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": """
        feedback_url = "https://forms.example/all?t={title}"
        [languages.fr]
        feedback_url = "mailto:c@x.example?subject=Erreur%20signal%C3%A9e%20%3A%20{title}"
        [languages.en]
    """})
    config = load_config(tmp_path)
    assert config.feedback_for("fr") == "mailto:c@x.example?subject=Erreur%20signal%C3%A9e%20%3A%20{title}"
    assert config.feedback_for("en") == "https://forms.example/all?t={title}"


def test_a_bad_feedback_url_of_a_language_names_its_key(tmp_path: Path) -> None:
    from site_builder.errors import ConfigError
    make_site(tmp_path, {"site.toml": '[languages.en]\nfeedback_url = "javascript:x"\n'})
    with pytest.raises(ConfigError, match=r"`languages.en.feedback_url` must start with `mailto:` or `https://`"):
        load_config(tmp_path)


def test_the_search_index_carries_the_same_text_as_the_pages(tmp_path: Path) -> None:
    root = make_site(tmp_path, FILES)
    build_site(root)
    record = fragments(root / "public/pagefind/fr")["/fr/2025/02/a/"]
    assert record["meta"]["title"] == f"Canicule{NBSP}: l’été «{NNBSP}record{NNBSP}»{NNBSP}?"
    # Pagefind collapses every run of white space in the text it indexes into one ordinary space;
    # the marks the builder set stay, but for ’, which it is given as ' (so that it splits `l'été`
    # into the words it indexes: output/pagefind.py), and which the search page shows as ’ again.
    assert "Canicule : l'été « record » ? Chaud : très chaud ! Il fait chaud ; très chaud !" in record["content"]


TYPED = st.text(alphabet=st.sampled_from(list("ab :;?!«»'\"<>&\n\u00a0\u202f")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=TYPED, lang=st.sampled_from(["fr", "en"]))
def test_html_typography_touches_text_only_and_makes_no_markup(text: str, lang: str) -> None:
    escaped = str(escape(text))
    markup = (f'<p title="{escaped}">{escaped}<code>{escaped}</code> <a href="https://x.example/?q={escaped}">'
              f"{escaped}</a></p><pre>{escaped}</pre>")
    done = typography.html(markup, lang)
    assert re.findall(r"<[^>]*>", done) == re.findall(r"<[^>]*>", markup)  # every tag and attribute as it was
    assert done.count("<") == markup.count("<")
    assert f"<code>{escaped}</code>" in done and f"<pre>{escaped}</pre>" in done
    assert typography.html(done, lang) == done
