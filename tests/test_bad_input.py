"""Bad input fails the whole build, reported as `path:line: message`, and the previous output is untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder.content.files import Source, read_file_source, read_source, read_unseen_source
from site_builder.content.front_matter import FrontMatterError, decode
from site_builder.errors import SiteError
from tests.helpers import article, build_site, make_site, tree_digest

A = "content/articles/2024/a.fr.md"

# Each bad article of issue 2 (bad YAML, missing title, impossible date, …) is a case of the corpus in
# tests/fixtures/bad/, built by tests/test_bad_corpus.py; the tests here are about whole builds.


def test_every_bad_file_is_reported_in_one_run(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/a.fr.md": "---\ndate: 2024-01-01\n---\n",
        "content/articles/b.fr.md": "---\ntitle: B\ndate: 2024-13-01\n---\n",
        "content/articles/c.fr.md": article("Fine"),
    })
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert [p.path for p in caught.value.problems] == ["content/articles/a.fr.md", "content/articles/b.fr.md"]


def test_lang_field_alone_decides_the_language(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.md": article(lang="en")})
    build_site(tmp_path)
    assert (tmp_path / "public/en/2024/11/a/index.html").exists()


def test_bom_and_crlf_simply_work(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: Avec BOM\r\ndate: 2024-11-27\r\n---\r\n\r\nCorps.\r\n"
    make_site(tmp_path, {A: text.encode("utf-8")})
    build_site(tmp_path)
    html = (tmp_path / "public/fr/2024/11/a/index.html").read_text()
    assert "<h1 class=\"article__title\">Avec BOM</h1>" in html and "<p>Corps.</p>" in html


@pytest.mark.parametrize("slug", ["'../../x'", "/abs", "'..\\x'", "'%2e%2e%2f'"])
def test_slugs_never_write_outside_the_output(tmp_path: Path, slug: str) -> None:
    make_site(tmp_path, {A: article(slug=slug)})
    build_site(tmp_path)
    written = [p.resolve() for p in (tmp_path / "public").rglob("*")]
    assert all(p.is_relative_to((tmp_path / "public").resolve()) for p in written)
    assert not (tmp_path / "x").exists()


def test_drafts_stay_out_unless_asked_for(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article("Brouillon", draft="true")})
    build_site(tmp_path)
    assert not (tmp_path / "public/fr/2024/11/a").exists()
    build_site(tmp_path, drafts=True)
    assert (tmp_path / "public/fr/2024/11/a/index.html").exists()


def test_failed_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article("Bon")})
    build_site(tmp_path)
    before = tree_digest(tmp_path / "public")
    published = (tmp_path / "published.txt").read_bytes()  # what the good build published
    make_site(tmp_path, {"content/articles/b.fr.md": "---\ntitle: [\n---\n"})
    with pytest.raises(SiteError):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert (tmp_path / "published.txt").read_bytes() == published
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-builder-cache", "content", "public", "published.txt"]


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'base_url = "https://x.example/"\npage_sise = 3\n', A: article()})
    with pytest.raises(SiteError, match=r"site.toml:2: unknown key `page_sise` \(did you mean `page_size`\?\)"):
        build_site(tmp_path)


def test_bad_feedback_target_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'feedback_url = "javascript:alert(1)"\n', A: article()})
    with pytest.raises(SiteError, match=r"site.toml:1: `feedback_url` must start with `mailto:` or `https://`"):
        build_site(tmp_path)


@pytest.mark.parametrize(("template", "text", "line"), [
    ("article.html", "{{ page.no_such_field }}", 1),  # the page's own template
    ("partials/footer.html", "<footer>\n{{ chrome.no_such_field }}</footer>\n", 2),  # included by base.html
    ("partials/card.html", "<p>\n\n{{ card.no_such_field }}</p>\n", 3),  # included in a loop, in a block
    ("partials/search_form.html", "<form>\n{{ chrome.no_such_field }}</form>\n", 2),  # included by a partial
])
def test_template_error_names_the_template_or_partial_and_its_line(tmp_path: Path, template: str, text: str,
                                                                    line: int) -> None:
    make_site(tmp_path, {A: article(), f"templates/{template}": text})
    with pytest.raises(SiteError, match=rf"templates/{template}:{line}: .*no_such_field"):
        build_site(tmp_path)


def test_template_syntax_error_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(), "templates/partials/footer.html": "<footer>\n{% if %}</footer>\n"})
    with pytest.raises(SiteError, match=r"templates/partials/footer.html:2: "):
        build_site(tmp_path)


@pytest.mark.parametrize("output", [".", "..", "project", "content", "content/articles", "static", "link-to-project"])
def test_output_folder_that_would_delete_sources_is_refused_before_anything_is_touched(tmp_path: Path,
                                                                                    output: str) -> None:
    project = make_site(tmp_path / "project", {A: article(), "static/logo.svg": "<svg/>"})
    build_site(project)  # a previous output, which must survive too
    (tmp_path / "neighbour.txt").write_text("not mine")
    (tmp_path / "link-to-project").symlink_to(project)
    targets = {"..": tmp_path, "project": project, "link-to-project": tmp_path / "link-to-project"}
    before = tree_digest(tmp_path)
    with pytest.raises(SiteError, match="the output folder .* (is the project folder or holds it|is inside)"):
        build_site(project, output=targets.get(output, project / output))
    assert tree_digest(tmp_path) == before
    assert not [p for p in tmp_path.rglob(".*") if p.name.startswith((".public.", ".project.", ".content."))]


def test_output_folder_that_is_not_a_previous_build_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"project/" + A: article(), "documents/letter.txt": "Dear…"})
    with pytest.raises(SiteError, match=r"the output folder .*documents holds files that site-builder did not write"):
        build_site(tmp_path / "project", output=tmp_path / "documents")
    assert (tmp_path / "documents/letter.txt").read_text() == "Dear…"


def test_empty_or_previous_output_folder_is_used(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article()})
    (tmp_path / "public").mkdir()
    build_site(tmp_path)
    (tmp_path / "public/stale.html").write_text("old")
    build_site(tmp_path)
    assert (tmp_path / "public/fr/2024/11/a/index.html").exists()
    assert not (tmp_path / "public/stale.html").exists()


CONTROL_CHARACTERS = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS)
def test_every_control_character_is_refused_where_it_is(char: str) -> None:
    """The bytes are looked at first (`content._may_hold_control_characters`); the text then says where."""
    text = f"---\ntitle: Été\n---\nPremière ligne\nl'été {char} là\n"
    with pytest.raises(FrontMatterError) as caught:
        decode(Source("a.fr.md", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()))
    assert caught.value.line == 5 and f"U+{ord(char):04X} at column 7" in str(caught.value)


def test_text_near_control_characters_is_accepted() -> None:
    """Tabs, line ends, and the characters whose UTF-8 bytes start as U+FFFE's (U+F000–U+FFFD) pass."""
    text = "---\ntitle: x\n---\n\tÉté\r\n\ufffd \uf000 \ufeff ok\r"
    assert decode(Source("a.fr.md", text.encode())) == text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("told", [0, 1, 99_999, 100_000, 100_001, 3_000_000])
def test_a_file_is_read_whole_whatever_size_it_was_said_to_have(tmp_path: Path, told: int) -> None:
    """`read_file_source` reads the size its caller saw in one call: a file that grew or shrank since
    is still read whole; a folder in its place is reported unreadable."""
    data = bytes(range(256)) * 400 + b"end"  # 102,403 bytes: more than one read of 64 KiB
    (tmp_path / "a.md").write_bytes(data)
    source, problem = read_file_source("a.md", str(tmp_path / "a.md"), told, None)
    assert problem is None and source is not None and source.data == data
    (tmp_path / "d.md").mkdir()
    source, problem = read_file_source("d.md", str(tmp_path / "d.md"), told, None)
    assert source is None and problem is not None and "cannot be read" in problem.message


def test_a_first_builds_worker_reads_and_stats_each_file_as_the_parent_would(tmp_path: Path) -> None:
    """`read_unseen_source` (nothing looked at the file before): a plain file with its own stat, a link
    inside the project with its target's, a link out of it refused, a folder or a file too large
    reported; the same problems as `read_source`."""
    root, outside = tmp_path / "project", tmp_path / "elsewhere.md"
    (root / "content").mkdir(parents=True)
    (root / "content" / "a.md").write_bytes(b"plain")
    (root / "content" / "in.md").symlink_to(root / "content" / "a.md")
    outside.write_bytes(b"outside")
    (root / "content" / "out.md").symlink_to(outside)
    (root / "content" / "dir.md").mkdir()
    (root / "content" / "big.md").write_bytes(b"x" * 101)

    def read(name: str, limit: int | None = None):  # type: ignore[no-untyped-def]
        path = root / "content" / name
        unseen = read_unseen_source(root, f"content/{name}", str(path), limit)
        seen = read_source(root, path, limit)
        assert unseen[:2] == seen or (unseen[0] is None and seen[0] is None and str(unseen[1]) == str(seen[1]))
        return unseen

    source, problem, stat = read("a.md")
    assert source is not None and source.data == b"plain" and problem is None
    assert stat is not None and stat.st_ino == os.stat(root / "content" / "a.md").st_ino
    source, problem, stat = read("in.md")
    assert source is not None and source.data == b"plain" and stat is not None
    assert stat.st_ino == os.stat(root / "content" / "a.md").st_ino
    source, problem, stat = read("out.md")
    assert source is None and stat is None and problem is not None and "outside the project" in problem.message
    source, problem, stat = read("dir.md")
    assert source is None and problem is not None and "cannot be read" in problem.message
    source, problem, stat = read("big.md", 100)
    assert source is None and problem is not None and "over the limit of 100 bytes" in problem.message
