"""The codebase stays as STYLE.md asks: ruff-clean and mypy-clean (pinned versions, see pyproject)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    done = run("ruff", "check", "site_builder", "tests", "benchmarks", "tools")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    done = run("mypy", "site_builder")
    assert done.returncode == 0, done.stdout + done.stderr
