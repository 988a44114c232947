"""A session's builds (the preview's), told which files changed, produce exactly the bytes and the
warnings of a clean build; an edit of a body alone takes the short path, anything else a whole build."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from site_builder import memo
from site_builder.build import BuildOptions, BuildResult
from site_builder.content.files import find_sources, find_sources_again
from site_builder.errors import ContentError, SiteError
from site_builder.preview.session import Session, edit_bodies
from tests.helpers import NOW, article, build_site, make_site, tree_digest
from tests.scenarios import SITE, STEPS, apply

A_FR = "content/articles/2024/a.fr.md"
B_FR = "content/articles/2024/b.fr.md"


def a_fr(body: str) -> str:
    return article("Alpha", "2024-01-10", f"Premier paragraphe.\n\n## Suite\n\n{body}", tags="[Défense, Europe]",
                   translation_key="a")


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    memo.forget()


def options(root: Path, **more: object) -> BuildOptions:
    return BuildOptions(project=root, output=root.parent / "preview", search=False, now=NOW, jobs=1, **more)  # type: ignore[arg-type]


def clean(root: Path, out: Path) -> BuildResult:
    shutil.rmtree(out, ignore_errors=True)
    return build_site(root, output=out, cache=False, search=False)


def edit_path(result: BuildResult) -> bool:
    """True when the build took the short path for edited bodies."""
    return [name for name, _ in result.timings] == ["edit"]


def assert_as_clean(root: Path, result: BuildResult, what: str) -> None:
    expected = clean(root, root.parent / "clean")
    assert tree_digest(root.parent / "preview") == tree_digest(root.parent / "clean"), what
    assert result.warnings == expected.warnings, what
    assert (result.articles, result.pages, result.files) == (expected.articles, expected.pages, expected.files), what


def step(session: Session, root: Path, changes: dict[str, str | None], what: str) -> BuildResult:
    apply(root, changes)
    result = session.build(options(root), sorted(changes))
    assert_as_clean(root, result, what)
    return result


def test_body_edits_take_the_short_path_and_equal_a_clean_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    result = step(session, root, {A_FR: a_fr("Autre suite.")}, "a body")
    assert edit_path(result)
    # Its page, the French feed and the feeds of its two tags carry its body.
    assert (result.parsed, result.rendered, result.written) == (1, 1, 4)
    result = step(session, root, {A_FR: a_fr("Voir [la page](/fr/nulle-part/).")}, "a dead link added")
    assert edit_path(result)
    dead = [w for w in result.warnings if "/fr/nulle-part/" in w.message]
    assert [(w.path, w.line) for w in dead] == [(A_FR, 12)]
    result = step(session, root, {A_FR: a_fr("Plus de lien.")}, "the dead link removed")
    assert edit_path(result) and not any("/fr/nulle-part/" in w.message for w in result.warnings)
    result = step(session, root, {A_FR: a_fr("Plus de lien.")}, "saved unchanged")
    assert edit_path(result) and result.written == 0


def test_a_first_paragraph_that_is_the_summary_renders_the_lists_that_show_it_too(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    what, changes = STEPS[1]
    assert what.startswith("edit a first paragraph")
    result = step(session, root, changes, what)
    assert edit_path(result)
    # Rendered and written: its page, its French home page, its tag's first page, its year archive;
    # written too: the French feed and its tag's feed.
    assert (result.rendered, result.written) == (4, 6)
    given = {B_FR: article("Bravo", "2024-02-10", "Bravo, encore.", tags="[Europe]", summary="'Résumé.'")}
    assert not edit_path(step(session, root, given, "a summary written in the front matter"))


def test_other_edits_take_a_whole_build_that_equals_a_clean_one(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    for what, changes in STEPS[2:]:  # (the first two edit a body only)
        result = step(session, root, changes, what)
        assert not edit_path(result), what
        assert result.parsed <= 2, what
    template = {"templates/partials/footer.html": "<footer><p>Pied de page</p></footer>\n"}
    assert not edit_path(step(session, root, template, "a template"))


def test_a_whole_build_reads_again_what_short_edits_changed_before_it(tmp_path: Path) -> None:
    """The short path does not tell the cache: the whole build after it must still read the file."""
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    assert edit_path(step(session, root, {A_FR: a_fr("Suite modifiée.")}, "a body"))
    relabel = {"content/tags.toml": '[defense]\nfr = "Défense nationale"\nen = "Defence"\n'}
    assert not edit_path(step(session, root, relabel, "a tag relabelled, after the body edit"))
    assert "Suite modifiée." in (root.parent / "preview/fr/2024/01/a/index.html").read_text(encoding="utf-8")


def test_a_folder_renamed_or_linked_is_walked_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    articles = root / "content/articles"
    os.rename(articles / "2023", articles / "older")
    result = session.build(options(root), ["content/articles/2023", "content/articles/older"])
    assert_as_clean(root, result, "a folder renamed")
    os.rename(articles / "older", tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", articles / "older")
    with pytest.raises(SiteError) as failed:  # as a clean build would: the walk found the link
        session.build(options(root), ["content/articles/older"])
    assert failed.value.problems[0].message.startswith(f"is a link to {tmp_path / 'elsewhere'}, outside the project")


def test_a_failed_build_leaves_the_output_and_the_next_one_starts_afresh(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    before = tree_digest(root.parent / "preview")
    make_site(root, {A_FR: "---\ntitle: [unclosed\n---\n\nTexte.\n"})
    with pytest.raises(SiteError) as failed:
        session.build(options(root), [A_FR])
    assert failed.value.problems[0].path == A_FR
    assert tree_digest(root.parent / "preview") == before
    assert session.last is None
    step(session, root, {A_FR: a_fr("Réparé.")}, "the article repaired")


def test_an_article_replaced_by_a_named_pipe_is_never_opened_by_the_short_path(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    session = Session()
    session.build(options(root))
    assert session.last is not None
    pipe = root / A_FR
    pipe.unlink()
    os.mkfifo(pipe)  # saved over the article: opening it to read would wait for a writer forever
    answers: list[object] = []
    short = threading.Thread(target=lambda: answers.append(edit_bodies(session.last, options(root), [A_FR])),
                             daemon=True)
    short.start()
    short.join(timeout=5)
    stuck = short.is_alive()
    if stuck:  # let it go
        os.rename(pipe, tmp_path / "pipe")
        os.close(os.open(tmp_path / "pipe", os.O_WRONLY | os.O_NONBLOCK))
        short.join(timeout=5)
    assert not stuck and answers == [None]  # left to a whole build, which says what is wrong with it


def test_writing_is_announced_before_the_output_changes_and_only_then(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    announced: list[dict[str, str]] = []
    session = Session(before_write=lambda: announced.append(tree_digest(root.parent / "preview")))
    session.build(options(root))
    assert announced == [{}]  # a first build: before its folder appears
    before = tree_digest(root.parent / "preview")
    session.build(options(root), [A_FR])  # saved as it was: nothing to write
    assert len(announced) == 1
    for changes in ({A_FR: a_fr("Autre suite.")}, {B_FR: None}):  # the short path, then a whole build
        apply(root, changes)
        session.build(options(root), sorted(changes))
        assert announced[-1] == before and tree_digest(root.parent / "preview") != before
        before = tree_digest(root.parent / "preview")
    assert len(announced) == 3
    make_site(root, {A_FR: "---\ntitle: [unclosed\n---\n"})
    with pytest.raises(SiteError):
        session.build(options(root), [A_FR])
    assert len(announced) == 3  # a build that fails before writing never holds the preview's requests


def test_strict_fails_a_short_edit_that_adds_a_warning(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {
        "site.toml": 'base_url = "https://news.example/"\n',
        A_FR: article("Alpha", "2024-01-10", "Texte.\n\nSuite.", summary="'Résumé.'", translation_key="a"),
        "content/articles/2024/a.en.md": article("Alpha EN", "2024-01-10", "Text.", summary="'Summary.'",
                                                 translation_key="a"),
    })
    session = Session()
    strict = options(root, strict=True)
    assert session.build(strict).warnings == ()
    before = tree_digest(root.parent / "preview")
    make_site(root, {A_FR: article("Alpha", "2024-01-10", "Texte.\n\nVoir [ici](/fr/nulle-part/).",
                                   summary="'Résumé.'", translation_key="a")})
    with pytest.raises(ContentError) as failed:
        session.build(strict, [A_FR])
    assert [p.path for p in failed.value.problems] == [A_FR]
    assert "under --strict" in failed.value.problems[0].message
    assert tree_digest(root.parent / "preview") == before


CHANGES: list[tuple[str, dict[str, str | None]]] = [
    ("a file edited", {"content/articles/2024/b.fr.md": "x"}),
    ("a file added", {"content/articles/2024/z.fr.md": "x"}),
    ("a file in a new folder", {"content/articles/2025/01/n.fr.md": "x"}),
    ("a file deleted", {"content/articles/2023/d.fr.md": None}),
    ("a hidden file and a non-article", {"content/articles/.h.md": "x", "content/articles/notes.txt": "x"}),
    ("outside the articles", {"content/tags.toml": "", "site.toml": 'base_url = "https://x.example/"\n'}),
]


@pytest.mark.parametrize(("what", "changes"), CHANGES, ids=[c[0] for c in CHANGES])
def test_finding_sources_again_equals_a_walk(tmp_path: Path, what: str, changes: dict[str, str | None]) -> None:
    root = make_site(tmp_path / "site", SITE)
    last, _problems = find_sources(root)
    apply(root, changes)
    assert find_sources_again(root, last, list(changes)) == find_sources(root)[0], what


def test_finding_sources_again_gives_up_on_folders_and_links(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    last, _ = find_sources(root)
    articles = root / "content/articles"
    os.rename(articles / "2023", articles / "old")
    assert find_sources_again(root, last, ["content/articles/2023"]) is None  # gone, and not a file it knew
    assert find_sources_again(root, last, ["content/articles/old"]) is None
    (articles / "l.fr.md").symlink_to(articles / "old/d.fr.md")
    assert find_sources_again(root, last, ["content/articles/l.fr.md"]) is None
