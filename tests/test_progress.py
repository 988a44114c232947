"""A build's progress: shown on stderr when it is a terminal (stages and a count, rewritten in place,
then erased), and nowhere else: a CI log or a pipe gets the summary only."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from site_builder.terminal import TerminalProgress
from tests.helpers import article, build_site, default_signals, make_site


def project(root: Path) -> Path:
    return make_site(root, {f"content/articles/a{i}.{lang}.md": article(f"T {i}", summary="S")
                            for i in range(3) for lang in ("fr", "en")})


def run_build(root: Path, stderr: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "site_builder", "build", str(root), "--no-search", "--future"],
                          stdout=subprocess.PIPE, stderr=stderr, preexec_fn=default_signals, check=False)


def read_all(fd: int) -> bytes:
    """What the other end of a pty wrote, until it closed (Linux says EIO then)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_build_on_a_terminal_shows_its_stages_and_erases_them(tmp_path: Path) -> None:
    root = project(tmp_path)
    main, other = pty.openpty()
    try:
        done = run_build(root, stderr=other)
        os.close(other)
        shown = read_all(main).decode("utf-8")
    finally:
        os.close(main)
    assert done.returncode == 0, shown
    assert "\rparse…" in shown and "\rparse 6/6…" in shown  # every article parsed (a first build)
    assert "\rrender" in shown and "\rwrite…" in shown
    assert shown.endswith("\r")  # the line is erased: only blanks after the last stage
    assert shown.rpartition("write…")[2].strip() == ""
    assert done.stdout.decode().startswith("Built 6 articles")


def test_a_build_into_a_pipe_prints_no_progress(tmp_path: Path) -> None:
    done = run_build(project(tmp_path), stderr=subprocess.PIPE)
    assert done.returncode == 0
    assert done.stderr == b""  # nothing to warn about, and no progress
    assert done.stdout.decode().count("\n") == 1


def test_progress_shows_each_stage_at_once_and_counts_at_most_ten_times_a_second() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = TerminalProgress(stream, clock=lambda: now[0])
    progress("parse", 0, 0)
    for done in range(1, 101):  # one a hundredth of a second: a second in all
        now[0] = done / 100
        progress("parse", done, 100)
    progress("render", 0, 0)
    written = stream.getvalue()
    assert written.startswith("\rparse…")
    assert 9 <= written.count("\rparse ") <= 11 and "\rparse 100/100…" in written  # (the last always)
    assert written.endswith("\rrender…" + " " * (len("parse 100/100…") - len("render…")))
    progress.clear()
    assert stream.getvalue().endswith("\r" + " " * len("render…") + "\r")


def test_the_build_tells_its_observer_every_stage(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    build_site(project(tmp_path), progress=lambda *call: seen.append(call), search=False)
    assert [call[0] for call in seen if call[2] == 0] == ["parse", "render", "write"]
    assert ("parse", 6, 6) in seen and max(call[1] for call in seen if call[0] == "render") > 6
