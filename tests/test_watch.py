"""Which file changes rebuild the preview (`watch.classify` is pure, so it is tested on paths alone), and
the watching loop, which goes on whatever fails (watchfiles replaced by a script)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchfiles import Change

from site_builder.preview import watch as watch_module
from site_builder.preview.watch import classify

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


# --- the loop: it never stops but on its stop event ---------------------------------------------

class FakeWatchfiles:
    """Stands for `watchfiles.watch`: each call plays the next script, a list of batches in which an
    exception is raised instead of yielded; the last script sets the stop event."""

    def __init__(self, stop: threading.Event, *scripts: list[object]):
        self.stop, self.scripts = stop, list(scripts)

    def __call__(self, *args: object, **kwargs: object) -> Iterator[set[tuple[Change, str]]]:
        script = self.scripts.pop(0)
        for step in script:
            if isinstance(step, Exception):
                raise step
            yield step  # type: ignore[misc]
        if not self.scripts:
            self.stop.set()


def run_watch(monkeypatch, root: Path, on_change: Callable[[list[str] | None], None],
              *scripts: list[object]) -> list[Exception]:
    stop, errors = threading.Event(), list[Exception]()
    monkeypatch.setattr(watch_module.watchfiles, "watch", FakeWatchfiles(stop, *scripts))
    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 0)
    watch_module.watch(root, on_change, stop, on_error=errors.append)
    return errors


def test_watching_goes_on_after_watchfiles_fails_and_asks_for_everything_again(monkeypatch, tmp_path: Path) -> None:
    source = tmp_path / "content/articles/a.fr.md"
    source.parent.mkdir(parents=True)
    source.write_text("x", encoding="utf-8")
    calls: list[list[str] | None] = []
    failure = RuntimeError('Unable to decode path "caf\\xE9.fr.md" to string')
    errors = run_watch(monkeypatch, tmp_path, calls.append, [set(), failure], [set(), {(Change.modified, str(source))}])
    assert errors == [failure]
    assert calls == [None, ["content/articles/a.fr.md"]]  # first everything (a batch was lost), then as usual


def test_a_failure_while_no_source_changed_is_not_reported_again(monkeypatch, tmp_path: Path) -> None:
    # watchfiles fails on any event about a file whose name is not UTF-8, the rebuild reading it too:
    # that rebuild must not call for another one, forever.
    (tmp_path / "content").mkdir()
    calls: list[list[str] | None] = []
    failure = RuntimeError("Unable to decode path")
    errors = run_watch(monkeypatch, tmp_path, calls.append, [set(), failure], [set(), failure], [set()])
    assert errors == [failure] and calls == [None]


def test_a_watcher_that_cannot_start_is_reported_once_and_tried_again(monkeypatch, tmp_path: Path) -> None:
    calls: list[list[str] | None] = []
    failure = OSError(28, "inotify watch limit reached")
    errors = run_watch(monkeypatch, tmp_path, calls.append, [failure], [failure], [set()])
    assert errors == [failure, failure]  # when it fails, and when it is in place at last
    assert calls == [None]  # then everything is looked at again


def test_a_rebuild_that_raises_is_reported_and_the_next_change_is_rebuilt(monkeypatch, tmp_path: Path) -> None:
    calls: list[list[str] | None] = []
    failure = ValueError("a bug")

    def rebuild(paths: list[str] | None) -> None:
        calls.append(paths)
        if len(calls) == 1:
            raise failure

    batch = {(Change.modified, str(tmp_path / "site.toml"))}
    errors = run_watch(monkeypatch, tmp_path, rebuild, [batch, batch])
    assert errors == [failure] and calls == [["site.toml"], ["site.toml"]]


def test_sources_state_sees_names_that_are_not_utf8_without_opening_anything(tmp_path: Path) -> None:
    folder = tmp_path / "content/articles"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.fr.md")  # opening it would wait for a writer
    before = watch_module.sources_state(tmp_path)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.fr.md"), "wb"):
        pass
    after = watch_module.sources_state(tmp_path)
    assert before != after and any(entry[0].endswith(b"/caf\xe9.fr.md") for entry in after)
    assert watch_module.sources_state(tmp_path) == after
