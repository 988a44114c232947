"""`import hugo`: the two Hugo fixtures (`tests/fixtures/hugo/`: one with `name.<lang>.md` side by
side, TOML config and permalinks; one with a content folder per language, config/_default/ in
YAML) imported into one project, then built at the root and under a sub-path and crawled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.errors import ConfigError
from site_builder.importing.hugo import ImportRequest, import_hugo
from site_builder.importing.mapping import parse_hugo_date
from site_builder.importing.report import ImportReport
from tests.helpers import build_site, tree_digest
from tests.site_checks import local_file, page_url, parse_page, resolve

FIXTURES = Path(__file__).parent / "fixtures" / "hugo"
SUB_PATH = "https://user.github.io/archive/"
ARTICLES = {
    "fr/2024/03/sommet-bruxelles/": "en/2024/03/brussels-summit/",
    "fr/2024/04/voyage/": "en/2024/04/voyage/",
    "fr/2024/06/elections/": "en/2024/06/election/",
    "fr/2024/07/budget/": "en/2024/07/budget/",
    "en/2024/05/video/": None,
}
"""Every published article's page → its translation's (the draft is not published)."""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport, ImportReport]:
    project = tmp_path_factory.mktemp("import") / "project"
    by_name = import_hugo(ImportRequest(FIXTURES / "by-name", project))
    by_folder = import_hugo(ImportRequest(FIXTURES / "by-folder", project, merge=True))
    return project, by_name, by_folder


def article_text(project: Path, rel: str) -> str:
    return (project / "content" / "articles" / rel).read_text(encoding="utf-8")


def test_the_report_counts_what_was_imported_and_names_what_was_not(
        imported: tuple[Path, ImportReport, ImportReport]) -> None:
    _, by_name, by_folder = imported
    assert dict(by_name.articles) == {"fr": 3, "en": 3}
    assert dict(by_folder.articles) == {"fr": 2, "en": 2}
    assert (by_name.pairs, by_folder.pairs) == (2, 2)
    assert dict(by_name.shortcodes) == {"figure": 4, "ref": 2, "relref": 1, "youtube": 1, "vimeo": 1, "highlight": 1}
    assert by_name.bundle_files == 2 and by_name.static_files == 1
    assert by_name.site_toml and not by_folder.site_toml
    text = by_name.text()
    assert "Translations linked: 2 pairs" in text
    assert "Categories merged into tags: in 2 articles" in text
    assert ("content/posts/voyage/index.en.md:10: the shortcode `{{< tableau id=\"budget\" >}}` was left as it is"
            in text)
    assert "content/_index.md: not imported: a section's list page" in text
    assert "content/posts/voyage/notes.txt: a file of the page bundle that no article of it names" in text


def test_front_matter_becomes_ours(imported: tuple[Path, ImportReport, ImportReport]) -> None:
    project, _, _ = imported
    summit = article_text(project, "2024/03/sommet-bruxelles.fr.md")
    assert 'tags: ["Europe", "Diplomatie", "International"]' in summit  # categories merged, once each
    assert 'summary: "Les dirigeants européens se réunissent pour deux jours."' in summit  # description
    assert "updated: 2024-03-06" in summit and "weight" not in summit
    assert 'translation_key: "posts/sommet"' in article_text(project, "2024/03/brussels-summit.en.md")
    assert 'translation_key: "vote-2024"' in article_text(project, "2024/06/elections.fr.md")
    assert "draft: true" in article_text(project, "2024/05/brouillon.fr.md")
    assert 'tags: ["Europe", "2024"]' in article_text(project, "2024/05/video.en.md")  # a number, as text


@pytest.mark.parametrize(("value", "written"), [
    ("2024-03-05T09:30:00+01:00", "2024-03-05T09:30:00+01:00"),
    ("2024-03-05T09:30:00Z", "2024-03-05T09:30:00+00:00"),
    ("2024-03-05 09:30:00 +0100", "2024-03-05T09:30:00+01:00"),
    ("2024-03-05 09:30:00", "2024-03-05T09:30:00+00:00"),  # no offset: Hugo's time zone (UTC here)
    ("2024-03-05", "2024-03-05"),
    ("Tue, 05 Mar 2024 09:30:00 +0100", "2024-03-05T09:30:00+01:00"),
    ("Tue, 05 Mar 2024 09:30:00 GMT", "2024-03-05T09:30:00+00:00"),
    ("March 5, 2024", "2024-03-05"),
    ("05 Mar 2024", "2024-03-05"),
    ("5 March 2024", "2024-03-05"),
])
def test_every_date_form_hugo_reads(value: str, written: str) -> None:
    from datetime import UTC
    assert parse_hugo_date(value, UTC).isoformat() == written  # type: ignore[union-attr]


def test_the_old_addresses_become_aliases(imported: tuple[Path, ImportReport, ImportReport]) -> None:
    project, _, _ = imported
    summit = article_text(project, "2024/03/sommet-bruxelles.fr.md")
    for alias in ("/2019/05/vieux-sommet/", "/posts/ancien-sommet", "/2024/03/sommet-bruxelles/"):
        assert f'  - "{alias}"' in summit  # its own aliases, the relative one resolved, and its Hugo page
    budget = article_text(project, "2024/07/budget.en.md")
    assert '  - "/old/budget.html"' in budget and '  - "/en/news/budget/"' in budget


def test_a_project_with_articles_is_refused_unless_merging(
        imported: tuple[Path, ImportReport, ImportReport]) -> None:
    project, _, _ = imported
    with pytest.raises(ConfigError, match=r"has 10 article\(s\) already: import into a new folder, or pass --merge"):
        import_hugo(ImportRequest(FIXTURES / "by-name", project))


def test_importing_again_overwrites_nothing(imported: tuple[Path, ImportReport, ImportReport], tmp_path: Path) -> None:
    project = tmp_path / "again"
    shutil.copytree(imported[0], project)
    (project / "content/articles/2024/07/budget.fr.md").write_text("edited by hand\n", encoding="utf-8")
    before = tree_digest(project)
    again = import_hugo(ImportRequest(FIXTURES / "by-folder", project, merge=True))
    assert tree_digest(project) == before
    assert sum(again.articles.values()) == 0
    assert "content/articles/2024/07/budget.fr.md" in again.kept
    # What it left alone is not counted as done this time, nor its shortcodes' notes said again.
    assert (again.pairs, sum(again.shortcodes.values()), again.categories, again.aliases) == (0, 0, 0, 0)
    assert not any("shortcode" in message for _, _, message in again.notes)


def test_a_file_left_as_it_was_is_named_from_the_project(tmp_path: Path) -> None:
    project = tmp_path / "p"
    import_hugo(ImportRequest(FIXTURES / "by-name", project))
    mine = next(p for p in (project / "static").rglob("*") if p.is_file())
    mine.write_bytes(b"edited by hand")
    again = import_hugo(ImportRequest(FIXTURES / "by-name", project, merge=True))
    assert mine.relative_to(project).as_posix() in again.kept  # as the articles are: from the project
    assert mine.read_bytes() == b"edited by hand"


def test_an_article_that_cannot_be_read_fails_the_command_and_says_how_to_bring_it_in(tmp_path: Path) -> None:
    source = tmp_path / "hugo"
    shutil.copytree(FIXTURES / "by-folder", source)
    broken = next(p for p in sorted((source / "content").rglob("*.md")) if not p.name.startswith("_"))
    text = broken.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"(?m)^title: .*$", "title: Covid : la France reconfine", text, count=1),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "hugo", str(source), str(tmp_path / "p")])
    assert result.exit_code == 1, result.output
    rel = broken.relative_to(source).as_posix()
    assert re.search(rf"{re.escape(rel)}:\d+: not imported: its front matter cannot be read: .*must be in quotes",
                     result.output)
    assert "1 article(s) could not be read, so were not imported (listed above): correct them in the Hugo " \
           "site, then run the same command with --merge" in result.output
    assert "Imported 3 articles" in result.output  # the others are there


def test_the_command_prints_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "hugo", str(FIXTURES / "by-folder"), str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert "Imported 4 articles" in result.output and "(2 en, 2 fr)" in result.output


@pytest.mark.parametrize("base_url", [None, SUB_PATH])
def test_the_imported_site_builds_and_every_link_works(imported: tuple[Path, ImportReport, ImportReport],
                                                       tmp_path: Path, base_url: str | None) -> None:
    project = tmp_path / "project"
    shutil.copytree(imported[0], project)
    out = tmp_path / "public"
    result = build_site(project, output=out, base_url=base_url, search=False)
    base = base_url or "https://example.org/"  # the Hugo site's baseURL, in the site.toml written
    base_path = re.sub(r"^https?://[^/]+", "", base)
    assert result.articles == {"fr": 4, "en": 5}
    pages = {path: (out / path / "index.html").read_text(encoding="utf-8") for path in ARTICLES}
    pages.update({other: (out / other / "index.html").read_text(encoding="utf-8")
                  for other in ARTICLES.values() if other})
    assert not (out / "fr/2024/05/brouillon").exists()  # the draft
    for path, other in ARTICLES.items():  # pairs linked, both ways
        if other:
            assert f'hreflang="en" href="{base}{other}"' in pages[path]
            assert f'hreflang="fr" href="{base}{path}"' in pages[other]
    trip = pages["fr/2024/04/voyage/"]
    assert re.search(r'<figure>\s*<p><img src="photo.png" alt="Une route"( /)?></p>\s*'
                     r"<figcaption>La route de Kyiv — Photo\u00a0: la rédaction</figcaption>\s*</figure>", trip), trip
    assert (out / "fr/2024/04/voyage/photo.png").is_file() and (out / "en/2024/04/voyage/photo.png").is_file()
    summit = pages["fr/2024/03/sommet-bruxelles/"]
    assert f"<img src=\"{base_path}images/carte.png\" alt=\"Carte de l'Europe\"" in summit
    assert "<figcaption>Les pays membres</figcaption>" in summit
    assert f'href="{base_path}fr/2024/04/voyage/"' in summit  # a `ref`
    assert "<code>{{&lt; figure src=\"x\" &gt;}}</code>" in summit  # code is left as it is
    assert 'href="https://www.youtube.com/watch?v=w7Ft2ymGmfc"' in summit
    assert redirects(project, out, base) == 12
    assert dead_links(out, base) == []


def redirects(project: Path, out: Path, base: str) -> int:
    """Check every alias of every article: a page that sends readers on to it; return how many."""
    base_path = re.sub(r"^https?://[^/]+", "", base)
    count = 0
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for file in sorted((project / "content" / "articles").rglob("*.md")):
        text = file.read_text(encoding="utf-8")
        if "draft: true" in text:
            continue
        page = next(path for path in [*ARTICLES, *filter(None, ARTICLES.values())]
                    if path.startswith(file.name.rsplit(".", 2)[1]) and f"/{file.parent.parent.name}/"
                    f"{file.parent.name}/{file.name.split('.')[0]}/" in f"/{path}")
        for alias in re.findall(r'^  - "(/[^"]*)"$', text, re.MULTILINE):
            rel = alias.lstrip("/")
            target = out / (rel if rel.endswith(".html") else rel.rstrip("/") + "/index.html")
            html = target.read_text(encoding="utf-8")
            assert f'<meta http-equiv="refresh" content="0; url={base_path}{page}">' in html
            assert f'<link rel="canonical" href="{base}{page}">' in html
            assert '<meta name="robots" content="noindex">' in html and "<script" not in html
            assert f"{base}{rel}" not in sitemap
            count += 1
    return count


def dead_links(out: Path, base: str) -> list[str]:
    """Every link, image and refresh of every page that names a file the site does not have."""
    dead = []
    for file in sorted(out.rglob("*.html")):
        url = page_url(file, out, base)
        for ref in parse_page(file.read_text(encoding="utf-8")).refs:
            target = local_file(resolve(url, ref.url), base, out)
            if target is not None and target.relative_to(out).parts[0] == "pagefind":
                continue  # (built without the search index, which test_search covers)
            if target is not None and not target.is_file() and not (target / "index.html").is_file():
                dead.append(f"{file.relative_to(out)}: {ref.url}")
    return dead


def test_redirect_pages_are_not_searched_nor_in_feeds(imported: tuple[Path, ImportReport, ImportReport],
                                                     tmp_path: Path) -> None:
    from tests.helpers import fragments
    project = tmp_path / "project"
    shutil.copytree(imported[0], project)
    out = tmp_path / "public"
    build_site(project, output=out)
    # `/en/2024/04/a-journey-to-ukraine/` (Hugo's address of the trip) is where article pages are
    assert (out / "en/2024/04/a-journey-to-ukraine/index.html").is_file()
    assert sorted(fragments(out / "pagefind" / "en")) == [
        "/en/2024/03/brussels-summit/", "/en/2024/04/voyage/", "/en/2024/05/video/", "/en/2024/06/election/",
        "/en/2024/07/budget/"]
    feeds = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.xml"))
    assert "a-journey-to-ukraine" not in feeds and "old-summit" not in feeds


def test_shortcodes_named_positional_and_closing() -> None:
    from site_builder.importing.convert import convert_body, params
    assert params('src="a b.jpg" alt=`x "y"` 42 last') == {"src": "a b.jpg", "alt": 'x "y"', 0: "42", 1: "last"}
    body = ('{{< figure src="a.jpg" caption="a > b" >}}\n\n{{% youtube id="abc" %}}\n\n'
            '{{< highlight go >}}\nx := "{{< y >}}"\n{{< /highlight >}}\n\n`{{< figure src="no" >}}`\n\n'
            '{{< details summary="x" >}}\ntext\n{{< /details >}}\n\n{{< ref "missing" >}}\n')
    done = convert_body(body, "fr", lambda target, lang: None)
    assert dict(done.converted) == {"figure": 1, "youtube": 1, "highlight": 1}
    assert "<figcaption>a &gt; b</figcaption>" in done.body and "![a > b](<a.jpg>)" not in done.body
    assert "[Vidéo YouTube](https://www.youtube.com/watch?v=abc)" in done.body
    assert '```go\nx := "{{< y >}}"\n```' in done.body
    assert '`{{< figure src="no" >}}`' in done.body  # in code: left alone, and not listed
    assert done.left == [(10, 'the shortcode `{{< details summary="x" >}}` was left as it is: convert it by hand'),
                         (14, 'the shortcode `{{< ref "missing" >}}` names no imported article: link it by hand')]


@pytest.mark.parametrize(("shortcode", "link"), [
    ('{{< tweet user="jack" id="20" >}}', "https://x.com/jack/status/20"),
    ("{{< x jack 20 >}}", "https://x.com/jack/status/20"),
    ("{{< tweet 877500564405444608 >}}", "https://x.com/i/status/877500564405444608"),  # Hugo's older form
    ("{{< gist spf13 7896402 >}}", "https://gist.github.com/spf13/7896402"),
    ("{{< tweet jack >}}", None),  # no post number: nothing to link to
    ("{{< gist 7896402 >}}", None),  # a gist's address needs its user
])
def test_posts_and_gists_become_links_only_when_their_address_is_whole(shortcode: str, link: str | None) -> None:
    from site_builder.importing.convert import convert_body
    done = convert_body(f"Avant.\n\n{shortcode}\n", "fr", lambda target, lang: None)
    if link is None:
        assert done.body == f"Avant.\n\n{shortcode}\n" and not done.converted
        assert done.left == [(2, f"the shortcode `{shortcode}` was left as it is: convert it by hand")]
    else:
        assert f"]({link})" in done.body and done.left == []


def test_a_site_in_no_language_of_ours_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "hugo"
    (source / "content").mkdir(parents=True)
    (source / "hugo.toml").write_text('defaultContentLanguage = "de"\n[languages.de]\ntitle = "Blog"\n')
    with pytest.raises(ConfigError, match=r"the site's languages \(de\) are none of those site-builder has"):
        import_hugo(ImportRequest(source, tmp_path / "project"))
