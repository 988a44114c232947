"""The published-address manifest (`published.txt` in the project, committed with it): every address
the site has published, so that one that disappears is noticed before it is deployed.

Each line is a root path (`/fr/2024/11/slug/`, as `aliases:` takes it) and the article it belongs
to. A build of the site as it is published (not `serve`, `--drafts`, `--future`, nor a build that
left articles out) adds the addresses it publishes and keeps every line it finds: an address that
is gone stays a warning (an error with --strict) until an article takes it as an alias, or its line
is deleted (a removal made on purpose). The articles' pages and their aliases are recorded; list
pages (homes, topics, years) come and go with the articles and are not."""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import WARNING, BuildError, ConfigError, Kind, Problem
from site_builder.model import Site

log = logging.getLogger(__name__)

MANIFEST_FILE = "published.txt"
HEADER = (
    "# Every address this site has published, and the article it belongs to: kept by site-builder's\n"
    "# `build`; commit it with the project. An address that disappears is a warning until an article\n"
    "# lists it in `aliases:`, or its line is deleted here (when the removal is deliberate).\n"
)


@dataclass(frozen=True)
class Manifest:
    """What `published.txt` holds."""

    sources: Mapping[str, str]
    """Address (`/fr/2024/11/x/`) → the article file it belonged to ('' when the line names none)."""
    lines: Mapping[str, int]
    """Line of each address in the file, for messages."""


def read_manifest(project: Path) -> Manifest | None:
    """The project's manifest; None when it has none yet (the first build makes it)."""
    path = project / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(MANIFEST_FILE, None, f"cannot be read ({exc}): restore it from version "
                                   "control, or delete it (the next build writes it again)")]) from exc
    sources: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        address, _, source = line.strip().partition(" ")
        if not address.startswith("/"):
            problems.append(Problem(MANIFEST_FILE, number, f"`{address}` is not an address from the site's root "
                                    "(`/fr/2024/11/slug/`): correct the line or delete it"))
            continue
        sources.setdefault(address, source.strip())
        lines.setdefault(address, number)
    if problems:
        raise ConfigError(problems)
    return Manifest(sources, lines)


def published(site: Site) -> dict[str, str]:
    """Every address the site publishes that the manifest records → the article it belongs to."""
    found: dict[str, str] = {}
    for article in site.articles:
        found[f"/{article.path}"] = article.source
        for alias in article.aliases:
            found[f"/{alias}"] = article.source
    return found


def vanished(manifest: Manifest | None, site: Site) -> list[Problem]:
    """A warning for each address of the manifest that the site no longer publishes."""
    if manifest is None:
        return []
    now = published(site)
    pages = {article.source: article.path for article in site.articles}
    problems = []
    for address, source in manifest.sources.items():
        if address in now:
            continue
        owner = f" (the page of {source})" if source else ""
        moved = pages.get(source)
        where = (f"add it to the `aliases` of {source}, now at /{moved}" if moved else
                 "add it to the `aliases` of the article that replaces it")
        problems.append(Problem(MANIFEST_FILE, manifest.lines[address],
                                f"{address} was published{owner} and no longer is: links to it would break; "
                                f"{where}, or delete this line if it is gone for good", severity=WARNING,
                                kind=Kind.ADDRESS_GONE))
    return problems


def manifest_text(manifest: Manifest | None, site: Site) -> str:
    """The manifest after a build of `site`: every line it had, and every address published now."""
    entries = dict(manifest.sources) if manifest else {}
    entries.update(published(site))
    body = "".join(f"{address} {source}".rstrip() + "\n" for address, source in sorted(entries.items()))
    return HEADER + body


def relocated(problems: list[Problem], text: str) -> list[Problem]:
    """`problems`, those about the manifest on the line of their address in `text` (the manifest as
    the build rewrote it: an address published for the first time may sort before theirs)."""
    lines = {line.partition(" ")[0]: number for number, line in enumerate(text.splitlines(), start=1)}
    return [dataclasses.replace(p, line=lines.get(p.message.partition(" ")[0], p.line))
            if p.path == MANIFEST_FILE else p for p in problems]


def save_manifest(project: Path, text: str) -> bool:
    """Write `published.txt` when its text changes (atomically: a reader never sees half of it);
    True when it was written."""
    path = project / MANIFEST_FILE
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{MANIFEST_FILE}.", dir=project)
    except OSError as exc:
        raise BuildError([_unwritable(exc)]) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BuildError([_unwritable(exc)]) from exc
        raise
    log.debug("wrote %s", path)
    return True


def _unwritable(exc: OSError) -> Problem:
    return Problem(MANIFEST_FILE, None, f"cannot be written ({exc.strerror or exc}): the site was built, but the "
                   "addresses it published are not recorded; make the project folder writable and build again")
