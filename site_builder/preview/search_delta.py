"""The preview's search after an edit: index only the article pages changed since the last full
index into a small extra bundle per language, `/pagefind/delta/<lang>/`, and list in
`/pagefind/delta.json` the pages whose copy in the full index is stale (changed or deleted).

The search page's adapter (`theme/assets/search/pagefind.js`) merges the extra bundle into the
language's index (Pagefind's `mergeIndex`) and drops the stale copies, so search follows an edit
after Pagefind has read one page, not the whole site. A page of the extra bundle says so with the
metadata `fresh`. Past DELTA_LIMIT changed pages the preview indexes the whole site again.

A build writes only the files whose bytes changed, so a page's modification time tells whether it
changed since the full index was made.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from site_builder import urls
from site_builder.output import pagefind

DELTA_LIMIT = 200
"""Changed pages past which a full index is quicker to search than a growing extra bundle."""
MANIFEST = "delta.json"
FOLDER = "delta"
FRESH = "fresh:1"
"""The metadata of a page of the extra bundle."""

Snapshot = dict[str, int]
"""Article page (site-relative path) → modification time (ns)."""


def snapshot(site: Path, languages: list[str]) -> Snapshot:
    """Every article page of `languages` in `site`, with its modification time."""
    return {page.relative_to(site).as_posix(): page.stat().st_mtime_ns
            for lang in languages for page in site.glob(urls.article_pages_glob(lang))}


def changes(indexed: Snapshot, now: Snapshot) -> tuple[list[str], list[str]]:
    """Pages changed or added since `indexed`, and pages deleted since."""
    changed = sorted(path for path, mtime in now.items() if indexed.get(path) != mtime)
    return changed, sorted(set(indexed) - set(now))


def page_url(path: str) -> str:
    """`fr/2024/11/a/index.html` → `/fr/2024/11/a/` (the preview serves the site at its root)."""
    return "/" + path.removesuffix("index.html")


def write_delta(site: Path, bundles: Path, changed: list[str], deleted: list[str], workdir: Path) -> None:
    """Index `changed` pages of `site` into `bundles/delta/<lang>/` and list the stale ones in
    `bundles/delta.json` (replacing what an earlier edit put there). Raises BuildError."""
    indexed = sorted({path.split("/", 1)[0] for path in changed})
    fresh = workdir / "delta-next"
    shutil.rmtree(fresh, ignore_errors=True)
    if indexed:
        pagefind.index_site(site, indexed, fresh, pages=changed, meta=FRESH)
    fresh.mkdir(exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for path in [*changed, *deleted]:
        lang = path.split("/", 1)[0]
        entry = manifest.setdefault(lang, {"bundle": f"/{urls.search_bundle_root()}{FOLDER}/{lang}/"
                                           if lang in indexed else None, "stale": []})
        entry["stale"].append(page_url(path))  # type: ignore[attr-defined]
    shutil.rmtree(bundles / FOLDER, ignore_errors=True)
    fresh.rename(bundles / FOLDER)
    (bundles / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
