"""The whole pipeline against checked-in output; `make golden` refreshes it after an intended change."""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.golden import EXPECTED, build_golden
from tests.helpers import tree_digest


def test_golden_site_matches_checked_in_output(tmp_path: Path) -> None:
    out = build_golden(tmp_path / "out")
    got, want = tree_digest(out), tree_digest(EXPECTED)
    assert sorted(got) == sorted(want), "file list differs: run `make golden` if intended"
    for rel in sorted(got):
        if got[rel] != want[rel]:
            diff = difflib.unified_diff(
                (EXPECTED / rel).read_text().splitlines(), (out / rel).read_text().splitlines(),
                f"expected/{rel}", f"built/{rel}", lineterm="", n=2)
            raise AssertionError("\n".join(list(diff)[:60]) + "\n(run `make golden` if intended)")


def test_same_input_gives_same_bytes(tmp_path: Path) -> None:
    first = tree_digest(build_golden(tmp_path / "a"))
    second = tree_digest(build_golden(tmp_path / "b"))
    assert first == second
