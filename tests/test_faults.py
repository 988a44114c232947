"""Faults under a build: a crash while rendering, a full or read-only disk, Ctrl-C. Each leaves the
previous output byte-identical (or, once the swap has begun, the new one whole) and no temporary folder."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.cli import main
from site_builder.errors import BuildError, SiteError
from site_builder.output import write
from site_builder.render import pages as render
from tests.helpers import article, build_site, default_signals, make_site, tree_digest

FAIL_AT = 57


def site_of(root: Path, count: int, title: str = "Article") -> Path:
    """A project with `count` small French articles (enough for `count` + a few pages)."""
    return make_site(root, {f"content/articles/{i:03d}.fr.md": article(f"{title} {i}", tags="[Sujet]")
                            for i in range(count)})


def built(root: Path) -> dict[str, str]:
    """Build `root` once (the "previous output") and return its digest."""
    build_site(root)
    return tree_digest(root / "public")


def leftovers(root: Path) -> list[str]:
    """Staging or old-output folders left beside the output."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".public."))


def fail_on_call(number: int, error: BaseException, original: Callable) -> Callable:  # type: ignore[type-arg]
    """`original`, except that its `number`-th call raises `error`."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        return original(*args, **kwargs)
    return wrapper


def test_crash_while_rendering_page_57_of_100_keeps_the_previous_output(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    before = built(site_of(tmp_path, 100))
    site_of(tmp_path, 100, title="Changed")
    monkeypatch.setattr(render, "render_page", fail_on_call(FAIL_AT, RuntimeError("boom"), render.render_page))
    with pytest.raises(RuntimeError, match="boom"):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_write_failing_half_way_keeps_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          code: int) -> None:
    before = built(site_of(tmp_path, 100))
    site_of(tmp_path, 100, title="Changed")
    error = OSError(code, os.strerror(code), "fr/index.html")
    monkeypatch.setattr(write, "write_file", fail_on_call(FAIL_AT, error, write.write_file))
    with pytest.raises(BuildError, match=f"cannot write the site: {os.strerror(code)}"):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert leftovers(tmp_path) == []


def test_staging_folder_that_cannot_be_made_is_a_build_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = built(site_of(tmp_path, 3))
    site_of(tmp_path, 3, title="Changed")  # something to write (with nothing changed, nothing is)
    error = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path))
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name.startswith(".public."):  # a staging folder or a journal beside the output
            raise error
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(write.os, "mkdir", mkdir)
    with pytest.raises(BuildError, match="cannot write the site: Permission denied"):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before


def test_swap_failing_puts_the_previous_output_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = built(site_of(tmp_path, 3))
    site_of(tmp_path, 3, title="Changed")
    # First rename moves the old output aside; the second (stage → output) fails.
    error = OSError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path / "public"))
    monkeypatch.setattr(write.os, "rename", fail_on_call(2, error, os.rename))
    with pytest.raises(BuildError, match="Permission denied"):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_writing_keeps_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = built(site_of(tmp_path, 100))
    site_of(tmp_path, 100, title="Changed")
    monkeypatch.setattr(write, "write_file", fail_on_call(FAIL_AT, KeyboardInterrupt(), write.write_file))
    with pytest.raises(KeyboardInterrupt):
        build_site(tmp_path)
    assert tree_digest(tmp_path / "public") == before
    assert leftovers(tmp_path) == []


def test_ctrl_c_during_the_swap_waits_for_the_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built(site_of(tmp_path, 3))
    site_of(tmp_path, 3, title="Changed")
    renames, original = [], os.rename

    def rename_then_sigint(src, dst):  # type: ignore[no-untyped-def]
        original(src, dst)
        renames.append(dst)
        if len(renames) == 1:  # the old output is aside, the new one not yet in place
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(write.os, "rename", rename_then_sigint)
    with pytest.raises(KeyboardInterrupt):
        build_site(tmp_path)
    # The second build replaces the changed files one by one (sync.py): the interrupt waited for all.
    assert len(renames) > 2
    assert all(f"Changed {i}" in (tmp_path / f"public/fr/2024/11/{i:03d}/index.html").read_text() for i in range(3))
    assert leftovers(tmp_path) == []


# A real process, really interrupted: the build pauses at a chosen moment and says so on stdout.
PAUSING_BUILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from site_builder.output import write
    from site_builder.cli import main

    where = sys.argv[2]
    original_write, original_rename = write.write_file, os.rename
    writes, paused = [], []

    def write_file(path, data):
        writes.append(path)
        if where == "write" and len(writes) == 57:
            print("paused", flush=True)
            time.sleep(60)
        return original_write(path, data)

    def rename(src, dst):
        original_rename(src, dst)
        # The swap of a first build (the old output moved aside), or of a later one (a new file moved in).
        if where == "swap" and not paused and (str(dst).endswith("site") or "/new/" in str(src)):
            paused.append(dst)
            print("paused", flush=True)
            time.sleep(2)

    write.write_file, os.rename = write_file, rename
    main(["build", sys.argv[1]])
""")


def interrupted_cli_build(tmp_path: Path, where: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "pausing_build.py"
    script.write_text(PAUSING_BUILD)
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path / "site"), where],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "paused"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_sigint_while_writing_exits_130_and_keeps_the_previous_output(tmp_path: Path) -> None:
    before = built(site_of(tmp_path / "site", 100))
    site_of(tmp_path / "site", 100, title="Changed")
    result = interrupted_cli_build(tmp_path, "write")
    assert result.returncode == 130
    assert result.stderr.strip() == "Interrupted: the output folder still holds the last complete build."
    assert tree_digest(tmp_path / "site/public") == before
    assert leftovers(tmp_path / "site") == []


def test_sigint_during_the_swap_exits_130_with_the_new_output_whole(tmp_path: Path) -> None:
    built(site_of(tmp_path / "site", 3))
    site_of(tmp_path / "site", 3, title="Changed")
    result = interrupted_cli_build(tmp_path, "swap")
    assert result.returncode == 130
    assert "Interrupted" in result.stderr
    assert "Changed 2" in (tmp_path / "site/public/fr/index.html").read_text()
    assert leftovers(tmp_path / "site") == []


# --- --keep-going ------------------------------------------------------------------------------------

def test_keep_going_builds_every_good_article_among_1000_and_reports_the_bad_one(tmp_path: Path) -> None:
    site_of(tmp_path, 1000)
    make_site(tmp_path, {"content/articles/500.fr.md": "---\ntitle: Sans date\n---\n\nTexte.\n"})
    result = build_site(tmp_path, keep_going=True)
    assert [str(p) for p in result.problems] == [
        "content/articles/500.fr.md:1: `date` is missing: add `date: YYYY-MM-DD`"]
    pages = {p.parent.name for p in (tmp_path / "public/fr/2024/11").glob("*/index.html")}
    assert pages == {f"{i:03d}" for i in range(1000) if i != 500}


def test_without_keep_going_one_bad_article_stops_the_build(tmp_path: Path) -> None:
    site_of(tmp_path, 3)
    make_site(tmp_path, {"content/articles/bad.fr.md": "---\ntitle: Sans date\n---\n"})
    with pytest.raises(SiteError, match="bad.fr.md:1: `date` is missing"):
        build_site(tmp_path)
    assert not (tmp_path / "public").exists()


def test_keep_going_on_the_command_line_reports_every_bad_file_and_exits_1(tmp_path: Path) -> None:
    site_of(tmp_path, 3)
    make_site(tmp_path, {"content/articles/bad1.fr.md": "---\ntitle: [\n---\n",
                         "content/articles/bad2.fr.md": "no header\n"})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--keep-going"])
    assert result.exit_code == 1
    assert "content/articles/bad1.fr.md:3: invalid YAML" in result.stderr
    assert "content/articles/bad2.fr.md:1: no front matter" in result.stderr
    assert "2 errors: 2 files left out of the site (--keep-going); correct them and build again" in result.stderr
    assert "Build failed" not in result.stderr  # the good articles were built and published
    lines = result.stderr.splitlines()
    assert lines[0].startswith("content/articles/bad1.fr.md:3: invalid YAML")  # first things first
    assert lines[1].startswith("content/articles/bad2.fr.md:1: no front matter")
    assert "Built 3 articles" in result.stdout
    assert (tmp_path / "public/fr/2024/11/002/index.html").exists()


# --- the next build ----------------------------------------------------------------------------------

def test_deleted_article_and_its_now_empty_tag_page_are_gone_after_the_next_build(tmp_path: Path) -> None:
    make_site(tmp_path, {"content/articles/a.fr.md": article("Reste", tags="[Commun]"),
                         "content/articles/b.fr.md": article("Partira", tags="[Commun, Seul]")})
    build_site(tmp_path)
    assert (tmp_path / "public/fr/2024/11/b/index.html").exists()
    assert (tmp_path / "public/fr/tags/seul/index.html").exists()
    (tmp_path / "content/articles/b.fr.md").unlink()
    build_site(tmp_path)
    out = tmp_path / "public"
    assert not (out / "fr/2024/11/b").exists()
    assert not (out / "fr/tags/seul").exists()
    assert (out / "fr/tags/commun/index.html").exists()
    assert not any("Partira" in p.read_text() for p in out.rglob("*.html"))


# --- the output folder: the builder's own, readable by others --------------------------------------

def test_output_folder_with_an_index_html_of_its_own_is_refused_and_left_untouched(tmp_path: Path) -> None:
    site_of(tmp_path / "project", 3)
    make_site(tmp_path / "documents", {"index.html": "<p>My page</p>", "notes.txt": "notes",
                                       ".ssh/id_rsa": "KEY", "photos/cat.jpg": b"\xff\xd8"})
    before = tree_digest(tmp_path / "documents")
    with pytest.raises(SiteError, match=r"the output folder .*/documents holds files that site-builder did not "
                                        r"write .*: choose an empty or new folder, or delete this one yourself"):
        build_site(tmp_path / "project", output=tmp_path / "documents")
    assert tree_digest(tmp_path / "documents") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "project"]


def test_folder_built_before_the_record_existed_is_used_only_if_the_cache_wrote_every_file(tmp_path: Path) -> None:
    root = site_of(tmp_path, 3)
    build_site(root)
    (root / "public/.site-builder").unlink(missing_ok=True)  # as the previous version left it
    (root / "public/notes.txt").write_text("mine")
    site_of(root, 3, title="Changed")
    with pytest.raises(SiteError, match="holds files that site-builder did not write"):
        build_site(root)
    assert (root / "public/notes.txt").read_text() == "mine"
    (root / "public/notes.txt").unlink()
    build_site(root)  # every file (Pagefind's aside) is one the cache says a build wrote there
    assert "Changed 0" in (root / "public/fr/index.html").read_text()
    assert (root / "public/.site-builder").is_file()


def test_stale_staging_folders_are_removed_only_when_they_hold_the_builders_record(tmp_path: Path) -> None:
    root = site_of(tmp_path, 3)
    make_site(root, {".public.tmp-killed/.site-builder": "", ".public.tmp-killed/fr/index.html": "half",
                     ".public.tmp-someone-elses/letter.txt": "Dear…"})
    (root / ".public.journal-empty").mkdir()  # made, then killed before anything was written in it
    build_site(root)
    assert leftovers(root) == [".public.tmp-someone-elses"]
    assert (root / ".public.tmp-someone-elses/letter.txt").read_text() == "Dear…"


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077], ids=oct)
def test_output_folders_and_files_get_the_modes_the_umask_gives(tmp_path: Path, umask: int) -> None:
    site_of(tmp_path, 3)
    previous = os.umask(umask)
    try:
        build_site(tmp_path)
    finally:
        os.umask(previous)
    out = tmp_path / "public"
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {oct(0o777 & ~umask)}
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o666 & ~umask)}


def test_write_failing_while_staging_a_whole_new_output_keeps_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site_of(tmp_path, 100)
    build_site(root)
    (root / "public/link").symlink_to("robots.txt")  # a folder holding a link is rewritten whole
    before = tree_digest(root / "public")
    site_of(root, 100, title="Changed")
    error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "fr/index.html")
    monkeypatch.setattr(write, "write_file", fail_on_call(FAIL_AT, error, write.write_file))
    with pytest.raises(BuildError, match="cannot write the site: No space left on device"):
        build_site(root)
    assert tree_digest(root / "public") == before
    assert leftovers(root) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_write_failing_in_a_first_builds_staged_writes_leaves_no_output(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       jobs: int) -> None:
    """A first build writes its pages into the staging folder as they are rendered (by the workers,
    with jobs=2): they go through the one write seam (`write.write_file`) too."""
    root = site_of(tmp_path, 300)
    error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "fr/index.html")
    monkeypatch.setattr(write, "write_file", fail_on_call(FAIL_AT, error, write.write_file))
    with pytest.raises(BuildError, match="cannot write the site: No space left on device"):
        build_site(root, jobs=jobs, search=False)
    assert not (root / "public").exists()
    assert leftovers(root) == []


def test_every_writer_of_the_output_goes_through_the_write_seam() -> None:
    """Only `write.write_file` creates files in the output (and its staging and journal folders): the
    fault tests replace it to make any write fail."""
    import ast

    package = Path(write.__file__).parents[1]
    writers = {"write_bytes", "write_text", "open", "fdopen"}
    found = []
    for path in [*sorted((package / "output").glob("*.py")), package / "preview" / "session.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in writers:
                    found.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}")
    assert [f for f in found if not f.startswith("write.py:")] == []
