"""Cheap helpers shared by the tests."""

from __future__ import annotations

import gzip
import hashlib
import json
import signal
import textwrap

# A fixed "now" so that tests never depend on the clock.
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from site_builder.build import BuildOptions, BuildResult, build

NOW = datetime(2026, 1, 1, tzinfo=UTC)


DEMO = Path(__file__).resolve().parents[1]
"""The repository's demo archive (tests read its builds through the `demo_build` fixture)."""
DEMO_SUB_PATH = "https://example.github.io/archive/"
"""The address the demo is built for when a test needs a sub-path (a GitHub Pages project site)."""


def make_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (path → dedented text, or raw bytes) under `root`; return `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def article(title: str = "Un titre", date: str = "2024-11-27", body: str = "Du texte.", **fields: str) -> str:
    """Front matter + body of a small article; extra `fields` are written as given (YAML)."""
    lines = [f"title: {title!r}" if title is not None else "", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    header = "\n".join(line for line in lines if line)
    return f"---\n{header}\n---\n\n{body}\n"


def build_site(root: Path, **options: object) -> BuildResult:
    """Build `root` into `root/public` at the fixed test time."""
    options.setdefault("now", NOW)
    return build(BuildOptions(project=root, **options))  # type: ignore[arg-type]


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under `folder`."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def default_signals() -> None:
    """`preexec_fn` for a process a test starts and then signals: Ctrl-C, kill and hang-up get their
    default behaviour in it, whatever the suite inherited (a script's background job, `make test &`,
    starts with SIGINT ignored, `nohup` with SIGHUP ignored, and a child keeps both across exec)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def fragments(bundle: Path) -> dict[str, dict[str, Any]]:
    """Pagefind's per-page records in `bundle`, by URL (gzipped JSON after a `pagefind_dcd` marker)."""
    found = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), f"{path.name}: not a Pagefind fragment as this test knows it"
        record = json.loads(data[len(b"pagefind_dcd"):])
        found[record["url"]] = record
    return found
