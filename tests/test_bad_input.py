"""Every bad input of issue 2 is reported as `path:line: message`, and the previous output is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.errors import SiteError
from tests.helpers import article, build_site, make_site, tree_digest

A = "content/articles/2024/a.fr.md"

CASES = {
    "bad_yaml": ("---\ntitle: [unclosed\ndate: 2024-01-01\n---\nx\n", 3, "invalid YAML"),
    "missing_title": ("---\ndate: 2024-01-01\n---\nx\n", 1, "`title` is missing"),
    "blank_title": ("---\ntitle: '  '\ndate: 2024-01-01\n---\nx\n", 2, "`title` is empty"),
    "impossible_date": ("---\ntitle: T\ndate: 2024-02-30\n---\nx\n", 3, "not a real date"),
    "not_a_date": ("---\ntitle: T\ndate: tuesday\n---\nx\n", 3, "not a date"),
    "unterminated": ("---\ntitle: T\ndate: 2024-01-01\nbody without end\n", 1, "never closed"),
    "not_a_mapping": ("---\n- a\n- b\n---\nx\n", 2, "must be a mapping"),
    "unknown_key": ("---\ntittle: T\ntitle: T\ndate: 2024-01-01\n---\nx\n", 2, "did you mean `title`?"),
    "updated_before_date": ("---\ntitle: T\ndate: 2024-01-02\nupdated: 2024-01-01\n---\nx\n", 4, "before `date`"),
    "no_front_matter": ("Just text\n", 1, "no front matter"),
    "duplicate_key": ("---\ntitle: T\ntitle: U\ndate: 2024-01-01\n---\nx\n", 3, "duplicate key `title`"),
    "title_not_text": ("---\ntitle: 2024\ndate: 2024-01-01\n---\nx\n", 2, "must be text"),
    "draft_as_string": ("---\ntitle: T\ndate: 2024-01-01\ndraft: \"false\"\n---\nx\n", 4, "true or false"),
    "tags_as_string": ("---\ntitle: T\ndate: 2024-01-01\ntags: news\n---\nx\n", 4, "must be a list"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_front_matter_names_the_file_and_line(tmp_path: Path, name: str) -> None:
    text, line, fragment = CASES[name]
    make_site(tmp_path, {A: text})
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{A}:{line}: ") and fragment in m for m in messages), messages


def test_every_bad_file_is_reported_in_one_run(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/a.fr.md": "---\ndate: 2024-01-01\n---\n",
        "content/articles/b.fr.md": "---\ntitle: B\ndate: 2024-13-01\n---\n",
        "content/articles/c.fr.md": article("Fine"),
    })
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert [p.path for p in caught.value.problems] == ["content/articles/a.fr.md", "content/articles/b.fr.md"]


def test_unknown_language_names_the_file(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.de.md": article()})
    with pytest.raises(SiteError, match=r"content/articles/a.de.md:1: unknown language `de`"):
        build_site(tmp_path)


def test_language_suffix_and_lang_field_disagreeing_is_an_error(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(lang="en")})
    with pytest.raises(SiteError, match=r"a.fr.md:4: the file name says `fr` but `lang` says `en`"):
        build_site(tmp_path)


def test_lang_field_alone_decides_the_language(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.md": article(lang="en")})
    build_site(tmp_path)
    assert (tmp_path / "public/en/2024/11/a/index.html").exists()


def test_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    make_site(tmp_path, {A: "---\ntitle: Caf\xe9\ndate: 2024-01-01\n---\n".encode("latin-1")})
    with pytest.raises(SiteError, match=r"a.fr.md:2: not valid UTF-8 at byte 14"):
        build_site(tmp_path)


def test_bom_and_crlf_simply_work(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: Avec BOM\r\ndate: 2024-11-27\r\n---\r\n\r\nCorps.\r\n"
    make_site(tmp_path, {A: text.encode("utf-8")})
    build_site(tmp_path)
    html = (tmp_path / "public/fr/2024/11/a/index.html").read_text()
    assert "<h1 class=\"article__title\">Avec BOM</h1>" in html and "<p>Corps.</p>" in html


def test_two_articles_on_one_url_name_both_files(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/x/a.fr.md": article(slug="meme"),
        "content/articles/y/b.fr.md": article(slug="meme"),
    })
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    message = str(caught.value)
    assert "content/articles/y/b.fr.md:4: clashes with content/articles/x/a.fr.md" in message
    assert "/fr/2024/11/meme/" in message


def test_two_versions_in_one_language_name_both_files(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/a.fr.md": article(slug="a"),
        "content/articles/b.fr.md": article(slug="b", translation_key="a"),
    })
    with pytest.raises(SiteError, match=r"b.fr.md:5: clashes with content/articles/a.fr.md"):
        build_site(tmp_path)


@pytest.mark.parametrize("slug", ["'../../x'", "/abs", "'..\\x'", "'%2e%2e%2f'"])
def test_slugs_never_write_outside_the_output(tmp_path: Path, slug: str) -> None:
    make_site(tmp_path, {A: article(slug=slug)})
    build_site(tmp_path)
    written = [p.resolve() for p in (tmp_path / "public").rglob("*")]
    assert all(p.is_relative_to((tmp_path / "public").resolve()) for p in written)
    assert not (tmp_path / "x").exists()


def test_slug_that_is_empty_after_slugifying_is_an_error(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(slug="'???'")})
    with pytest.raises(SiteError, match=r"a.fr.md:4: the slug made from `\?\?\?` is empty"):
        build_site(tmp_path)


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
    make_site(tmp_path, {"content/articles/b.fr.md": "---\ntitle: [\n---\n"})
    with pytest.raises(SiteError):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "public"]


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'base_url = "https://x.example/"\npage_sise = 3\n', A: article()})
    with pytest.raises(SiteError, match=r"site.toml:2: unknown key `page_sise` \(did you mean `page_size`\?\)"):
        build_site(tmp_path)


def test_bad_feedback_target_is_refused(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": 'feedback_url = "javascript:alert(1)"\n', A: article()})
    with pytest.raises(SiteError, match=r"site.toml:1: `feedback_url` must start with `mailto:` or `https://`"):
        build_site(tmp_path)


def test_template_error_names_the_template(tmp_path: Path) -> None:
    make_site(tmp_path, {A: article(), "templates/article.html": "{{ page.no_such_field }}"})
    with pytest.raises(SiteError, match=r"templates/article.html:1: .*no_such_field"):
        build_site(tmp_path)


@pytest.mark.parametrize("output", [".", "content", "content/articles"])
def test_output_folder_that_would_delete_sources_is_refused(tmp_path: Path, output: str) -> None:
    make_site(tmp_path, {A: article()})
    with pytest.raises(SiteError, match="output folder"):
        build_site(tmp_path, output=tmp_path / output)
    assert (tmp_path / A).exists()
