"""`site-builder check` (and the warnings `build` prints): one test per rule, plus --strict."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.build import BuildOptions, check_site
from site_builder.cli import main
from site_builder.errors import Problem, SiteError
from tests.helpers import NOW, article, build_site, make_site

FR = "content/articles/2024/11/a.fr.md"
EN = "content/articles/2024/11/a.en.md"
TAGS = "content/tags.toml"


def check(root: Path, **options: object) -> list[Problem]:
    return check_site(BuildOptions(project=root, now=NOW, **options))  # type: ignore[arg-type]


def lines(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def complete(title: str = "Titre", **fields: str) -> str:
    """An article no rule complains about (when its translation exists too)."""
    return article(title, summary="'Un résumé.'", **fields)


def test_a_clean_bilingual_site_has_no_problem(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(tags="[Défense]"), EN: complete("Title", tags="[Defence]"),
                         TAGS: "[defense]\nfr = 'Défense'\nen = 'Defence'\n"})
    assert check(tmp_path) == []


def test_every_content_error_of_build_is_reported_at_once(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/articles/a.fr.md": "---\ndate: 2024-01-01\n---\n",
        "content/articles/b.fr.md": "---\ntitle: B\ndate: 2024-13-01\n---\n",
        "content/articles/c.fr.md": "---\ntitle: C\ndate: 2024-01-01\ntittle: x\n---\n",
    })
    problems = check(tmp_path)
    assert [(p.path, p.line, p.severity) for p in problems] == [
        ("content/articles/a.fr.md", 1, "error"), ("content/articles/b.fr.md", 3, "error"),
        ("content/articles/c.fr.md", 4, "error")]
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert lines(caught.value.problems) == lines(problems)  # the same words as build


def test_clashes_between_files_and_template_errors_are_reported(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/x/a.fr.md": complete(slug="meme"),
                         "content/articles/y/b.fr.md": complete(slug="meme")})
    assert any("clashes with content/articles/x/a.fr.md" in m for m in lines(check(tmp_path)))
    make_site(tmp_path, {"content/articles/y/b.fr.md": complete(slug="autre"),
                         "templates/partials/footer.html": "{{ chrome.no_such_field }}"})
    assert any(m.startswith("templates/") and "no_such_field" in m for m in lines(check(tmp_path)))


def test_a_link_to_a_page_the_site_does_not_have_is_an_error_with_its_line(tmp_path: Path) -> None:
    body = ("Voir [la suite](/fr/2024/11/suite/) et [l'autre](/fr/2024/11/b/#details).\n\n"
            "Et [le tag](/fr/tags/defense/), [l'accueil](/fr/), [la racine](/), [la feuille](/assets/style.css),\n"
            "[la photo](/images/photo.jpg) et [l'article sans barre](/fr/2024/11/b?x=1).\n\n[Absente](/en/nope/)\n")
    make_site(tmp_path, {FR: complete(body=body, tags="[Défense]"), "content/articles/2024/11/b.fr.md": complete(),
                         "static/images/photo.jpg": "jpeg"})
    dead = [p for p in check(tmp_path) if "not a page of the site" in p.message]
    assert [(p.path, p.line, p.severity) for p in dead] == [(FR, 8, "error"), (FR, 13, "error")]
    assert "links to /fr/2024/11/suite/, which is not a page" in dead[0].message


def test_a_link_to_a_draft_is_dead_unless_drafts_are_checked(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(body="[Brouillon](/fr/2024/11/b/)"),
                         "content/articles/2024/11/b.fr.md": complete(draft="true")})
    assert any("links to /fr/2024/11/b/" in m for m in lines(check(tmp_path)))
    assert not any("links to" in m for m in lines(check(tmp_path, drafts=True)))


def test_build_reports_a_dead_link_as_a_warning_and_still_builds(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(body="[x](/fr/2024/11/x/)"), EN: complete()})
    result = build_site(tmp_path)
    assert [(p.severity, p.message.split(",")[0]) for p in result.warnings] == [("warning", "links to /fr/2024/11/x/")]
    assert (tmp_path / "public/fr/2024/11/a/index.html").exists()


def test_an_article_without_translation_is_a_warning(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(translation_key="cle"), "content/articles/2024/11/b.en.md": complete()})
    problems = check(tmp_path)
    assert lines(problems) == [
        "content/articles/2024/11/a.fr.md:5: warning: has no translation (en): translate it, or give the "
        "translation the same `translation_key` (`cle`)",
        "content/articles/2024/11/b.en.md: warning: has no translation (fr): translate it, or give the "
        "translation the same `translation_key` (`b`)",
    ]


def test_a_single_language_site_never_asks_for_translations(tmp_path: Path) -> None:
    make_site(tmp_path, {"site.toml": "[languages.fr]\ntitle = 'Seul'\n", FR: complete()})
    assert check(tmp_path) == []


def test_a_tag_missing_from_the_registry_is_a_warning(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(tags="[Défense, Climat]"), EN: complete(tags="[Defence]"),
                         TAGS: "[defense]\nfr = 'Défense'\nen = 'Defence'\n"})
    assert lines(check(tmp_path)) == [
        f"{FR}:5: warning: tag `Climat` is not in content/tags.toml: add [climat] with its label in each "
        "language, or use a registered tag"]


def test_without_a_registry_tags_are_not_checked(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(tags="[Climat]"), EN: complete(tags="[Climate]")})
    assert check(tmp_path) == []


def test_a_translation_older_than_its_originals_update_is_a_warning(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(date="2024-11-01", updated="2024-11-20"),
                         EN: complete(date="2024-11-02", updated="2024-11-10")})
    [stale] = check(tmp_path)
    assert (stale.path, stale.line, stale.severity) == (EN, 5, "warning")
    assert stale.message.startswith(f"may be stale: its original {FR} was updated on 2024-11-20T00:00:00+01:00, "
                                    "after this translation's `updated` (2024-11-10T00:00:00+01:00)")


def test_a_translation_without_updated_is_compared_by_its_date(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(date="2024-11-01", updated="2024-11-20"), EN: complete(date="2024-11-02")})
    assert [(p.path, p.line) for p in check(tmp_path)] == [(EN, 3)]


def test_a_translation_brought_up_to_date_is_not_stale(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete(date="2024-11-01", updated="2024-11-20"),
                         EN: complete(date="2024-11-02", updated="2024-11-21")})
    assert check(tmp_path) == []


def test_an_article_without_summary_is_a_note_not_a_warning(tmp_path: Path) -> None:
    # (issue 19: the first paragraph is the documented default, so --strict must not fail on it)
    make_site(tmp_path, {FR: article(), EN: complete()})
    assert lines(check(tmp_path)) == [f"{FR}: note: has no `summary`: lists and search show its first "
                                      "paragraph; add `summary: \"…\"` (one or two sentences) to the front matter"]
    assert check(tmp_path, strict=True)[0].severity == "note"
    result = build_site(tmp_path, strict=True)  # a note never fails a build
    assert result.warnings == () and [n.kind for n in result.notes] == ["article without summary"]


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: article()})
    assert {p.severity for p in check(tmp_path)} == {"warning", "note"}
    strict = check(tmp_path, strict=True)
    assert [p.severity for p in strict] == ["note", "error"]


def test_build_strict_fails_on_warnings_and_writes_nothing(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: article()})
    with pytest.raises(SiteError, match="has no translation"):
        build_site(tmp_path, strict=True)
    assert not (tmp_path / "public").exists()
    assert len(build_site(tmp_path).warnings) == 1


def test_check_command_prints_every_problem_and_exits_1_only_on_errors(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: article(body="[x](/fr/nope/)")})
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{FR}:6: links to /fr/nope/" in result.output
    assert "1 error, 1 warning; 1 note (`--notes` lists it)." in result.output and ": note: " not in result.output
    noted = CliRunner().invoke(main, ["check", "--notes", str(tmp_path)])
    assert f"{FR}: note: has no `summary`" in noted.output and "1 error, 1 warning, 1 note." in noted.output
    make_site(tmp_path, {FR: article()})
    assert CliRunner().invoke(main, ["check", str(tmp_path)]).exit_code == 0
    assert CliRunner().invoke(main, ["check", "--strict", str(tmp_path)]).exit_code == 1
    assert not (tmp_path / "public").exists()  # check never writes


def test_build_command_prints_warnings_and_fails_on_them_under_strict(tmp_path: Path) -> None:
    make_site(tmp_path, {FR: complete()})
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 0 and f"{FR}: warning: has no translation" in result.output
    strict = CliRunner().invoke(main, ["build", "--strict", str(tmp_path), "-o", str(tmp_path / "other")])
    assert strict.exit_code == 1 and "has no translation" in strict.output and not (tmp_path / "other").exists()


def test_a_problems_severity_is_a_typed_value_that_reads_as_its_word() -> None:
    from site_builder.errors import Problem, Severity

    assert Problem("a.fr.md", None, "m").severity is Severity.ERROR
    assert str(Problem("a.fr.md", 3, "m", Severity.WARNING)) == "a.fr.md:3: warning: m"
    assert Severity.WARNING == "warning" and f"{Severity.ERROR}" == "error"


def test_check_lists_every_kind_of_problem_in_one_run(tmp_path: Path) -> None:
    # (issue 19: with a front-matter error in one file, `check` printed only that, "1 error, 0 warnings.")
    make_site(tmp_path, {
        "content/articles/2024/11/casse.fr.md": "---\ntitle: Covid : la France reconfine\ndate: 2024-11-27\n---\n",
        FR: complete(body="Voir [la suite](/fr/2024/11/nulle-part/)."),
        "content/articles/2024/11/b.FR.md": complete(),
        "content/articles/2024/11/c.fr.markdown": complete(),
        TAGS: "[defense]\nfr = 'Défense'\nen = 'Defence'\n",
        "content/articles/2024/11/d.fr.md": complete(translation_key="a"),
        "content/articles/2024/11/e.fr.md": complete(tags="[Climat]"),
    })
    found = lines(check(tmp_path))
    expected = [
        "content/articles/2024/11/casse.fr.md:2: invalid YAML in the front matter, column 14: mapping values are "
        "not allowed in this context: a value that holds `: ` must be in quotes: "
        "`title: \"Covid : la France reconfine\"`",
        f"{FR}:7: links to /fr/2024/11/nulle-part/, which is not a page of the site",
        f"{FR}: warning: has no translation (en)",
        "content/articles/2024/11/b.FR.md: warning: is not read as an article (its language suffix is not in "
        "lower case): rename it `b.fr.md`",
        "content/articles/2024/11/c.fr.markdown: warning: is not read as an article (its name ends in "
        "`.markdown`, not `.md`): rename it `c.fr.md`",
        "content/articles/2024/11/e.fr.md:5: warning: tag `Climat` is not in content/tags.toml",
        "content/articles/2024/11/d.fr.md:5: clashes with content/articles/2024/11/a.fr.md: both are the `fr` "
        "version of `a`",
    ]
    for fragment in expected:
        assert any(line.startswith(fragment) for line in found), f"{fragment!r} not in {found}"
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1 and "3 errors, 5 warnings." in result.output


def test_a_failed_build_lists_the_warnings_found_with_its_errors_and_writes_nothing(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/2024/11/casse.fr.md": "---\ntitle: T\ndate: 2024-13-01\n---\n",
                         FR: complete(body="[x](/fr/nulle-part/)"), EN: complete()})
    with pytest.raises(SiteError) as caught:
        build_site(tmp_path)
    assert [(p.path, p.line) for p in caught.value.problems] == [("content/articles/2024/11/casse.fr.md", 3)]
    assert [w.kind for w in caught.value.warnings] == ["dead link"]
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 1 and not (tmp_path / "public").exists()
    assert result.output.splitlines()[1:] == [
        "1 warning: 1 dead link.",
        f"{FR}:7: warning: links to /fr/nulle-part/, which is not a page of the site: correct the link "
        "(a draft or future article is not published)",
        "Build failed: 1 error."]


def test_a_stage_that_cannot_go_on_reports_what_the_stages_before_it_found(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/x/a.fr.md": complete(slug="meme"),
                         "content/articles/y/b.fr.md": complete(slug="meme"),
                         "content/articles/z.fr.md": "---\ntitle: [\n---\n",
                         "templates/partials/footer.html": "{{ chrome.no_such_field }}"})
    found = lines(check(tmp_path))
    assert any(line.startswith("content/articles/z.fr.md:") for line in found)
    assert any("clashes with content/articles/x/a.fr.md" in line for line in found)
