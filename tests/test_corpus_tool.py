"""`benchmarks/corpus.py`, the synthetic archive the benchmark and the README's look-and-feel checks
use: a command line that says what it does, writes a project that builds, and never replaces a
folder it did not make."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import build_site, tree_digest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks/corpus.py"


def corpus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_help_describes_the_command_line() -> None:
    result = corpus("--help")
    assert result.returncode == 0
    assert "usage: corpus.py" in result.stdout and "--pairs" in result.stdout and "--seed" in result.stdout


def test_writes_a_project_that_builds_the_same_bytes_each_time(tmp_path: Path) -> None:
    result = corpus(str(tmp_path / "a"), "--pairs", "3")
    assert result.returncode == 0, result.stderr
    assert "3 pairs (6 articles)" in result.stdout
    assert len(list((tmp_path / "a/content/articles").rglob("*.md"))) == 6
    built = build_site(tmp_path / "a", search=False)
    assert built.articles == {"fr": 3, "en": 3}
    assert corpus(str(tmp_path / "b"), "--pairs", "3").returncode == 0
    assert tree_digest(tmp_path / "a/content") == tree_digest(tmp_path / "b/content")


def test_a_folder_it_did_not_make_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = corpus(str(tmp_path), "--pairs", "2")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path}: exists and is not a corpus made by this script")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
