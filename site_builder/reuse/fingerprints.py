"""Fingerprints: digests of what a build's results depend on (the package's code and the libraries
that shape the output, the config, a folder's files), from which the cache's keys are made."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import site_builder
from site_builder import memo, sources
from site_builder.config import SiteConfig

DEPENDENCIES = ("jinja2", "markdown-it-pyrs", "markdown-it-py", "mdit-py-plugins", "nh3", "babel", "python-slugify",
                "text-unidecode", "PyYAML", "MarkupSafe")


def digest(*parts: bytes | str) -> str:
    """Hex SHA-256 of the parts, each length-prefixed so that ("ab", "c") != ("a", "bc")."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@memo.memoized(maxsize=1)
def code_fingerprint() -> str:
    """The package's own source and the versions of the libraries that shape the output."""
    package = Path(site_builder.__file__).parent
    parts: list[bytes | str] = [site_builder.__version__, sys.version]
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    versions = installed_versions()
    for name in DEPENDENCIES:
        parts += [name, versions.get(_normalized(name), "-")]
    return digest(*parts)


def installed_versions() -> dict[str, str]:
    """The version of each package installed on `sys.path` (by normalized name; the first found,
    as Python imports it), from the names of their `*.dist-info` folders: what importlib.metadata
    reads them from, without importing it (a tenth of a build with nothing to do)."""
    versions: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                project, version = name[:-len(".dist-info")].split("-", 1)
                versions.setdefault(_normalized(project), version)
    return versions


def _normalized(name: str) -> str:
    """A package's name as its `*.dist-info` folder is matched (PEP 503, with `_`)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def config_fingerprint(config: SiteConfig) -> str:
    """Everything site.toml (and the command line) said; not where the project is (its files are
    fingerprinted by content)."""
    return digest(repr(replace(config, root=Path("."), source_file=None)))


def parse_fingerprint(config: SiteConfig) -> str:
    """What of the config an article's parse depends on: all of it but the address the site is
    published at (links are put under its base path when pages are rendered), so that the preview's
    builds and `build --base-url …` share their parsed articles."""
    return config_fingerprint(replace(config, base_url=SiteConfig.base_url))


def folder_fingerprint(*folders: tuple[Path, str]) -> str:
    """Names and bytes of the source files of each (project, folder) (templates: a change re-renders
    every page), and what `sources.walk` reports there: a build that would report it never passes
    for a build with nothing changed."""
    parts: list[bytes | str] = []
    for index, (root, folder) in enumerate(folders):
        parts.append(str(index))  # where each folder is does not matter, what it holds does
        found = sources.walk(root, folder)
        for file in found.files:
            try:
                parts += [file.rel, sources.read_bytes(str(file.path))]
            except OSError as exc:
                parts += [file.rel, str(sources.unreadable_problem(file.rel, exc))]
        parts += [str(problem) for problem in found.problems]
    return digest(*parts)


def now_ns() -> int:
    return time.time_ns()
