"""Golden output: build tests/fixtures/golden-site and compare with tests/fixtures/golden-expected.

Refresh after an intended change with `make golden` (python -m tests.golden)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import build_site

FIXTURE = Path(__file__).parent / "fixtures" / "golden-site"
EXPECTED = Path(__file__).parent / "fixtures" / "golden-expected"


def build_golden(out: Path) -> Path:
    """Build the golden fixture site into `out` (no search index: it is not byte-stable)."""
    build_site(FIXTURE, output=out, search=False, cache=False)  # no cache folder inside the fixture
    return out


def refresh() -> None:
    if EXPECTED.exists():
        shutil.rmtree(EXPECTED)
    build_golden(EXPECTED)
    print(f"golden output refreshed in {EXPECTED}")


if __name__ == "__main__":
    refresh()
