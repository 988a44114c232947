"""The search index, without a browser: what `build` gives Pagefind and what Pagefind writes.

The browser tests (test_search_browser.py) show the search page working; these show the index
itself: one bundle per language, only article bodies, their metadata and filters, and failures."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pagefind_bin
import pytest
from click.testing import CliRunner

from site_builder import urls
from site_builder.cli import main
from site_builder.errors import BuildError
from site_builder.output import pagefind
from tests.helpers import article, build_site, fragments, make_site, tree_digest

TAGS = """
[defense]
fr = "Défense"
en = "Defence"
"""

SITE: dict[str, str | bytes] = {
    "content/tags.toml": TAGS,
    "content/articles/2024/11/troupes.fr.md": article(
        "Des troupes en Ukraine", date="2024-11-27", tags="[Défense, Brouillard]", translation_key="troupes",
        image="/images/troupes.jpg", image_alt="'Des soldats'",
        body="Les soldats partent.\n\n## Le calendrier\n\nEn janvier."),
    "content/articles/2024/11/troops.en.md": article(
        "Troops to Ukraine", date="2024-11-28T10:00:00+01:00", tags="[Defence]", translation_key="troupes",
        body="The soldiers leave."),
    "content/articles/2023/05/canicule.fr.md": article("Canicule", date="2023-05-02", body="Il fait chaud."),
}


def languages_of(bundle: Path) -> dict[str, int]:
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return {lang: index["page_count"] for lang, index in entry["languages"].items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("site"), SITE)
    build_site(root)
    return root / "public"


def test_each_language_has_its_own_bundle_holding_only_its_articles(built: Path) -> None:
    assert languages_of(built / "pagefind/fr") == {"fr": 2}
    assert languages_of(built / "pagefind/en") == {"en": 1}
    assert set(fragments(built / "pagefind/fr")) == {"/fr/2024/11/troupes/", "/fr/2023/05/canicule/"}
    assert set(fragments(built / "pagefind/en")) == {"/en/2024/11/troops/"}


def test_only_the_article_text_is_indexed(built: Path) -> None:
    content = fragments(built / "pagefind/fr")["/fr/2024/11/troupes/"]["content"]
    assert "Des troupes en Ukraine" in content and "Les soldats partent." in content
    # Not the interface around it, nor the translation's English title (it would pollute the French index).
    for outside in ("Troops to Ukraine", "Signaler une erreur", "Publié le", "Accueil", "Chercher"):
        assert outside not in content


def test_an_article_carries_its_metadata_filters_and_headings(built: Path) -> None:
    record = fragments(built / "pagefind/fr")["/fr/2024/11/troupes/"]
    assert record["meta"] == {
        "title": "Des troupes en Ukraine", "date": "27 novembre 2024", "datetime": "2024-11-27T00:00:00+01:00",
        "date_en": "27 November 2024",  # as the English search page writes it
        "image": "/images/troupes.jpg", "image_alt": "Des soldats", "lead_words": "4", "tail_words": "2",
    }
    assert record["filters"] == {
        "year": ["2024"],
        "story": ["key:troupes"],  # shared with the translation: a search of both languages lists it once
        "tag_fr": ["Défense", "Brouillard"],  # labels in French, for the French search page...
        "tag_en": ["Defence", "Brouillard"],  # ...and in English (an unregistered tag keeps its own label)
        "translation_en": ["/en/2024/11/troops/"],
        "translation_title_en": ["Troops to Ukraine"],
    }
    assert [(a["element"], a["id"]) for a in record["anchors"]] == [("h2", "le-calendrier")]


def test_the_article_text_lies_between_the_lead_and_the_topic_labels(built: Path) -> None:
    """Excerpts are cut from the article's text: `lead_words` words (headline, standfirst, byline)
    come before it in the indexed text, and `tail_words` words (its topics' labels) after it."""
    for bundle, url, text, topics in (
            ("fr", "/fr/2024/11/troupes/", "Les soldats partent.", ["Défense.", "Brouillard."]),
            ("en", "/en/2024/11/troops/", "The soldiers leave.", ["Defence."]),
            ("fr", "/fr/2023/05/canicule/", "Il fait chaud.", [])):
        record = fragments(built / f"pagefind/{bundle}")[url]
        words = re.split(r"[\r\n\s]+", record["content"])
        lead, tail = int(record["meta"]["lead_words"]), int(record["meta"]["tail_words"])
        assert words[lead:lead + len(text.split())] == text.split(), url
        assert words[len(words) - tail:] == topics, url


def test_the_sort_key_is_the_publication_time_in_utc(built: Path) -> None:
    fr_page = (built / "fr/2024/11/troupes/index.html").read_text()
    en_page = (built / "en/2024/11/troops/index.html").read_text()
    assert 'data-pagefind-body data-pagefind-sort="date:2024-11-26T23:00:00Z"' in fr_page
    assert 'data-pagefind-sort="date:2024-11-28T09:00:00Z"' in en_page


def test_no_other_page_is_a_result(built: Path) -> None:
    article_page = re.compile(r"^(fr|en)/\d{4}/\d{2}/[^/]+/index\.html$")
    pages = [p for p in built.rglob("*.html") if not article_page.match(p.relative_to(built).as_posix())]
    assert len(pages) > 10 and (built / "fr/2024/index.html") in pages
    assert all("data-pagefind-body" not in p.read_text() for p in pages)


def test_pagefind_is_given_exactly_the_pages_that_have_a_body_to_index(built: Path) -> None:
    """Only article pages are handed to Pagefind (less for it to read and hold): the glob must
    match each page with `data-pagefind-body`, and no other page."""
    for lang in ("fr", "en"):
        glob = urls.article_pages_glob(lang)
        for page in sorted(built.glob(f"{lang}/**/*.html")):
            rel = PurePosixPath(page.relative_to(built).as_posix())
            has_body = "data-pagefind-body" in page.read_text(encoding="utf-8")
            assert rel.match(glob) == has_body, rel


def test_every_page_has_a_labelled_search_box_that_goes_to_its_languages_search_page(built: Path) -> None:
    for html, lang in ((built / "fr/index.html", "fr"), (built / "en/2024/11/troops/index.html", "en")):
        text = html.read_text()
        assert f'<form class="search-form" role="search" action="/{lang}/search/" method="get">' in text
        assert '<label class="visually-hidden" for="site-search">' in text
        assert '<input id="site-search" type="search" name="q" required>' in text


def test_a_search_page_per_language_needs_javascript_and_says_so(built: Path) -> None:
    fr_page = (built / "fr/search/index.html").read_text()
    en_page = (built / "en/search/index.html").read_text()
    assert "<noscript>" in fr_page and "La recherche a besoin de JavaScript" in fr_page
    assert "Search needs JavaScript" in en_page
    settings = json.loads(fr_page.split('id="search-settings">')[1].split("</script>")[0])
    assert settings["bundles"] == {"fr": "/pagefind/fr/", "en": "/pagefind/en/"}
    assert 'src="/assets/search/search.js"' in fr_page and "pagefind-component-ui" not in fr_page
    assert "Chercher aussi en anglais" in fr_page and "Also search in French" in en_page
    assert "http" not in fr_page.split("<main", 1)[1].split("</main>")[0]  # no CDN: all from the site


def test_a_language_without_articles_gets_no_index_and_its_search_page_says_so(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article("Seul", body="Un mot.")})
    build_site(tmp_path)
    out = tmp_path / "public"
    assert languages_of(out / "pagefind/fr") == {"fr": 1}
    assert not (out / "pagefind/en").exists()
    assert "No articles to search yet." in (out / "en/search/index.html").read_text()
    assert "Chercher aussi en anglais" not in (out / "fr/search/index.html").read_text()


def test_no_search_builds_no_index(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    build_site(tmp_path, search=False)
    assert not (tmp_path / "public/pagefind").exists()
    assert (tmp_path / "public/fr/search/index.html").exists()


def test_the_command_line_has_no_search(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--no-search"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "public/pagefind").exists()
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert languages_of(tmp_path / "public/pagefind/fr") == {"fr": 1}


def fake_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Make the build run `script` (shell) instead of the Pagefind binary."""
    binary = tmp_path / "fake-pagefind"
    binary.write_text(f"#!/bin/sh\n{script}\n")
    binary.chmod(0o755)
    monkeypatch.setattr(pagefind_bin, "get_executable", lambda: binary)


def test_a_pagefind_failure_fails_the_build_with_its_message_and_keeps_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article()})
    build_site(tmp_path)
    before = tree_digest(tmp_path / "public")
    make_site(tmp_path, {"content/articles/b.fr.md": article("Autre")})
    fake_pagefind(tmp_path, monkeypatch, "echo 'Error: the disk said no' >&2; exit 1")
    with pytest.raises(BuildError) as caught:
        build_site(tmp_path)
    assert str(caught.value) == "search index: Pagefind failed indexing /fr/: Error: the disk said no"
    assert tree_digest(tmp_path / "public") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public")] == []


def test_an_index_that_pagefind_did_not_write_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(tmp_path / "project", {"content/articles/a.fr.md": article()})
    fake_pagefind(tmp_path, monkeypatch, "exit 0")  # says it did, writes nothing
    with pytest.raises(BuildError, match=r"^search index: Pagefind wrote no index for /fr/ \(no pagefind-entry.json "
                                         r"in .*/pagefind/fr\), though it reported no error: build again"):
        build_site(tmp_path / "project")
    assert not (tmp_path / "project/public").exists()


@pytest.mark.parametrize("name", ["pagefind.yml", "pagefind.yaml", "pagefind.toml", "pagefind.json", "PageFind.YML"])
def test_a_pagefind_settings_file_in_static_is_refused(tmp_path: Path, name: str) -> None:
    settings = {"yml": "logfile: ../../victim.txt\n", "yaml": "output_path: ../../elsewhere\n",
                "toml": 'logfile = "../../victim.txt"\n', "json": '{"output_path": "../../elsewhere"}\n'}
    project = make_site(tmp_path / "project", {"content/articles/a.fr.md": article(),
                                               f"static/{name}": settings[name.rsplit(".", 1)[1].lower()]})
    for indexed in (True, False):  # refused either way: the file never does what it seems to
        with pytest.raises(BuildError) as caught:
            build_site(project, search=indexed)
        assert str(caught.value) == (
            f"static/{name}: the search index is configured by site-builder, not by a Pagefind settings file "
            "(Pagefind never reads one from the project): remove this file; what is indexed is set by the "
            "templates' `data-pagefind-…` attributes")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert not (project / "public").exists()


def indexed_elsewhere(tmp_path: Path) -> Path:
    """A site built without search, to index; beside it `victim.txt`, holding the user's data."""
    make_site(tmp_path / "project", {"content/articles/a.fr.md": article()})
    build_site(tmp_path / "project", search=False)
    (tmp_path / "victim.txt").write_text("the user's data\n")
    return tmp_path / "project/public"


def test_pagefind_reads_no_settings_file_from_the_site_or_the_folder_the_build_runs_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever settings file lies at the site's root (where static/ would put it) or in the folder
    the build runs in, Pagefind writes only the bundle, where it was told."""
    site = indexed_elsewhere(tmp_path)
    settings = json.dumps({"logfile": str(tmp_path / "victim.txt"), "output_path": str(tmp_path / "elsewhere"),
                           "force_language": "en"})
    (site / "pagefind.yml").write_text(settings)
    (tmp_path / "pagefind.json").write_text(settings)
    monkeypatch.chdir(tmp_path)
    pagefind.index_site(site, ["fr"])
    assert languages_of(site / "pagefind/fr") == {"fr": 1}
    assert (tmp_path / "victim.txt").read_text() == "the user's data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pagefind.json", "project", "victim.txt"]


def test_pagefind_reads_no_settings_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = indexed_elsewhere(tmp_path)
    monkeypatch.setenv("PAGEFIND_LOGFILE", str(tmp_path / "victim.txt"))
    monkeypatch.setenv("PAGEFIND_OUTPUT_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "en")
    pagefind.index_site(site, ["fr"])
    assert languages_of(site / "pagefind/fr") == {"fr": 1}
    assert (tmp_path / "victim.txt").read_text() == "the user's data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "victim.txt"]


def test_a_static_file_where_the_index_goes_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article(), "static/pagefind/fr/pagefind.js": "x"})
    with pytest.raises(BuildError, match=r"static/pagefind/fr/pagefind.js: writes pagefind/fr/pagefind.js, "
                                         r"inside the search index folder /pagefind/"):
        build_site(tmp_path)
    build_site(tmp_path, search=False)  # without an index the folder is the project's to use


def test_pagefind_reads_the_texts_apostrophes_as_ascii_and_the_attributes_as_they_are() -> None:
    from site_builder.output.pagefind import as_pagefind_reads
    page = ('<h1>L’usine d’Arques</h1><data value="L’usine d’Arques" data-pagefind-meta="title[value]"></data>'
            '<p title="l’été">de l’<em>hydrogène</em></p>').encode()
    assert as_pagefind_reads(page).decode() == (
        "<h1>L'usine d'Arques</h1><data value=\"L’usine d’Arques\" data-pagefind-meta=\"title[value]\"></data>"
        "<p title=\"l’été\">de l'<em>hydrogène</em></p>")
    assert as_pagefind_reads(b"<p>no apostrophe</p>") == b"<p>no apostrophe</p>"


def test_pagefind_is_given_the_article_alone_in_its_html_lang() -> None:
    from site_builder.output.pagefind import as_pagefind_reads
    page = ('<!doctype html><html lang="fr" dir="ltr"><head><title>L’usine</title></head><body><nav>Menu</nav>'
            '<article class="a" data-pagefind-body><h1>L’usine</h1><article><p>cité</p></article>'
            '<data value="x" data-pagefind-filter="year[value]"></data></article><footer>Pied</footer></body></html>')
    assert as_pagefind_reads(page.encode()).decode() == (
        '<!doctype html><html lang="fr" dir="ltr"><head><meta charset="utf-8"></head><body>'
        '<article class="a" data-pagefind-body><h1>L\'usine</h1><article><p>cité</p></article>'
        '<data value="x" data-pagefind-filter="year[value]"></data></article></body></html>')


def test_the_mirror_for_pagefind_is_made_in_memory_unless_tmpdir_says_where(monkeypatch: pytest.MonkeyPatch) -> None:
    from site_builder.output import pagefind
    monkeypatch.setenv("TMPDIR", "/somewhere")
    assert pagefind.scratch_folder() is None  # tempfile's choice: TMPDIR
    monkeypatch.delenv("TMPDIR")
    monkeypatch.setattr(pagefind, "SCRATCH", "/no/such/folder")
    assert pagefind.scratch_folder() is None
    monkeypatch.setattr(pagefind, "SCRATCH", "/")
    monkeypatch.setattr(pagefind, "SCRATCH_FREE", 1 << 62)  # more than any disk has free
    assert pagefind.scratch_folder() is None
    monkeypatch.setattr(pagefind, "SCRATCH_FREE", 0)
    assert pagefind.scratch_folder() == "/"
