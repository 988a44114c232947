"""What may be a source of the site (`site_builder/sources.py`): a regular file or a folder inside the
project, reached without following a link out of it. Everything else under content/, templates/ and
static/ is reported with its path, never opened, never published; every file name is shown escaped.

Links, FIFOs, sockets and odd file names are made here rather than kept in the bad-input corpus
(git stores no FIFO, and checkouts differ in how they treat links and bytes in names)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.build import BuildOptions
from site_builder.content.files import read_file_source, read_source, read_unseen_source
from site_builder.errors import Problem, SiteError
from site_builder.preview.session import Session
from tests.helpers import NOW, article, build_site, make_site

A = "content/articles/a.fr.md"
TOKEN = "AUTHORIZATION: basic SECRET-TOKEN"
SECRET = "SECRET-CONTENT"
RUN_GUARD = 30
"""Seconds a build in a child process may take before the test fails: a build of these projects
takes well under one, so this only ever catches a build blocked for ever (in `open` on a FIFO)."""


def project_with_secrets(tmp_path: Path) -> Path:
    """A project holding what must never be published (the token actions/checkout leaves in
    .git/config, a draft), and beside it a folder of someone else's files."""
    make_site(tmp_path / "outside", {"secret.txt": SECRET, "secret.fr.md": article("Secret", body=SECRET),
                                     "articles/secret.fr.md": article("Secret", body=SECRET),
                                     "base.html": f"{SECRET} {{{{ page }}}}"})
    return make_site(tmp_path / "project", {
        A: article("Public"),
        "content/articles/draft.fr.md": article("Brouillon", body="DRAFT-TEXT", draft="true"),
        ".git/config": f'[http "https://github.com/"]\n\textraheader = {TOKEN}\n',
    })


def run_build(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`site-builder build PROJECT` in a child process: its exit status, what it printed (file names
    as bytes that are not UTF-8 come back as `\\udcXX`), no hang."""
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", str(project), "--no-search", *options],
                            capture_output=True, timeout=RUN_GUARD)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "surrogateescape"),
                                       result.stderr.decode("utf-8", "surrogateescape"))


@contextlib.contextmanager
def fifos_released(*fifos: Path, every: float = 1.0) -> Iterator[None]:
    """Fail rather than hang when the block opens one of `fifos`: every `every` seconds, each is
    opened for writing and closed again, which lets an `open` blocked on it return (a read then
    finds nothing). (SIGALRM cannot do it: the kernel may give the signal to another thread.)"""
    stop = threading.Event()

    def release() -> None:
        while not stop.wait(every):
            for fifo in fifos:
                with contextlib.suppress(OSError):  # ENXIO: nothing is waiting on it
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def published(project: Path) -> str:
    """Every file the build wrote, names and bytes, as one text."""
    out = project / "public"
    if not out.exists():
        return ""
    return "\n".join(f"{p.relative_to(out)}\n{p.read_bytes().decode('utf-8', 'replace')}"
                     for p in sorted(out.rglob("*")) if p.is_file())


def assert_refused(result: subprocess.CompletedProcess[str], project: Path, *fragments: str) -> None:
    """The build failed cleanly (no traceback), saying `fragments`, and published nothing."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not (project / "public").exists()


# --- source folders that are links -------------------------------------------------------------------

@pytest.mark.parametrize("target", [".", "..", ".git"])
def test_static_linked_to_the_project_or_a_hidden_folder_is_refused_and_publishes_nothing(
        tmp_path: Path, target: str) -> None:
    project = project_with_secrets(tmp_path)
    (project / "static").symlink_to(target, target_is_directory=True)
    result = run_build(project)
    assert_refused(result, project, "static: is a link to ", "it is not followed")
    assert TOKEN not in published(project)


@pytest.mark.parametrize("folder", ["static", "templates", "content", "content/articles"])
def test_a_source_folder_linked_out_of_the_project_is_refused_naming_its_target(tmp_path: Path, folder: str) -> None:
    project = project_with_secrets(tmp_path)
    outside = tmp_path / "outside"
    if folder == "content/articles":
        for path in sorted((project / folder).iterdir()):
            path.unlink()
        (project / folder).rmdir()
        outside = outside / "articles"
    elif folder == "content":
        (project / "content").rename(project / "old-content")
    (project / folder).symlink_to(outside, target_is_directory=True)
    result = run_build(project)
    assert_refused(result, project, f"{folder}: is a link to {outside}, outside the project; it is not followed: "
                                    "copy the files into the project, or remove the link")
    assert SECRET not in published(project)


def test_a_link_in_templates_to_a_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = project_with_secrets(tmp_path)
    (project / "templates").mkdir()
    (project / "templates/base.html").symlink_to(tmp_path / "outside/base.html")
    result = run_build(project)
    assert_refused(result, project, f"templates/base.html: is a link to {tmp_path / 'outside/base.html'}, "
                                    "outside the project")


def test_a_link_in_static_to_a_file_outside_the_project_is_an_error_and_one_inside_a_warning(tmp_path: Path) -> None:
    project = project_with_secrets(tmp_path)
    make_site(project, {"static/files/notice.txt": "Public notice\n", "notes/inside.txt": "Inside\n"})
    (project / "static/inside.txt").symlink_to(project / "notes/inside.txt")
    (project / "static/leak.txt").symlink_to(tmp_path / "outside/secret.txt")
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert [str(p) for p in caught.value.problems if p.severity == "error"] == [
        f"static/leak.txt: is a link to {tmp_path / 'outside/secret.txt'}, outside the project; it is not "
        "followed: copy the files into the project, or remove the link"]
    (project / "static/leak.txt").unlink()
    result = build_site(project)
    assert [str(w) for w in result.warnings if w.path.startswith("static/")] == [
        "static/inside.txt: warning: is a link; links in static/ are not copied to the site: "
        "copy the file there instead"]
    assert (project / "public/files/notice.txt").exists() and not (project / "public/inside.txt").exists()


def test_a_link_that_leads_to_itself_is_reported_not_a_crash(tmp_path: Path) -> None:
    project = make_site(tmp_path, {A: article()})
    (project / "content/articles/loop.fr.md").symlink_to("loop.fr.md")
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert [str(p) for p in caught.value.problems] == [
        "content/articles/loop.fr.md: cannot be read: Too many levels of symbolic links"]


# --- anything that is not a regular file ---------------------------------------------------------------

@pytest.fixture
def fifo_project(tmp_path: Path) -> Iterator[Path]:
    yield make_site(tmp_path, {A: article(), "static/robots-extra.txt": "x\n", "templates/partials/.keep": ""})


@pytest.mark.parametrize("rel", ["content/articles/b.fr.md", "content/articles/2024/notes", "static/pipe.txt",
                                 "templates/base.html", "content/tags.toml", "site.toml"])
def test_a_fifo_anywhere_among_the_sources_is_reported_never_opened(fifo_project: Path, rel: str) -> None:
    (fifo_project / rel).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo_project / rel)
    result = run_build(fifo_project)  # would block for ever in open() if the FIFO were opened
    assert_refused(result, fifo_project, f"{rel}: is a named pipe (FIFO), not a file; it is not read: remove it")


def test_a_socket_in_static_is_reported(fifo_project: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(fifo_project / "static/control"))
        result = run_build(fifo_project)
    assert_refused(result, fifo_project, "static/control: is a socket, not a file; it is not read: remove it")


def test_an_article_that_became_a_fifo_is_reported_by_the_previews_next_build(tmp_path: Path) -> None:
    project = make_site(tmp_path / "project", {A: article(), "content/articles/b.fr.md": article("B")})
    options = BuildOptions(project=project, output=tmp_path / "preview", now=NOW, search=False)
    session = Session()
    session.build(options)
    (project / "content/articles/b.fr.md").unlink()
    fifos = [project / "content/articles/b.fr.md", project / "content/articles/c.fr.md"]
    for fifo in fifos:
        os.mkfifo(fifo)
    changed = ["content/articles/b.fr.md", "content/articles/c.fr.md"]  # (told so: the folder is not walked)
    with fifos_released(*fifos), pytest.raises(SiteError) as caught:
        session.build(options, changed)
    assert sorted(p.path for p in caught.value.problems) == changed
    assert all("is a named pipe (FIFO)" in p.message for p in caught.value.problems)


def test_a_file_that_became_a_fifo_after_the_walk_is_reported_by_every_reader(tmp_path: Path) -> None:
    """The readers open without blocking and look before reading: a FIFO that took an article's
    place after the folder was walked (or a first build's worker was given it) is refused too."""
    project = make_site(tmp_path, {A: article()})
    fifo = project / "content/articles/b.fr.md"
    os.mkfifo(fifo)
    rel = "content/articles/b.fr.md"
    with fifos_released(fifo):
        results = [read_unseen_source(project, rel, str(fifo), None)[:2], read_source(project, fifo, None),
                   read_file_source(rel, str(fifo), 0, None)]
    expected = f"{rel}: is a named pipe (FIFO), not a file; it is not read: remove it"
    assert [(source, str(problem)) for source, problem in results] == [(None, expected)] * 3


# --- file names ----------------------------------------------------------------------------------------

LATIN_1 = os.fsdecode(b"caf\xe9.fr.md")


@pytest.mark.parametrize("folder", ["content/articles", "static", "templates"])
def test_a_file_name_that_is_not_utf8_is_reported_escaped_with_the_name_to_give_it(tmp_path: Path, folder: str) -> None:
    project = make_site(tmp_path, {A: article(), f"{folder}/{LATIN_1}": article("Café")})
    result = run_build(project)  # with the cache: it used to crash writing the name into it
    assert_refused(result, project, f"{folder}/caf\\xe9.fr.md: the file name is not valid UTF-8: rename it "
                                    "(to `café.fr.md` if it was written in Latin-1)")
    assert "\udce9" not in result.stderr


def test_a_folder_name_that_is_not_utf8_is_reported_and_not_walked(tmp_path: Path) -> None:
    folder = os.fsdecode(b"\x81\xff")  # no such characters in Latin-1 or Windows-1252: no name to suggest
    project = make_site(tmp_path, {A: article(), f"content/articles/{folder}/b.fr.md": article("B")})
    with pytest.raises(SiteError) as caught:
        build_site(project)
    assert [str(p) for p in caught.value.problems] == [
        "content/articles/\\x81\\xff: the file name is not valid UTF-8: rename it"]


def test_file_names_are_shown_escaped_so_that_a_message_is_one_line(tmp_path: Path) -> None:
    name = "a\x1b]0;owned\x07\x1b[2J\nb\u202ecod.fr.md"
    project = make_site(tmp_path, {A: article(), f"content/articles/{name}": "no front matter\n"})
    result = run_build(project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not {"\x1b", "\x07", "\u202e"} & set(result.stderr)
    line = r"content/articles/a\x1b]0;owned\x07\x1b[2J\nb\u202ecod.fr.md: the file name holds the character U+001B"
    assert result.stderr.splitlines()[0].startswith(line), result.stderr
    assert "rename it" in result.stderr.splitlines()[0]


@pytest.mark.parametrize("name", ["x\x1b[2J.txt", "a\nb.txt", "facture\u202etxt.exe", "p\u2028q.css"])
def test_a_static_file_whose_name_holds_a_control_character_is_refused_not_published(tmp_path: Path,
                                                                                      name: str) -> None:
    project = make_site(tmp_path, {A: article(), f"static/{name}": "x"})
    result = run_build(project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the file name holds the character U+" in result.stderr and "rename it" in result.stderr
    assert not (project / "public" / name).exists()


@pytest.mark.parametrize("raw, escaped", [
    ("plain/café.fr.md", "plain/café.fr.md"),
    ("a\nb\tc\rd", r"a\nb\tc\rd"),
    ("\x00\x1b\x7f\x85\x9b", r"\x00\x1b\x7f\x85\x9b"),
    ("\u202a\u202e\u2066\u2069\u2028", r"\u202a\u202e\u2066\u2069\u2028"),
    (os.fsdecode(b"caf\xe9"), r"caf\xe9"),
])
def test_shown_makes_every_control_bidi_override_and_stray_byte_visible(raw: str, escaped: str) -> None:
    from site_builder.errors import shown
    assert shown(raw) == escaped
    assert str(Problem(raw, 3, "bad")) == f"{escaped}:3: bad"


@pytest.mark.parametrize("kind", ["repository", "submodule"])
def test_git_data_inside_static_is_never_published(tmp_path: Path, kind: str) -> None:
    files = {A: article(), "static/logo.txt": "logo"}
    if kind == "repository":
        files["static/.git/config"] = '[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n'
    else:
        files["static/.git"] = "gitdir: ../.git/modules/static\n"
    project = make_site(tmp_path, files)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert "static/.git: warning: is git's own data" in result.stderr
    assert (project / "public/logo.txt").exists() and not (project / "public/.git").exists()
