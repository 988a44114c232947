"""Incremental builds produce exactly the bytes of a clean build, and the cache is never trusted blindly."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from site_builder import memo
from site_builder.build import BuildResult
from site_builder.errors import SiteError
from site_builder.output import journal
from site_builder.reuse import entries as cache_entries
from site_builder.reuse import store as cache
from tests.helpers import article, make_site, tree_digest
from tests.scenarios import SITE, STEPS, apply, build_site, clean_build


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    """Each test starts like a new process: nothing remembered from other tests' builds."""
    memo.forget()


def folders(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()}


def assert_plain_files(out: Path) -> None:
    """GitHub Pages refuses hard links and symbolic links: the output has neither."""
    for path in out.rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert os.stat(path).st_nlink == 1, path


def test_incremental_output_equals_a_clean_build_after_every_step(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    for number, (what, changes) in enumerate(STEPS):
        apply(root, changes)
        result = build_site(root)
        clean = tmp_path / f"clean-{number}"
        assert tree_digest(root / "public") == clean_build(root, clean), what
        assert folders(root / "public") == folders(clean), what
        assert_plain_files(root / "public")
        assert result.parsed <= 2, what  # only the edited files were parsed again


def test_with_search_the_index_follows_every_step_and_keeps_no_stale_file(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root, search=True)
    for number, (what, changes) in enumerate(STEPS[:6]):
        apply(root, changes)
        build_site(root, search=True)
        clean = tmp_path / f"clean-{number}"
        build_site(root, output=clean, cache=False, search=True)
        ours, theirs = tree_digest(root / "public"), tree_digest(clean)
        site = {p: d for p, d in ours.items() if not p.startswith("pagefind/")}
        assert site == {p: d for p, d in theirs.items() if not p.startswith("pagefind/")}, what
        # Pagefind's file names and bytes vary from run to run; its files and pages do not.
        assert sorted(Path(p).suffix for p in ours if p.startswith("pagefind/")) == \
            sorted(Path(p).suffix for p in theirs if p.startswith("pagefind/")), what
        for lang in ("fr", "en"):
            entry = json.loads((root / f"public/pagefind/{lang}/pagefind-entry.json").read_text())
            expected = json.loads((clean / f"pagefind/{lang}/pagefind-entry.json").read_text())
            assert entry["languages"][lang]["page_count"] == expected["languages"][lang]["page_count"], what
        assert_plain_files(root / "public")


def test_unchanged_site_is_neither_parsed_rendered_nor_written_again(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    first = build_site(root)
    again = build_site(root)
    assert (first.parsed, first.written) == (len(SITE) - 2, first.files)
    assert (again.parsed, again.rendered, again.written) == (0, 0, 0)


def test_one_body_edit_rerenders_only_the_pages_that_show_it(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    apply(root, STEPS[0][1])
    result = build_site(root)
    # A new build after an edit of a body alone goes straight to what shows it (`reuse.edits`): the
    # article page is rendered and written, and so are the Atom feeds that carry its body (the
    # language's and its two tags'); no other article is loaded, no other page planned.
    assert (result.parsed, result.rendered, result.written) == (1, 1, 4)
    assert [stage for stage, _ in result.timings] == ["edits"]


def test_one_summary_edit_rerenders_the_lists_that_show_it(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    apply(root, STEPS[1][1])  # its first paragraph, which is its summary: a whole build
    result = build_site(root)
    # Rendered: the article page, and the list pages that show it (keyed by what their articles were
    # parsed from): its page of the French home, its tag's first page and its year (whose view
    # changed). Written: those and the Atom feeds that carry its body.
    assert result.parsed == 1
    assert result.rendered >= 3
    assert "edits" not in [stage for stage, _ in result.timings]


def test_a_file_changed_by_hand_in_the_output_is_put_right(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    before = tree_digest(root / "public")
    page = root / "public/fr/index.html"
    page.write_text("tampered", encoding="utf-8")
    (root / "public/extra.html").write_text("not ours", encoding="utf-8")
    build_site(root)
    assert tree_digest(root / "public") == before


def test_links_in_the_output_folder_make_it_rewritten_whole(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    before = tree_digest(root / "public")
    outside = tmp_path / "outside.html"
    outside.write_text("keep me", encoding="utf-8")
    (root / "public/fr/index.html").unlink()
    (root / "public/fr/index.html").symlink_to(outside)
    os.link(root / "public/en/index.html", tmp_path / "hard-link.html")
    build_site(root)
    assert tree_digest(root / "public") == before
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert_plain_files(root / "public")


# --- the cache is checked, never trusted blindly ---------------------------------------------------

def entries(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / ".site-builder-cache" / "cache.sqlite3", isolation_level=None)


class Boom:
    """Would run a command if the cache unpickled it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def test_half_written_corrupt_or_foreign_cache_entries_are_rebuilt(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    marker = tmp_path / "pwned"
    with entries(root) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM articles ORDER BY key")]
        half, flipped, foreign = keys[:3]
        db.execute("UPDATE articles SET entry = substr(entry, 1, length(entry) / 2) WHERE key = ?", (half,))
        (entry,) = db.execute("SELECT entry FROM articles WHERE key = ?", (flipped,)).fetchone()
        middle = len(entry) // 2
        db.execute("UPDATE articles SET entry = ? WHERE key = ?",
                   (entry[:middle] + bytes([entry[middle] ^ 1]) + entry[middle + 1:], flipped))
        db.execute("UPDATE articles SET entry = ? WHERE key = ?", (cache_entries.pack(Boom(marker), foreign), foreign))
    memo.forget()  # as in a new process: what this one remembers would hide the cache
    # Into another folder: nothing changed for `public`, whose build would stand without a look at
    # the cache; this one must load every article.
    result = build_site(root, output=tmp_path / "other")
    assert result.parsed == 3
    assert not marker.exists()
    assert tree_digest(tmp_path / "other") == clean_build(root, tmp_path / "clean")


def test_an_unreadable_cache_database_is_started_afresh(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    for path in (root / ".site-builder-cache").glob("cache.sqlite3*"):
        path.write_bytes(b"\x00garbage, as after a crash mid-write" * 100)
    memo.forget()
    result = build_site(root)
    assert result.parsed == len(SITE) - 2
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")


def test_a_cache_database_damaged_inside_is_a_miss_then_started_afresh(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    database = root / ".site-builder-cache" / "cache.sqlite3"
    with sqlite3.connect(database) as db:  # everything into the main file, where it is damaged below
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(database.read_bytes())
    page = 4096
    for start in range(page, len(data), page):  # every page but the header: its tables' b-trees
        data[start:start + 64] = b"\xff" * 64
    database.write_bytes(bytes(data))
    memo.forget()
    result = build_site(root)
    assert result.parsed == len(SITE) - 2
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")
    assert not database.exists()  # deleted when the build closed it: the next one starts a new one
    build_site(root)
    again = build_site(root)
    assert (again.parsed, again.rendered) == (0, 0)


def test_after_the_cache_folder_is_deleted_the_next_build_fills_it_again(tmp_path: Path) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    shutil.rmtree(root / ".site-builder-cache")
    memo.forget()
    first = build_site(root)  # no keys known: every page is rendered, but no file is written
    assert (first.parsed, first.written) == (len(SITE) - 2, 0)
    again = build_site(root)  # the files found identical were recorded with their keys
    assert (again.parsed, again.rendered, again.written) == (0, 0, 0)


def test_a_template_change_renders_every_page_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    first = build_site(root)
    make_site(root, {"templates/partials/footer.html": "<footer>Nouveau pied de page</footer>\n"})
    result = build_site(root)
    assert result.parsed == 0
    assert result.rendered == first.rendered
    assert "Nouveau pied de page" in (root / "public/fr/index.html").read_text(encoding="utf-8")
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")


def test_a_config_change_parses_every_article_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    make_site(root, {"site.toml": 'base_url = "https://elsewhere.example/"\npage_size = 3\n'})
    result = build_site(root)
    assert result.parsed == len(SITE) - 2
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")


def test_a_new_package_version_parses_every_article_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    for module in ("reuse.loading", "reuse.pages", "reuse.last_build"):  # every user of the package's fingerprint
        monkeypatch.setattr(f"site_builder.{module}.code_fingerprint", lambda: "another version")
    assert build_site(root).parsed == len(SITE) - 2


# --- failures leave the previous output ------------------------------------------------------------

def test_a_write_that_fails_midway_puts_the_previous_output_back(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, SITE)
    build_site(root)
    before = tree_digest(root / "public")
    apply(root, STEPS[2][1])  # a new article: new files, changed lists, changed feeds
    real_rename, calls = os.rename, []

    def failing_rename(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == 5:
            raise OSError(28, "No space left on device", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(journal.os, "rename", failing_rename)
    with pytest.raises(SiteError, match="previous output was left as it was"):
        build_site(root)
    assert len(calls) == 5
    assert tree_digest(root / "public") == before
    assert not journal.journals_of(root / "public")


def test_a_build_killed_midway_is_undone_by_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    apply(root, STEPS[2][1])
    real_rename, calls = os.rename, []

    def dying_rename(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == 5:
            raise KeyboardInterrupt  # stands for the process being killed here
        real_rename(src, dst)

    monkeypatch.setattr(journal.os, "rename", dying_rename)
    monkeypatch.setattr(journal, "rollback", lambda *args: None)  # killed: no chance to clean up
    with pytest.raises(KeyboardInterrupt):
        build_site(root)
    assert journal.journals_of(root / "public")
    monkeypatch.undo()
    build_site(root)
    assert not journal.journals_of(root / "public")
    assert tree_digest(root / "public") == clean_build(root, tmp_path / "clean")


# --- workers ---------------------------------------------------------------------------------------

def big_site(root: Path, count: int) -> Path:
    files = {f"content/articles/{2015 + i % 9}/n{i:03d}.{'en' if i % 2 else 'fr'}.md":
             article(f"Article {i}", f"{2015 + i % 9}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                     f"Texte *{i}*.\n\n## Partie\n\n- un\n- deux\n\n> citation {i}", tags=f"[T{i % 7}, U{i % 3}]",
                     translation_key=f"k{i // 2}")
             for i in range(count)}
    return make_site(root, files)


def test_parallel_build_equals_serial_build(tmp_path: Path) -> None:
    root = big_site(tmp_path / "site", 300)
    parallel: BuildResult = build_site(root, output=tmp_path / "parallel", jobs=2, cache=False)
    build_site(root, output=tmp_path / "serial", jobs=1, cache=False)
    assert parallel.parsed == 300 and parallel.rendered > 256  # enough for two workers each time
    assert tree_digest(tmp_path / "parallel") == tree_digest(tmp_path / "serial")


def test_errors_found_by_workers_are_all_reported(tmp_path: Path) -> None:
    root = big_site(tmp_path, 300)
    make_site(root, {"content/articles/bad-1.fr.md": "---\ntitle: [\n---\n",
                     "content/articles/bad-2.fr.md": "---\ndate: 2024-01-01\n---\n"})
    with pytest.raises(SiteError) as caught:
        build_site(root, jobs=2)
    assert [p.path for p in caught.value.problems] == ["content/articles/bad-1.fr.md", "content/articles/bad-2.fr.md"]


BUILD_IN_A_NEW_PROCESS = """
import json, sys
from pathlib import Path
from tests.scenarios import build_site
result = build_site(Path(sys.argv[1]))
print(json.dumps({"parsed": result.parsed, "rendered": result.rendered}))
"""


def build_in_a_new_process(root: Path, hash_seed: int) -> dict[str, int]:
    """A build in a new interpreter whose strings hash differently (as every new process's do)."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    done = subprocess.run([sys.executable, "-c", BUILD_IN_A_NEW_PROCESS, str(root)], cwd=Path(__file__).parents[1],
                          env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_a_new_process_reuses_what_an_earlier_one_parsed_and_rendered(tmp_path: Path) -> None:
    root = make_site(tmp_path / "new", SITE)
    same = make_site(tmp_path / "same", SITE)  # the same steps in this process, memory forgotten between
    build_in_a_new_process(root, hash_seed=1)
    build_site(same)
    for step in STEPS[0], STEPS[1]:  # a body (the edits path), then a first paragraph (a whole build)
        apply(root, step[1])
        apply(same, step[1])
        memo.forget()
        expected = build_site(same)
        # Keys and cached articles must not depend on the process (a hash cached in a pickled
        # article did): the same pages as in one process.
        assert build_in_a_new_process(root, hash_seed=2) == {"parsed": 1, "rendered": expected.rendered}, step[0]
        assert (expected.rendered == 1) == (step is STEPS[0]), step[0]  # a whole build renders the lists too


@pytest.mark.parametrize("variables", [999, 32766])
def test_articles_are_stored_whole_whatever_sqlite_allows_in_one_statement(tmp_path: Path, variables: int) -> None:
    """Entries go in by the thousand rows per INSERT, fewer where SQLite takes fewer values (999
    before 3.32): 2,345 entries, with one left over after the full statements, are all stored."""
    store = cache.Cache(tmp_path / "cache")
    store.db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variables)
    entries = {f"key-{n}": cache_entries.pack(f"article {n}", f"key-{n}") for n in range(2345)}
    store.put_articles(entries, keep=set(entries))
    store.wait()
    assert store.articles(entries) == {key: f"article {n}" for n, key in enumerate(entries)}
    assert not store.broken
    store.close()
