"""A build with nothing to do: when nothing it depends on changed since the last build into the
same output folder, and that folder is exactly as the last build left it, the last result stands.

What a build depends on, and so what is fingerprinted: the package's code, the build's options,
site.toml, content/tags.toml, published.txt, the templates, the theme's assets and the project's static files, and
every article file (by its stat, trusted only as `cache.SourceRecord.still_valid` allows). The
clock matters too: an article dated in the future appears once its date has passed, so the record
keeps the earliest such date (the horizon) and is not used from then on."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from site_builder.content.files import ARTICLES_DIR, is_article_name, not_read
from site_builder.errors import Kind, Problem, Severity
from site_builder.model import Article
from site_builder.output.listing import Listing, walk_tree
from site_builder.output.state import Stat, file_stat
from site_builder.reuse.entries import SourceRecord
from site_builder.reuse.fingerprints import code_fingerprint, digest, folder_fingerprint
from site_builder.reuse.store import Cache
from site_builder.site.published import MANIFEST_FILE
from site_builder.site.tags import REGISTRY_FILE
from site_builder.sources import THEME_DIR

log = logging.getLogger(__name__)

IGNORED_OPTIONS = ("now", "jobs", "progress")
"""Options that do not shape the output (`now` is accounted for by the horizon)."""


@dataclass(frozen=True)
class Record:
    """What the last build into a folder saw (`inputs`), left there (`output`) and reported."""

    inputs: str
    frame: str
    """What `inputs` holds but the article files (see `frame_fingerprint`)."""
    output: str
    horizon: str | None
    """ISO date of the earliest article left out for being in the future (None: there was none)."""
    articles: dict[str, int]
    pages: int
    files: int
    warnings: list[tuple[str, int | None, str, str, str]]
    """Its warnings and notes: path, line, message, severity, kind."""
    edited: dict[str, str]
    """The article files this build found edited since the last whole build (see `edits`), and
    the digests of their bytes now ({} after a whole build)."""
    articles_seen: str = ""
    """`stats_digest` of the articles folder when a later build found, by the stat of each article
    file, that nothing had changed ('' until then): the same digest again proves it without
    reading the cache's record of each file."""

    def still_holds(self, output: str, now: datetime | None) -> bool:
        """True when the output folder is as this build left it and the clock gives the same site
        (no article held back for its date has come due)."""
        before_horizon = self.horizon is None or now is None or now < datetime.fromisoformat(self.horizon)
        return output == self.output and before_horizon

    def warning_problems(self) -> tuple[Problem, ...]:
        severities, kinds = _SEVERITY, _KIND  # (a dict: 20 ns a lookup, calling the enum 340 ns)
        return tuple(Problem(path, line, message, severities[severity], kinds[kind])
                     for path, line, message, severity, kind in self.warnings)


def frame_fingerprint(options: object, project: Path, config_digest: str) -> str:
    """Digest of everything the build depends on but the article files: the code, the config, the
    options, the tag registry, published.txt, the templates and theme, `static/`."""
    parts: list[str | bytes] = [code_fingerprint(), config_digest]
    parts += [f"{f.name}={getattr(options, f.name)!r}" for f in fields(options)  # type: ignore[arg-type]
              if f.name not in IGNORED_OPTIONS]
    registry = project / REGISTRY_FILE
    parts.append(registry.read_bytes() if registry.is_file() else b"-")
    manifest = project / MANIFEST_FILE  # (as the last build left it: it writes the file before this is taken)
    parts.append(manifest.read_bytes() if manifest.is_file() else b"-")
    parts.append(folder_fingerprint((project, "templates"), (THEME_DIR.parent, THEME_DIR.name)))  # small: by content
    parts += [f"{rel} {stat}" for rel, stat in tree_stats(project / "static")]  # maybe large: by stat
    return digest(*parts)


def inputs_fingerprint(frame: str, sources: Mapping[str, SourceRecord]) -> str:
    """Digest of everything the build depends on: the `frame` and each article file's bytes (by the
    digest in its record)."""
    prefix = len(ARTICLES_DIR.as_posix()) + 1
    parts: list[str | bytes] = [frame]
    for rel in sorted(sources):
        parts += [rel[prefix:], sources[rel].digest]
    return digest(*parts)


def changed_articles(project: Path, sources: Mapping[str, SourceRecord],
                     stats: Iterable[tuple[str, Stat]]) -> dict[str, Stat] | None:
    """The article files whose stat does not prove their bytes unchanged since `sources` were
    recorded (path relative to the project → stat now): {} when none; None when a file was added,
    is gone, or is not read as an article (whose warning is the build's). `stats`: the articles
    folder's (`walked_stats`)."""
    changed: dict[str, Stat] = {}
    found = 0
    prefix = f"{ARTICLES_DIR.as_posix()}/"
    for rel, stat in stats:
        key = prefix + rel
        record = sources.get(key)
        if record is None:  # (a file the cache knows was read as an article; else, look at its name)
            name = rel.rsplit("/", 1)[-1]
            if is_article_name(name) or not_read(rel, name) is not None:
                return None  # a new article, or a file the build warns about
            continue
        if not (record.still_valid(stat) or same_bytes(project / ARTICLES_DIR / rel, stat, record)):
            changed[key] = stat
        found += 1
    return changed if found == len(sources) else None  # (fewer: a file the cache knew is gone)


def same_bytes(path: Path, stat: Stat, record: SourceRecord) -> bool:
    """True when a file whose stat alone proves nothing (it was written just before it was read)
    still has the bytes the record hashed: read again, a few files at most."""
    if stat != record.stat:
        return False
    try:
        return digest(path.read_bytes()) == record.digest
    except OSError:
        return False


def proven_by_stats(sources: Mapping[str, SourceRecord], stats: Iterable[tuple[str, Stat]]) -> bool:
    """True when the stat of each article file alone proves its bytes those of its record (none had
    to be read again): the stats can stand for the records next time (`Record.articles_seen`)."""
    prefix = f"{ARTICLES_DIR.as_posix()}/"
    return all(record.still_valid(stat) for rel, stat in stats if (record := sources.get(prefix + rel)) is not None)


def stats_digest(stats: Iterable[tuple[str, Stat]]) -> str:
    """Digest of the path and stat of each file in a folder, in order of path (`walked_stats`)."""
    return digest(*(f"{rel} {stat}" for rel, stat in stats))


def output_fingerprint(files: Mapping[str, Stat]) -> str:
    """Digest of every file in an output folder, by path and stat."""
    return stats_digest(sorted(files.items()))


def tree_stats(folder: Path) -> list[tuple[str, Stat]]:
    """(path inside `folder`, stat) of every entry under it, links included as links, sorted."""
    return walked_stats(folder)[0]


def walked_stats(folder: Path, known: Listing | None = None) -> tuple[list[tuple[str, Stat]], Listing]:
    """`tree_stats`, and the listing of `folder`'s folders, walked from `known` (see `output.listing`)."""
    if not folder.is_dir():
        return [], {}
    found, listing = walk_tree(str(folder), known)
    return sorted((rel, file_stat(st)) for rel, st in found), listing


def horizon(articles: Iterable[Article], drafts: bool, now: datetime | None) -> str | None:
    """The earliest date of an article left out only because it is in the future."""
    future = [a.date for a in articles if (drafts or not a.draft) and now is not None and a.date > now]
    return min(future).isoformat() if future else None


def load(cache: Cache, folder: Path) -> Record | None:
    text = cache.get_build(folder)
    if text is None:
        return None
    try:
        data = json.loads(text)
        data["warnings"] = [tuple(w) for w in data["warnings"]]
        return _checked(Record(**data))
    except (ValueError, TypeError, KeyError, AttributeError):
        log.debug("the record of the last build of %s is unusable", folder, exc_info=True)
        return None


def _checked(record: Record) -> Record:
    """`record`, if each field is of the type `save` wrote (else ValueError): the cache vouches for
    what it holds with a MAC, and this is the check behind it."""
    if record.horizon is not None:
        datetime.fromisoformat(record.horizon)
    counts = [record.pages, record.files, *record.articles.values()]
    if not (isinstance(record.inputs, str) and isinstance(record.frame, str) and isinstance(record.output, str)
            and all(type(n) is int for n in counts) and all(isinstance(lang, str) for lang in record.articles)
            and all(len(w) == 5 and isinstance(w[0], str) and isinstance(w[2], str) and w[3] in _SEVERITIES
                    and w[4] in _KINDS and (w[1] is None or type(w[1]) is int) for w in record.warnings)
            and isinstance(record.edited, dict) and isinstance(record.articles_seen, str)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in record.edited.items())):
        raise ValueError("a field of the wrong type")
    return record


_SEVERITY, _KIND = {str(s): s for s in Severity}, {str(k): k for k in Kind}
_SEVERITIES, _KINDS = frozenset(_SEVERITY), frozenset(_KIND)


def save(cache: Cache, folder: Path, record: Record | None) -> None:
    """Keep `record` for the next build (None: forget the last one, e.g. after a failed build)."""
    # (not dataclasses.asdict: it copies each of possibly thousands of warnings field by field)
    cache.put_build(folder, json.dumps({f.name: getattr(record, f.name) for f in fields(record)}) if record else None)
