"""A build killed outright (SIGKILL: a power cut, `kill -9`) at the moments that matter, and at many
others: the next build finishes or undoes what it left, is not refused, and writes the bytes a
clean build writes, with nothing left beside the output.

The build runs in a child process, in a process group of its own (the kill takes its workers with
it), where the file-system calls of the write path are counted: a first run records them (the
trace), then each run is killed right after the call chosen from it."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder import memo
from site_builder.errors import SiteError
from tests.helpers import article, build_site, make_site, tree_digest

KILLED_BUILD = textwrap.dedent("""
    import json, os, signal, sys
    from site_builder.output import write
    from site_builder.cli import main

    project, trace, kill_at, exchange = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "exchange"
    calls = []
    if not exchange:  # as on a system without renameat2's RENAME_EXCHANGE
        write.exchange = lambda first, second: False

    class Listing:
        # Folders listed in name order, here the order their entries were made in (as ext4 without
        # dir_index lists them), whatever this file system does.
        def __init__(self, entries):
            self.entries = iter(sorted(entries, key=lambda entry: entry.name))
        def __iter__(self):
            return self
        def __next__(self):
            return next(self.entries)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            pass
        def close(self):
            pass

    def counted(module, name):
        original = getattr(module, name)
        def call(*args, **kwargs):
            result = original(*args, **kwargs)
            calls.append([name, *map(str, args[:2])])
            if len(calls) == kill_at:
                os.killpg(0, signal.SIGKILL)
            return result
        setattr(module, name, call)

    real_scandir = os.scandir
    os.scandir = lambda *args: Listing(list(real_scandir(*args)))
    for name in ("rename", "replace", "unlink", "rmdir", "mkdir"):
        counted(os, name)
    for name in ("write_file", "exchange"):
        if hasattr(write, name):  # (exchange: not in versions before it)
            counted(write, name)
    try:
        main(["build", project, "--no-search", "--jobs", "1"])
    finally:
        with open(trace, "w") as file:
            json.dump(calls, file)
""")

Trace = list[list[str]]
"""The file-system calls of a build, in order: [function, first argument, second argument]."""


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    """Each build in this process reads the cache, as a new process would (the children change it)."""
    memo.forget()


def run_build(root: Path, kill_at: int = 0, exchange: bool = True) -> Trace:
    """Build `root` in a child process, killed right after its `kill_at`-th counted call (0: never);
    the trace of a build that was not killed."""
    script, trace = root.parent / f"{root.name}-build.py", root.parent / f"{root.name}-trace.json"
    script.write_text(KILLED_BUILD)
    done = subprocess.run([sys.executable, str(script), str(root), str(trace), str(kill_at),
                           "exchange" if exchange else "rename"],
                          capture_output=True, text=True, timeout=60, start_new_session=True)
    if kill_at:
        assert done.returncode == -signal.SIGKILL, done.stderr
        return []
    assert done.returncode == 0, done.stderr
    return list(json.loads(trace.read_text()))


def toml(title: str) -> str:
    return f'base_url = "https://example.org/"\n[languages.fr]\ntitle = "{title}"\n'


def before(root: Path) -> Path:
    """A project, built: the previous output."""
    make_site(root, {"site.toml": toml("Un"), **{f"content/articles/{i}.fr.md": article(f"Article {i}", tags="[Sujet]")
                                                  for i in range(4)}})
    build_site(root, search=False)
    return root


def after(root: Path) -> Path:
    """The next version of `before`'s project: every page changes (the site's title), an article is
    retitled, one deleted (its folder goes), one added under a new tag (a new folder)."""
    (root / "content/articles/3.fr.md").unlink()
    return make_site(root, {"site.toml": toml("Deux"),
                            "content/articles/1.fr.md": article("Article 1, corrigé", tags="[Sujet]"),
                            "content/articles/4.fr.md": article("Article 4", tags="[Nouveau]")})


def tree(folder: Path) -> dict[str, str]:
    """Every file (its sha256) and folder ("/") under `folder`."""
    return {p.relative_to(folder).as_posix(): "/" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def clean(tmp_path: Path) -> dict[str, str]:
    """What a clean build of `after`'s project writes."""
    root = after(before(tmp_path / "clean"))
    build_site(root, output=tmp_path / "clean-output", search=False, cache=False)
    return tree(tmp_path / "clean-output")


def leftovers(root: Path) -> list[str]:
    """Staging folders, journals or old outputs beside the output."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".public."))


def rebuilt_as_clean(root: Path, clean: dict[str, str]) -> None:
    """The next build is not refused, writes what a clean build writes, and leaves nothing beside."""
    build_site(root, search=False)
    assert tree(root / "public") == clean
    assert leftovers(root) == []


def moments(trace: Trace, first: Callable[[list[str]], bool], last: Callable[[list[str]], bool] | None = None,
            most: int = 12) -> list[int]:
    """Up to `most` call numbers (1-based), evenly spread from the first call `first` matches to the
    last one `last` matches (default: the end of the trace)."""
    start = next(i for i, call in enumerate(trace) if first(call))
    end = max((i for i, call in enumerate(trace) if last(call)), default=len(trace) - 1) if last else len(trace) - 1
    step = max(1, (end - start + 1) // most)
    return [i + 1 for i in range(start, end + 1, step)][:most]


def inside(folder: str, path: str) -> bool:
    return path == folder or path.startswith(folder + "/")


# --- the moments named ---------------------------------------------------------------------------

def test_kill_after_index_html_went_into_the_journal_is_undone_and_the_folder_not_refused(
        tmp_path: Path, clean: dict[str, str]) -> None:
    trace = run_build(after(before(tmp_path / "trace")))
    index_html = str(tmp_path / "trace/public/index.html")
    moment = next(i for i, (name, *paths) in enumerate(trace, 1) if name == "rename" and paths[0] == index_html)
    root = after(before(tmp_path / "site"))
    run_build(root, kill_at=moment)
    assert not (root / "public/index.html").exists()  # moved into the journal, its new version not yet in
    rebuilt_as_clean(root, clean)


def test_kill_between_the_two_renames_of_a_swap_is_undone(tmp_path: Path, clean: dict[str, str]) -> None:
    # A folder holding a link is rewritten whole, and swapped in; here without RENAME_EXCHANGE.
    for name in ("trace", "site"):
        (before(tmp_path / name) / "public/link").symlink_to("robots.txt")
    trace = run_build(after(tmp_path / "trace"), exchange=False)
    public = str(tmp_path / "trace/public")
    moment = next(i for i, (name, *paths) in enumerate(trace, 1) if name == "rename" and paths[0] == public)
    root = after(tmp_path / "site")
    run_build(root, kill_at=moment, exchange=False)
    assert not (root / "public").exists()  # set aside, the new one not yet in
    rebuilt_as_clean(root, clean)


def test_a_swap_killed_at_any_moment_never_leaves_the_output_missing_where_folders_can_be_exchanged(
        tmp_path: Path, clean: dict[str, str]) -> None:
    (before(tmp_path / "trace") / "public/link").symlink_to("robots.txt")
    trace = run_build(after(tmp_path / "trace"))
    public = str(tmp_path / "trace/public")
    # From the swap (an exchange; an older builder renamed the output aside) to the end of the build.
    swap = moments(trace, lambda call: call[0] == "exchange" or (call[0] == "rename" and call[1] == public), most=8)
    for number, moment in enumerate(swap):
        root = before(tmp_path / f"site{number}")
        (root / "public/link").symlink_to("robots.txt")
        run_build(after(root), kill_at=moment)
        assert (root / "public/index.html").is_file(), trace[moment - 1]
        rebuilt_as_clean(root, clean)


def test_a_kill_while_the_journal_is_deleted_leaves_the_new_site(tmp_path: Path, clean: dict[str, str]) -> None:
    trace = run_build(after(before(tmp_path / "trace")))
    public = str(tmp_path / "trace/public")
    # From the last file moved into the output: what follows is the journal's deletion.
    last_in = max(i for i, call in enumerate(trace) if call[0] == "rename" and inside(public, call[2]))
    for number, moment in enumerate(moments(trace[last_in + 1:], lambda call: True, most=10)):
        root = after(before(tmp_path / f"site{number}"))
        run_build(root, kill_at=last_in + 1 + moment)
        # A next build that fails (a bad article) recovers the folder first: it holds the new site.
        make_site(root, {"content/articles/bad.fr.md": "no front matter\n"})
        with pytest.raises(SiteError, match="bad.fr.md"):
            build_site(root, search=False)
        assert tree_digest(root / "public") == {path: sha for path, sha in clean.items() if sha != "/"}
        (root / "content/articles/bad.fr.md").unlink()
        rebuilt_as_clean(root, clean)


def test_a_first_build_killed_while_staging_leaves_nothing_behind(tmp_path: Path, clean: dict[str, str]) -> None:
    def first_build(root: Path) -> Path:
        root = after(before(root))
        (root / "public").rename(root.parent / f"{root.name}-elsewhere")  # the cache stays: as in a CI job
        return root

    trace = run_build(first_build(tmp_path / "trace"))
    stage = str(tmp_path / "trace/.public.tmp-")
    for number, moment in enumerate(moments(trace, lambda call: call[0] == "mkdir" and call[1].startswith(stage))):
        root = first_build(tmp_path / f"site{number}")
        run_build(root, kill_at=moment)
        assert not (root / "public").exists() or tree(root / "public") == clean, trace[moment - 1]
        rebuilt_as_clean(root, clean)


def test_an_update_killed_at_any_moment_is_undone_by_the_next_build(tmp_path: Path, clean: dict[str, str]) -> None:
    trace = run_build(after(before(tmp_path / "trace")))
    journal = str(tmp_path / "trace/.public.journal-")
    for number, moment in enumerate(moments(trace, lambda call: call[0] == "mkdir" and call[1].startswith(journal),
                                            most=12)):
        root = after(before(tmp_path / f"site{number}"))
        run_build(root, kill_at=moment)
        rebuilt_as_clean(root, clean)
