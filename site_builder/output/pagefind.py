"""Running Pagefind over the staged site: one bundle per language, `/pagefind/<lang>/`, indexed
from that language's article pages only (what each page tells Pagefind: see `render.search`).

Pagefind's settings are ours alone. Besides its command line it reads `pagefind.{json,yml,yaml,toml}`
in the folder it runs in and `PAGEFIND_*` variables from the environment, and either could make it
write anywhere (`logfile:`, `output_path:`); so it runs in an empty folder of its own, without those
variables, told where the site is and where each bundle goes; a project's `static/pagefind.yml`
(which would land at the site's root) is refused; and each bundle is looked for where it was asked
to be before the site is published.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from site_builder import urls
from site_builder.errors import BuildError, Problem
from site_builder.model import OutputFile
from site_builder.output import write

log = logging.getLogger(__name__)


CONFIG_FILES = frozenset({"pagefind.json", "pagefind.yml", "pagefind.yaml", "pagefind.toml"})
"""The files Pagefind reads its settings from, in the folder it runs in."""


ENVIRONMENT_PREFIX = "PAGEFIND_"
"""Pagefind reads each of its settings from the environment variable named so (`PAGEFIND_LOGFILE`)."""


ENTRY_FILE = "pagefind-entry.json"
"""The file every Pagefind bundle has: without it, the search page finds no index."""


def check_outputs(outputs: Sequence[OutputFile], indexed: bool = True) -> None:
    """Refuse a Pagefind settings file at the site's root, and (when `indexed`) site files under
    `/pagefind/`, where the search index is written."""
    prefix = urls.search_bundle_root()
    problems = [Problem(out.source, None, "the search index is configured by site-builder, not by a Pagefind "
                        "settings file (Pagefind never reads one from the project): remove this file; what is "
                        "indexed is set by the templates' `data-pagefind-…` attributes")
                for out in outputs if out.path.casefold() in CONFIG_FILES]
    if indexed:
        problems += [Problem(out.source, None, f"writes {out.path}, inside the search index folder /{prefix}: "
                             "rename it, or build with --no-search")
                     for out in outputs if out.path.casefold().startswith(prefix)]
    if problems:
        raise BuildError(problems)


def index_site(stage: Path, languages: Iterable[str], bundles: Path | None = None, jobs: int = 1,
               pages: Collection[str] | None = None, meta: str = "") -> None:
    """Index the staged site with Pagefind, one bundle per language in `languages`, into the site's
    `pagefind/` (or into `bundles`, as the site's `pagefind/` would be, when given).

    `pages` (paths in `stage`) limits the index to those article pages, and `meta` (`key:value`) is
    metadata given to each of them: the preview's extra bundle of edited pages (`fresh:1`).

    Pass only languages that have articles: Pagefind would otherwise index every page of a
    language whose pages have no `data-pagefind-body`. Raises BuildError with Pagefind's message
    (the first language's, in the order given, when several fail).

    Up to `jobs` languages are indexed at the same time, one Pagefind process each: Pagefind indexes
    on one core (for 5,000 pages, 9 CPU-seconds in 9 seconds)."""
    from concurrent.futures import ThreadPoolExecutor

    wanted = list(languages)
    with ThreadPoolExecutor(max_workers=max(1, min(len(wanted), jobs))) as pool:
        for _ in pool.map(lambda lang: index_language(stage, lang, bundles, pages, meta), wanted):
            pass


def index_language(stage: Path, lang: str, bundles: Path | None, pages: Collection[str] | None = None,
                   meta: str = "") -> None:
    started = time.perf_counter()
    run_pagefind(stage, lang, bundles, pages, meta)
    log.info("search index for %s built in %.2f s", lang, time.perf_counter() - started)


APOSTROPHE = "\u2019".encode()
APOSTROPHE_IN_TEXT = re.compile(APOSTROPHE + b"(?=[^<>]*<)")
"""The typographic apostrophe (’) in a page's text: followed by a tag's start before any tag's end."""


def as_pagefind_reads(page: bytes) -> bytes:
    """An article page as Pagefind is given it: its `<article data-pagefind-body>` alone in its
    `<html lang>` (everything Pagefind reads of it: the text, metadata and filters are all in that
    element; the bundles are the same, and Pagefind takes 4–9% less time), with each ’ of its text
    as the ASCII apostrophe.

    Pagefind splits a word into the parts it indexes besides the whole only at ASCII punctuation
    (its `get_discrete_words`), so `l’électricité` (as the typography writes it) would be indexed as
    one word, and "électricité" would find nothing; `l'électricité` is indexed whole and as
    `électricité`, as on any site written with straight apostrophes. Attributes (where metadata and
    filters are) are left as they are; the search page writes ’ again in the text it shows."""
    start, end = page.find(b"<html"), page.find(b"data-pagefind-body")
    article, close = page.rfind(b"<article", 0, end), page.rfind(b"</article>")
    if min(start, end, article, close) >= 0:  # the article alone, in its <html lang>: all Pagefind reads
        page = b"".join((b"<!doctype html>", page[start:page.index(b">", start) + 1],
                         b'<head><meta charset="utf-8"></head><body>', page[article:close + 10], b"</body></html>"))
    return APOSTROPHE_IN_TEXT.sub(b"'", page) if APOSTROPHE in page else page


SCRATCH = "/dev/shm"
"""Where the mirror of the pages goes when it can (a folder in memory; see `scratch_folder`)."""
SCRATCH_FREE = 1 << 30


def scratch_folder() -> str | None:
    """The folder the mirror of the pages is made in: memory (`/dev/shm`, Linux's) when it is there,
    writable and has 1 GiB free, unless TMPDIR names a folder; else the system's temporary folder.
    On the disks measured, writing 5,000 pages into a new folder took 6–10 s, and 0.5 s in memory."""
    if "TMPDIR" in os.environ or not os.access(SCRATCH, os.W_OK | os.X_OK):
        return None
    try:
        free = os.statvfs(SCRATCH)
    except OSError:
        return None
    return SCRATCH if free.f_bavail * free.f_frsize >= SCRATCH_FREE else None


def mirror_pages(stage: Path, lang: str, mirror: Path, pages: Collection[str] | None = None, meta: str = "") -> None:
    """Write `stage`'s article pages in `lang` (or those of `pages`) into `mirror` at the same paths,
    as Pagefind reads them, with the metadata `meta` when given (see `index_site`)."""
    chosen = sorted(stage.glob(urls.article_pages_glob(lang))) if pages is None else \
        [stage / path for path in sorted(pages) if path.startswith(f"{lang}/")]
    body = b"data-pagefind-body"
    marked = body + f' data-pagefind-meta="{meta}"'.encode() if meta else body
    folders: set[Path] = set()
    for page in chosen:
        target = mirror / page.relative_to(stage)
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        write.write_file(target, as_pagefind_reads(page.read_bytes()).replace(body, marked, 1))


def run_pagefind(stage: Path, lang: str, bundles: Path | None = None, pages: Collection[str] | None = None,
                 meta: str = "") -> None:
    """Run the Pagefind binary over `stage`'s article pages in `lang` into `pagefind/<lang>/` (or
    `bundles/<lang>/`), as `as_pagefind_reads` gives them (from a mirror of them, at the same paths)."""
    import subprocess  # (these, and Pagefind's package: not imported by a build that indexes nothing)
    import tempfile

    import pagefind_bin

    bundle = (bundles / lang if bundles is not None else stage / urls.search_bundle(lang)).resolve()
    try:
        with tempfile.TemporaryDirectory(prefix="site-builder-pagefind-", dir=scratch_folder()) as nowhere:
            mirror = Path(nowhere) / "site"
            try:
                mirror_pages(stage, lang, mirror, pages, meta)
            except OSError as exc:
                raise BuildError([Problem("search index", None, f"cannot copy the /{lang}/ pages for Pagefind into "
                                          f"{nowhere}: {exc}; free space there (or set TMPDIR to a folder that "
                                          "has some), or build with --no-search")]) from exc
            # Only article pages are indexed (`data-pagefind-body`): given only those, Pagefind does
            # not read the list pages at all, and needs about 100 MB less for 5,000 articles. The
            # bundle's place is given as a path (a settings file's `output_path` would override
            # `--output-subdir`).
            arguments = ["--site", str(mirror), "--glob", urls.article_pages_glob(lang),
                         "--output-path", str(bundle), "--quiet"]
            command = [str(pagefind_bin.get_executable()), *arguments]
            # It runs where no project file can configure it (module docstring), nor the environment.
            done = subprocess.run(command, cwd=nowhere, env=pagefind_environment(), capture_output=True,
                                  text=True, check=False)
    except OSError as exc:
        raise BuildError([Problem("search index", None, f"cannot run Pagefind: {exc}; reinstall "
                                  "site-builder (pagefind-bin), or build with --no-search")]) from exc
    if done.returncode != 0:
        message = pagefind_message(done.stderr) or pagefind_message(done.stdout) or f"exit status {done.returncode}"
        raise BuildError([Problem("search index", None, f"Pagefind failed indexing /{lang}/: {message}")])
    for line in done.stderr.splitlines():
        log.warning("pagefind (%s): %s", lang, line)
    if not (bundle / ENTRY_FILE).is_file():
        raise BuildError([Problem("search index", None, f"Pagefind wrote no index for /{lang}/ (no {ENTRY_FILE} "
                                  f"in {bundle}), though it reported no error: build again; if it persists, "
                                  "reinstall site-builder (pagefind-bin), or build with --no-search")])


def pagefind_environment() -> dict[str, str]:
    """This process's environment without the variables Pagefind takes settings from."""
    return {name: value for name, value in os.environ.items() if not name.upper().startswith(ENVIRONMENT_PREFIX)}


def pagefind_message(output: str) -> str:
    """Pagefind's output as one line: non-blank lines once each, in order."""
    lines = dict.fromkeys(line.strip() for line in output.splitlines() if line.strip())
    return " ".join(lines)
