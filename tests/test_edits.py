"""A build after edits of article bodies only (`reuse.edits`): it goes straight to the pages and
feeds that show those bodies, and leaves exactly what a clean build leaves, with the same warnings;
any other change is a whole build."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from site_builder import memo
from site_builder.build import BuildResult
from site_builder.errors import ContentError, Kind
from site_builder.reuse import edits
from tests.helpers import article, make_site, tree_digest
from tests.scenarios import SITE, apply, build_site

A_FR = "content/articles/2024/a.fr.md"


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    """Each build starts like a new process's (the command line's): nothing remembered."""
    memo.forget()


def body(text: str) -> dict[str, str | None]:
    """A.fr with this body after its first paragraph (its summary), all else as in SITE."""
    return {A_FR: article("Alpha", "2024-01-10", f"Premier paragraphe.\n\n## Suite\n\n{text}",
                          tags="[Défense, Europe]", translation_key="a")}


def took_edits(result: BuildResult) -> bool:
    return [stage for stage, _ in result.timings] == ["edits"]


def rebuilt(root: Path, changes: dict[str, str | None], **options: object) -> BuildResult:
    apply(root, changes)
    memo.forget()
    return build_site(root, **options)


def same_as_clean(root: Path, tmp_path: Path, result: BuildResult, name: str, **options: object) -> None:
    """The output equals a clean build's, and so do the warnings and notes."""
    memo.forget()
    clean = build_site(root, output=tmp_path / name, cache=False, **options)
    assert tree_digest(root / "public") == tree_digest(tmp_path / name)
    assert (result.warnings, result.notes) == (clean.warnings, clean.notes)
    assert (result.articles, result.pages, result.files) == (clean.articles, clean.pages, clean.files)


BODY_EDITS = [
    ("a new paragraph", body("Autre chose.")),
    ("a dead link", body("Voir [ceci](/fr/nulle-part/) et [cela](/fr/2024/02/b/).")),
    ("a Hugo shortcode", body("Voir [ceci](/fr/nulle-part/).\n\n{{< figure src=\"x.jpg\" >}}")),
    ("both gone, raw HTML", body('<p class="x">Un <a href="/fr/">retour</a>.</p>')),
    ("back as it was", {A_FR: SITE[A_FR]}),
]


def test_body_edits_render_only_their_pages_and_equal_a_clean_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    for number, (what, changes) in enumerate(BODY_EDITS):
        result = rebuilt(root, changes)
        assert took_edits(result), what
        assert (result.parsed, result.rendered) == (1, 1), what
        same_as_clean(root, tmp_path, result, f"clean-{number}")
        kinds = {p.kind for p in result.warnings if p.path == A_FR}
        assert (Kind.DEAD_LINK in kinds) == (what in ("a dead link", "a Hugo shortcode")), what
        assert (Kind.SHORTCODE in kinds) == (what == "a Hugo shortcode"), what
    assert took_edits(rebuilt(root, body("Encore.")))
    again = build_site(root)  # and then nothing changed: the record the edits left stands
    assert [stage for stage, _ in again.timings] == ["unchanged"]


def test_under_a_sub_path_the_edited_page_and_feeds_equal_a_clean_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    base = {"base_url": "https://user.github.io/archive/"}
    build_site(root, **base)
    result = rebuilt(root, body("Voir [cela](/fr/2024/02/b/)."), **base)
    assert took_edits(result)
    same_as_clean(root, tmp_path, result, "clean", **base)
    assert b'href="/archive/fr/2024/02/b/"' in (root / "public/fr/2024/01/a/index.html").read_bytes()


WHOLE = [
    ("its title", {A_FR: article("Alpha bis", "2024-01-10", "Premier paragraphe.\n\n## Suite\n\nLa suite.",
                                 tags="[Défense, Europe]", translation_key="a")}),
    ("its tags", {A_FR: article("Alpha", "2024-01-10", "Premier paragraphe.\n\n## Suite\n\nLa suite.",
                                tags="[Défense]", translation_key="a")}),
    ("its first paragraph, the summary", {A_FR: article("Alpha", "2024-01-10",
                                                        "Premier, autre.\n\n## Suite\n\nLa suite.",
                                                        tags="[Défense, Europe]", translation_key="a")}),
    ("a line more in its front matter", {A_FR: SITE[A_FR].replace("---\n", "---\n# note\n", 1)}),
    ("an article added", {"content/articles/2024/z.fr.md": article("Zoulou", "2024-05-01", "Zoulou.")}),
    ("an article deleted", {"content/articles/2024/c.fr.md": None}),
    ("a draft's body", {"content/articles/2024/d.fr.md": article("Draft", "2024-05-02", "Un.", draft="true")}),
    ("the tag registry", {"content/tags.toml": '[defense]\nfr = "Défense !"\nen = "Defence"\n'}),
    ("a template", {"templates/article.html": None}),
    ("a front matter that fails", {A_FR: "---\ntitle: [\n---\n"}),
]


@pytest.mark.parametrize(("what", "changes"), WHOLE, ids=[what for what, _ in WHOLE])
def test_anything_but_a_body_is_a_whole_build(tmp_path: Path, what: str, changes: dict[str, str | None]) -> None:
    root = make_site(tmp_path / "site", SITE)
    if what == "a draft's body":
        make_site(root, {"content/articles/2024/d.fr.md": article("Draft", "2024-05-02", "Zéro.", draft="true")})
    if what == "a template":
        make_site(root, {"templates/article.html": (Path(edits.__file__).parents[1] / "theme/templates/article.html")
                         .read_text(encoding="utf-8")})
    build_site(root)
    try:
        result = rebuilt(root, {**body("Une autre suite."), **changes} if what != "a front matter that fails"
                         else changes)
    except ContentError as exc:
        assert what == "a front matter that fails"
        assert exc.problems[0].path == A_FR
        return
    assert not took_edits(result), what
    same_as_clean(root, tmp_path, result, "clean")


def test_options_search_and_many_files_are_whole_builds(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    assert not took_edits(rebuilt(root, body("Un."), base_url="https://other.example/"))
    build_site(root)
    many = {f"content/articles/2024/m{n}.fr.md": article(f"M{n}", "2024-06-01", "Un.")
            for n in range(edits.MAX_EDITS + 1)}
    make_site(root, many)
    build_site(root)
    result = rebuilt(root, {rel: article(rel[-8:], "2024-06-01", "Un.\n\nDeux.") for rel in many})
    assert not took_edits(result)
    same_as_clean(root, tmp_path, result, "clean")


def test_with_strict_a_warning_in_the_edited_body_fails_and_writes_nothing(tmp_path: Path) -> None:
    pair = {"site.toml": SITE["site.toml"], "content/tags.toml": SITE["content/tags.toml"],
            A_FR: article("Alpha", "2024-01-10", "Un.\n\nDeux.", tags="[Défense]", translation_key="a"),
            "content/articles/2024/a.en.md": SITE["content/articles/2024/a.en.md"]}
    root = make_site(tmp_path / "site", pair)
    build_site(root, strict=True)
    before = tree_digest(root / "public")
    apply(root, {A_FR: pair[A_FR].replace("Deux.", "Voir [ceci](/fr/nulle-part/).")})
    memo.forget()
    with pytest.raises(ContentError) as caught:
        build_site(root, strict=True)
    assert [(p.path, p.kind) for p in caught.value.problems] == [(A_FR, Kind.DEAD_LINK)]
    assert "under --strict" in caught.value.problems[0].message
    assert tree_digest(root / "public") == before
    apply(root, {A_FR: pair[A_FR].replace("Deux.", "Trois.")})
    memo.forget()
    assert took_edits(build_site(root, strict=True))


def test_an_edit_seen_first_by_a_build_into_another_folder_is_still_an_edit_here(tmp_path: Path) -> None:
    """The cache's record of a source file is shared by every output folder; what the pages of one
    folder were made from is that folder's own."""
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    build_site(root, output=root / "other")
    rebuilt(root, body("Vu d'abord ailleurs."), output=root / "other")
    memo.forget()
    result = build_site(root)
    assert took_edits(result)
    same_as_clean(root, tmp_path, result, "clean")


def test_a_damaged_or_forged_index_of_dependents_is_a_whole_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    db = sqlite3.connect(root / ".site-builder-cache/cache.sqlite3")
    with db:
        (entry,) = db.execute("SELECT entry FROM folders WHERE kind = 'dependents'").fetchone()
        db.execute("UPDATE folders SET entry = ? WHERE kind = 'dependents'", (entry[:-1] + bytes([entry[-1] ^ 1]),))
    db.close()
    result = rebuilt(root, body("Après l'avarie."))
    assert not took_edits(result)
    same_as_clean(root, tmp_path, result, "clean")


def test_what_the_index_holds_is_refused_when_not_of_its_types() -> None:
    good = edits.Dependents({"a": "d"}, {"a": ((), ())}, {"t": {"fr": "T"}}, ((("p",) * 6, ("a",)),), frozenset({"p"}))
    assert edits.Dependents.from_stored(good.stored()) == good
    for bad in (None, (), good.stored()[:4], ({1: "d"}, *good.stored()[1:]),
                (*good.stored()[:3], ((("p",) * 5, ("a",)),), ["p"]), (*good.stored()[:4], "p")):
        assert edits.Dependents.from_stored(bad) is None, bad
