"""Unit tests of each stage: front matter, language, dates, Markdown, tags, translations, URLs."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from site_builder import urls
from site_builder.build import BuildOptions, load_site
from site_builder.config import load_config
from site_builder.content.files import Source
from site_builder.content.front_matter import split_front_matter
from site_builder.content.markdown import find_site_links, render_markdown
from site_builder.content.parse import parse_article
from site_builder.errors import SiteError
from site_builder.i18n import format_date, language_of, month_name
from site_builder.model import Article, TagLink, Translation
from site_builder.render import plans
from site_builder.render.pages import make_environment, render_page
from site_builder.site.assemble import assemble, newest_first, publishable
from site_builder.site.tags import load_tag_registry
from site_builder.slugs import make_slug
from tests.helpers import NOW, article, build_site, make_site

ROOT = Path(__file__).resolve().parents[1]


def parse(tmp_path: Path, rel: str, text: str):  # type: ignore[no-untyped-def]
    return parse_article(Source(rel, text.encode()), load_config(tmp_path))


def test_front_matter_keeps_the_line_of_each_key() -> None:
    front = split_front_matter("\n---\ntitle: T\n\ndate: 2024-01-01\n---\n\nBody\n")
    assert front.lines == {"title": 3, "date": 5}
    assert front.body_line == 8 and front.body == "Body\n"


def test_dates_stay_text_until_we_parse_them() -> None:
    assert split_front_matter("---\ndate: 2024-01-01\n---\n").fields == {"date": "2024-01-01"}


@pytest.mark.parametrize("name, field, expected", [
    ("a.fr.md", None, ("fr", "a", None)),
    ("a.md", "en", ("en", "a", None)),
    ("a.b.en.md", None, ("en", "a.b", None)),
])
def test_language_comes_from_the_suffix_or_the_field(name: str, field: str | None, expected: tuple) -> None:
    assert language_of(name, field) == expected


def test_language_missing_everywhere_is_explained() -> None:
    lang, _, error = language_of("a.md", None)
    assert lang is None and error and "a.fr.md" in error


def test_dates_are_formatted_per_language_with_cldr() -> None:
    assert format_date(date(2024, 11, 27), "fr_FR") == "27 novembre 2024"
    assert format_date(date(2024, 11, 27), "en_GB") == "27 November 2024"
    assert month_name(11, "fr_FR") == "Novembre"


@pytest.mark.parametrize("value, expected", [
    ("2024-11-27", "2024-11-27T00:00:00+01:00"),
    ("2024-07-01T09:30:00", "2024-07-01T09:30:00+02:00"),
    ("2024-07-01 09:30", "2024-07-01T09:30:00+02:00"),
    ("2024-07-01T09:30:00Z", "2024-07-01T09:30:00+00:00"),
    ("2024-07-01T09:30:00-04:00", "2024-07-01T09:30:00-04:00"),
])
def test_naive_dates_are_in_the_site_time_zone(tmp_path: Path, value: str, expected: str) -> None:
    parsed = parse(tmp_path, "content/articles/a.fr.md", article(date=value))
    assert parsed.date.isoformat() == expected


def test_url_follows_the_local_publication_month(tmp_path: Path) -> None:
    # 23:30 UTC on 31 October is already November in Paris.
    parsed = parse(tmp_path, "content/articles/a.fr.md", article(date="2024-10-31T23:30:00Z"))
    assert parsed.path == "fr/2024/11/a/"


def test_summary_defaults_to_the_first_paragraph_as_plain_text(tmp_path: Path) -> None:
    body = "## Titre\n\nUn *premier* [lien](/x/) &amp; `code`.\n\nSecond."
    parsed = parse(tmp_path, "content/articles/a.fr.md", article(body=body))
    assert parsed.summary == "Un premier lien & code." and not parsed.summary_given


def test_slugs_are_lower_case_ascii() -> None:
    assert make_slug("Défense européenne") == "defense-europeenne"
    assert make_slug("Apple") == make_slug("apple")
    assert make_slug("e\u0301te\u0301") == make_slug("\u00e9t\u00e9") == "ete"


def test_markdown_extensions_and_heading_ids() -> None:
    html = render_markdown("## Défense européenne\n\n| a |\n|---|\n| 1 |\n\n~~x~~ y[^1]\n\n[^1]: n").html
    assert '<h2 id="defense-europeenne">' in html
    assert "<table>" in html and "<s>x</s>" in html and 'class="footnotes"' in html


def test_root_relative_links_get_the_base_path() -> None:
    body = render_markdown("[a](/fr/x/) [b](https://ext/) [c](//cdn/x) ![i](/img.png)").html
    offsets, links = find_site_links(body)
    html = urls.under_base(body, offsets, "/archive/")
    assert 'href="/archive/fr/x/"' in html and 'src="/archive/img.png"' in html
    assert 'href="//cdn/x"' in html
    assert links == ("/fr/x/", "/img.png")


def test_translated_tags_share_one_tag_with_a_slug_per_language(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/tags.toml": '[defense]\nfr = "Défense"\nen = "Defence"\n'})
    config = load_config(tmp_path)
    fr = parse(tmp_path, "content/articles/a.fr.md", article(tags="[Défense]"))
    en = parse(tmp_path, "content/articles/b.en.md", article(tags="[Defence]", translation_key="a"))
    site = assemble([fr, en], config, load_tag_registry(config))
    (fr_tag,), (en_tag,) = site.tags["fr"], site.tags["en"]
    assert fr_tag.tag is en_tag.tag and fr_tag.tag.slugs == {"fr": "defense", "en": "defence"}
    assert site.by_lang["fr"][0].translations[0].path == en.path
    assert site.by_lang["fr"][0].tags[0].path == "fr/tags/defense/"


def test_unregistered_tag_takes_its_most_used_spelling(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    articles = [parse(tmp_path, f"content/articles/{i}.fr.md", article(tags=f"[{label}]"))
                for i, label in enumerate(["ukraine", "Ukraine", "Ukraine"])]
    site = assemble(articles, config, load_tag_registry(config))
    (page,) = site.tags["fr"]
    assert page.tag.labels["fr"] == "Ukraine" and len(page.articles) == 3


def test_drafts_and_future_articles_are_not_published(tmp_path: Path) -> None:
    draft = parse(tmp_path, "content/articles/a.fr.md", article(draft="true"))
    future = parse(tmp_path, "content/articles/b.fr.md", article(date="2030-01-01"))
    assert publishable([draft, future], drafts=False, now=NOW) == []
    assert publishable([draft, future], drafts=True, now=None) == [draft, future]


def test_newest_first_breaks_ties_by_source(tmp_path: Path) -> None:
    a, b, c = (parse(tmp_path, f"content/articles/{n}.fr.md", article(date=d))
               for n, d in (("b", "2024-01-01"), ("a", "2024-01-01"), ("c", "2024-02-01")))
    assert [x.source for x in newest_first([a, b, c])] == [
        "content/articles/c.fr.md", "content/articles/a.fr.md", "content/articles/b.fr.md"]


@pytest.mark.parametrize("path, safe", [
    ("fr/index.html", True), ("../x", False), ("/abs", False), ("fr/../../x", False),
    ("a\\b", False), ("", False), ("fr/./x", False),
])
def test_output_paths_stay_inside(path: str, safe: bool) -> None:
    assert urls.is_safe_output_path(path) is safe


def test_urls_are_decided_in_one_place() -> None:
    assert urls.article("fr", datetime(2024, 11, 27), "x") == "fr/2024/11/x/"
    assert urls.home("en", 2) == "en/page/2/"
    assert urls.tag("fr", "defense", 3) == "fr/tags/defense/page/3/"
    assert urls.output_file("fr/") == "fr/index.html" and urls.output_file("404.html") == "404.html"


def test_every_interface_string_exists_in_every_language() -> None:
    from site_builder.i18n import STRINGS, SUPPORTED_LANGUAGES

    keys = {lang: set(STRINGS[lang]) for lang in SUPPORTED_LANGUAGES}
    assert all(k == keys["fr"] for k in keys.values()), keys
    assert all(value.strip() for lang in SUPPORTED_LANGUAGES for value in STRINGS[lang].values())


def test_partials_are_compiled_into_the_templates_that_include_them() -> None:
    env = make_environment(ROOT)
    for name in ("base.html", "list.html", "year.html", "partials/header.html"):
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        assert "get_template('partials/" not in env.compile(source, name, raw=True), name
        assert "get_template('partials/" in env.exact().compile(source, name, raw=True), name  # type: ignore[attr-defined]


def test_inlined_partials_render_every_page_as_jinja_includes_them(tmp_path: Path) -> None:
    """The demo site and a theme of odd partials (a macro, a `set`, an include that never runs, one
    found only in a branch): each page's bytes, partials inlined, equal Jinja's own."""
    odd = {
        "templates/partials/footer.html": "{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(chrome.lang) }}\n"
                                          "{% if false %}{% include 'partials/none.html' %}{% endif %}\n",
        "templates/partials/card.html": "{% set title = card.title | upper %}<b>{{ title }}</b>\n",
        "templates/list.html": "{% extends 'base.html' %}{% block main %}{% set title = 'list' %}"
                               "{% for card in page.cards %}{% include 'partials/card.html' %}{% endfor %}"
                               "{{ title }}{% endblock %}\n",
    }
    projects = [ROOT, make_site(tmp_path, {"content/articles/2024/a.fr.md": article(), **odd})]
    for project in projects:
        options = BuildOptions(project=project, search=False, cache=False, jobs=1, now=NOW)
        site = load_site(options)[0]
        env = make_environment(project)
        pages = list(plans.pages(site))
        assert len(pages) > 5
        rendered = [render_page(env, page).data for page in pages]
        assert rendered == [render_page(env.exact(), page).data for page in pages]  # type: ignore[attr-defined]
    assert any(b"<b>UN TITRE</b>\nlist" in data and b"[fr]" in data for data in rendered)  # the odd theme ran


def test_interface_strings_are_compiled_into_lookups_and_calls_still_work(tmp_path: Path) -> None:
    env = make_environment(ROOT)
    source = env.loader.get_source(env, "article.html")[0]  # type: ignore[union-attr]
    call = "context.call((undefined(name='t')"
    assert call not in env.compile(source, "article.html", raw=True)
    assert call in env.exact().compile(source, "article.html", raw=True)  # type: ignore[attr-defined]
    footer = ('{{ t("by") }}|{{ t("articles_count_other", n=3) }}|{% set key = "by" %}{{ t(key) }}|'
              '{% for t in ["x"] %}{{ t }}{% endfor %}\n')
    project = make_site(tmp_path, {"content/articles/2024/a.fr.md": article(),
                                   "templates/partials/footer.html": footer})
    build_site(project)
    assert "\nPar|3 articles|Par|x</body>" in (project / "public/fr/index.html").read_text()


def test_unknown_interface_string_names_the_template_and_line(tmp_path: Path) -> None:
    project = make_site(tmp_path, {"content/articles/2024/a.fr.md": article(),
                                   "templates/partials/footer.html": "<footer>\n{{ t('no_such_string') }}</footer>\n"})
    with pytest.raises(SiteError, match=r"templates/partials/footer.html:2: there is no interface string `no_such_"):
        build_site(project)


def test_an_article_with_its_links_is_the_dataclass_replaced(tmp_path: Path) -> None:
    """`Article.with_links` (assemble's) gives what `dataclasses.replace` gives, hash included, and
    forgets what the unlinked article's cached properties remembered."""
    raw = parse(tmp_path, "content/articles/a.fr.md",
                "---\ntitle: Été\ndate: 2024-05-01\nupdated: 2024-06-01\ntags: [Europe]\n---\nCorps.\n")
    assert raw.modified == raw.updated and hash(raw)  # remembered: `modified` and `_hash`
    links = (Translation("en", "en/2024/05/a/", "Summer", True),), (TagLink("europe", "Europe", "fr/tags/europe/"),)
    linked, expected = raw.with_links(*links), dataclasses.replace(raw, translations=links[0], tags=links[1])
    assert vars(linked) == vars(expected) and "_hash" not in vars(linked) and "modified" not in vars(linked)
    assert linked == expected and hash(linked) == hash(expected) and linked != raw and type(linked) is Article
