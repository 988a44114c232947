"""A build with nothing to do returns the last result at once, and only when that is exactly right."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from site_builder import memo
from site_builder.build import BuildResult
from site_builder.errors import ContentError
from site_builder.output.listing import Listing
from site_builder.output.state import Stat
from site_builder.reuse import last_build
from site_builder.reuse.store import Cache
from tests.helpers import NOW, article, make_site, tree_digest
from tests.scenarios import SITE, STEPS, apply, build_site, clean_build


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    memo.forget()


def age(root: Path) -> Path:
    """Date every file an hour back: the cache trusts a file's stat only once it is a few seconds
    old (a file written within the clock's resolution of being read could change unseen)."""
    past = time.time() - 3600
    for path in root.rglob("*"):
        if path.is_file() and "public" not in path.parts:
            os.utime(path, (past, past))
    return root


def unchanged(result: BuildResult) -> bool:
    return [name for name, _ in result.timings] == ["unchanged"]


def test_a_second_build_with_nothing_changed_returns_the_first_result(tmp_path: Path) -> None:
    root = age(make_site(tmp_path, SITE))
    first = build_site(root)
    before = tree_digest(root / "public")
    again = build_site(root)
    assert unchanged(again)
    assert (again.articles, again.pages, again.files) == (first.articles, first.pages, first.files)
    assert (again.parsed, again.rendered, again.written) == (0, 0, 0)
    assert tree_digest(root / "public") == before


@pytest.mark.parametrize("change", ["edit", "add", "remove", "not an article"])
def test_once_nothing_changed_the_stats_of_the_articles_stand_for_their_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root = age(make_site(tmp_path / "site", SITE))
    build_site(root)
    memo.forget()
    assert unchanged(build_site(root))  # proven by each file's record: the stats are kept
    asked: list[Path] = []
    sources = Cache.sources
    monkeypatch.setattr(Cache, "sources", lambda self, where: asked.append(where) or sources(self, where))
    memo.forget()
    assert unchanged(build_site(root))
    assert asked == []  # the same stats: no record read
    articles = root / "content/articles/2024"
    if change == "edit":
        page = articles / "b.fr.md"
        page.write_text(page.read_text(encoding="utf-8").replace("Bravo.", "Brave."), encoding="utf-8")
    elif change == "add":
        (articles / "e.fr.md").write_text(article("Écho", "2024-04-10", "Écho."), encoding="utf-8")
    elif change == "remove":
        (articles / "c.fr.md").unlink()
    else:
        (articles / "notes.txt").write_text("à relire", encoding="utf-8")
    age(root)
    memo.forget()
    result = build_site(root)
    assert not unchanged(result)
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")
    assert result.warnings == build_site(root, output=tmp_path / "again", cache=False).warnings


def test_every_change_is_seen_and_the_output_equals_a_clean_build(tmp_path: Path) -> None:
    root = age(make_site(tmp_path / "site", SITE))
    build_site(root)
    for number, (what, changes) in enumerate(STEPS):
        apply(root, changes)
        age(root)
        result = build_site(root)
        assert not unchanged(result), what
        assert tree_digest(root / "public") == clean_build(root, tmp_path / f"clean-{number}"), what
        assert unchanged(build_site(root)), what


def test_a_file_written_just_before_it_was_read_is_checked_by_its_bytes(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, SITE)  # written now: its stat could hide an edit within the same tick
    build_site(root)
    assert unchanged(build_site(root))  # same bytes: nothing to do
    edited = root / "content/articles/2024/b.fr.md"
    recorded = dict(last_build.tree_stats(root / "content/articles"))["2024/b.fr.md"]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Bravo.", "Brave."), encoding="utf-8")
    # As on a file system with coarse timestamps: the edit leaves the stat as it was.
    stats = last_build.walked_stats

    def as_before(folder: Path, known: Listing | None = None) -> tuple[list[tuple[str, Stat]], Listing]:
        found, listing = stats(folder, known)
        return [(rel, recorded if rel == "2024/b.fr.md" else stat) for rel, stat in found], listing

    monkeypatch.setattr(last_build, "walked_stats", as_before)
    result = build_site(root)
    assert not unchanged(result)
    assert "Brave." in (root / "public/fr/2024/02/b/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("tamper", ["edit", "delete", "add"])
def test_an_output_folder_changed_by_hand_is_built_again(tmp_path: Path, tamper: str) -> None:
    root = age(make_site(tmp_path, SITE))
    build_site(root)
    before = tree_digest(root / "public")
    page = root / "public/fr/index.html"
    if tamper == "edit":
        page.write_text("tampered", encoding="utf-8")
    elif tamper == "delete":
        page.unlink()
    else:
        (root / "public/extra.html").write_text("not ours", encoding="utf-8")
    assert not unchanged(build_site(root))
    assert tree_digest(root / "public") == before


def test_an_article_dated_in_the_future_appears_once_its_date_has_passed(tmp_path: Path) -> None:
    later = (NOW + timedelta(days=2)).date().isoformat()
    root = age(make_site(tmp_path, {**SITE, "content/articles/2026/z.fr.md": article("Zoulou", later, "Z.")}))
    first = build_site(root)
    assert unchanged(build_site(root, now=NOW + timedelta(days=1)))
    result = build_site(root, now=NOW + timedelta(days=3))
    assert not unchanged(result)
    assert result.articles["fr"] == first.articles["fr"] + 1


@pytest.mark.parametrize("change", ["template", "static", "option"])
def test_templates_static_files_and_options_are_inputs_too(tmp_path: Path, change: str) -> None:
    root = age(make_site(tmp_path, SITE))
    build_site(root)
    options: dict[str, object] = {}
    if change == "template":
        make_site(root, {"templates/partials/footer.html": "<footer>Autre pied de page</footer>\n"})
    elif change == "static":
        make_site(root, {"static/robots-extra.txt": "x"})
    else:
        options["drafts"] = True
    assert not unchanged(build_site(root, **options))


def test_warnings_are_reported_again_and_fail_a_strict_build(tmp_path: Path) -> None:
    root = age(make_site(tmp_path, SITE))  # two articles have no translation: warnings
    first = build_site(root)
    assert first.warnings
    again = build_site(root)
    assert unchanged(again)
    assert again.warnings == first.warnings
    with pytest.raises(ContentError, match="an error under --strict"):
        build_site(root, strict=True)


def test_without_the_cache_every_build_does_the_work(tmp_path: Path) -> None:
    root = age(make_site(tmp_path, SITE))
    build_site(root, cache=False)
    assert not unchanged(build_site(root, cache=False))


def test_a_command_line_build_with_nothing_to_do_imports_no_stage_it_skips(tmp_path: Path) -> None:
    """Markdown, YAML and Jinja are two thirds of the command line's start: a build that finds
    nothing changed must not pay for them."""
    import subprocess
    import sys

    root = age(make_site(tmp_path, SITE))
    script = ("import sys; from site_builder.cli import main; sys.argv = ['site-builder', 'build', '--no-search', "
              f"{str(root)!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('jinja2', 'markdown_it', 'yaml', 'site_builder.render.pages', "
              "'site_builder.content.parse') if m in sys.modules))")

    def loaded() -> str:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        return done.stdout.strip().splitlines()[-1]

    assert loaded() == "['jinja2', 'markdown_it', 'site_builder.content.parse', 'site_builder.render.pages', 'yaml']"
    assert loaded() == "[]"  # nothing changed since
