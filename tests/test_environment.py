"""The suite's environment: exactly what uv.lock says, within pyproject.toml's ranges, and a suite
that passes however it was started (with Ctrl-C or hang-up ignored, as a script's background job or
`nohup` starts it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def locked() -> dict[str, str]:
    """Package name → version, for every package in uv.lock but the project itself."""
    return {canonicalize_name(p["name"]): p["version"] for p in LOCK["package"] if p["name"] != PROJECT["name"]}


def installed() -> dict[str, str]:
    """Package name → version, for every distribution this Python sees."""
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()
            if canonicalize_name(d.metadata["Name"]) != PROJECT["name"]}


def test_every_installed_package_is_the_locked_version() -> None:
    lock = locked()
    wrong = {name: (version, lock.get(name)) for name, version in installed().items() if lock.get(name) != version}
    assert wrong == {}, "installed → locked (None: not in uv.lock); run `make setup`"


def test_every_requirement_of_the_project_is_installed_and_locked() -> None:
    requirements = [Requirement(r) for r in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]]]
    have = installed()
    missing = [str(r) for r in requirements if canonicalize_name(r.name) not in have]
    assert missing == []


def test_the_ranges_in_pyproject_include_the_locked_versions() -> None:
    lock = locked()
    requirements = [Requirement(r) for r in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]]]
    outside = [f"{r} (locked {lock[canonicalize_name(r.name)]})" for r in requirements
               if not r.specifier.contains(lock[canonicalize_name(r.name)], prereleases=True)]
    assert outside == []


def test_make_installs_from_the_lock_without_changing_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    setup = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)
    assert setup is not None
    assert "sync --frozen" in setup.group(1)
    assert re.search(r"^build: \$\(STAMP\)", makefile, re.M) and re.search(r"^test: \$\(STAMP\)", makefile, re.M)
    assert re.search(r"^lock:.*\n\t.*lock --upgrade", makefile, re.M)


def test_the_lock_matches_pyproject() -> None:
    uv = ROOT / ".tools/uv/bin/uv"
    if not uv.exists():
        pytest.fail("uv is not installed in .tools/uv: run `make setup`")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run([str(uv), "lock", "--check", "--offline", "--python", sys.executable],
                            cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr + "\n(pyproject.toml changed: run `make lock`)"


def _ignore_stop_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def test_the_tests_that_stop_processes_pass_when_the_suite_inherits_ctrl_c_ignored(tmp_path: Path) -> None:
    # As `make test &` in a script (SIGINT ignored) or under `nohup` (SIGHUP ignored) would start them.
    tests = ["tests/test_faults.py::test_sigint_while_writing_exits_130_and_keeps_the_previous_output",
             "tests/test_serve.py::test_ctrl_c_kill_or_a_closed_terminal_stops_the_server_cleanly"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
                             str(tmp_path / "t"), *tests], cwd=ROOT, capture_output=True, text=True,
                            preexec_fn=_ignore_stop_signals, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout[-500:]
