"""Which file changes rebuild the preview: `watch.classify` is pure, so it is tested on paths alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchfiles import Change

from site_builder.watch import classify

ROOT = Path("/projects/archive")


def changed(*rels: str, kind: Change = Change.modified) -> list[tuple[Change, str]]:
    return [(kind, str(ROOT / rel)) for rel in rels]


@pytest.mark.parametrize("rel", [
    "content/articles/2024/11/a.fr.md",
    "content/tags.toml",
    "content/articles/2024/11",  # a folder moved in or out
    "templates/base.html",
    "templates/partials/footer.html",
    "static/images/photo.jpg",
    "static/.well-known/security.txt",
    "site.toml",
])
def test_sources_of_the_site_call_for_a_rebuild(rel: str) -> None:
    assert classify(changed(rel), ROOT) == [rel]


@pytest.mark.parametrize("rel", [
    "content/articles/.a.fr.md.swp",  # vim
    "content/articles/.a.fr.md.swx",
    "content/articles/4913",  # vim's write test
    "content/articles/a.fr.md~",  # vim, gedit backups
    "content/articles/#a.fr.md#",  # emacs auto-save
    "content/articles/.#a.fr.md",  # emacs lock
    "templates/base.html___jb_tmp___",  # JetBrains safe write
    "templates/base.html___jb_old___",
    "content/articles/.goutputstream-ABC123",  # gedit
    "content/articles/.~lock.a.fr.md#",  # LibreOffice
    "content/articles/a.fr.md.kate-swp",
    "content/articles/a.fr.md.tmp",
    "content/articles/a.fr.md.bak",
    "content/articles/.DS_Store",
])
def test_editor_swap_and_backup_files_are_ignored(rel: str) -> None:
    assert classify(changed(rel, kind=Change.added), ROOT) == []


@pytest.mark.parametrize("rel", [
    "public/fr/index.html",  # a `site-builder build` run next to the preview
    ".site-builder-cache/articles.json",
    ".git/index",
    ".venv/lib/python3.11/site.py",
    "content/articles/__pycache__/x.pyc",
    "README.md",
    "Makefile",
    "notes/draft.md",  # not under content/
])
def test_output_cache_and_unrelated_files_are_ignored(rel: str) -> None:
    assert classify(changed(rel), ROOT) == []


def test_paths_outside_the_project_are_ignored() -> None:
    outside = [(Change.added, "/tmp/site-builder-serve-x/site/fr/index.html"),
               (Change.added, "/projects/other/site.toml")]
    assert classify(outside, ROOT) == []


def test_a_burst_of_saves_gives_each_source_once_sorted() -> None:
    burst = [
        *changed("content/articles/b.fr.md", kind=Change.added),
        *changed("content/articles/.b.fr.md.swp", kind=Change.added),
        *changed("content/articles/b.fr.md"),
        *changed("content/articles/.b.fr.md.swp", kind=Change.deleted),
        *changed("content/articles/a.en.md", kind=Change.deleted),
        *changed("public/index.html"),
    ]
    assert classify(burst, ROOT) == ["content/articles/a.en.md", "content/articles/b.fr.md"]
