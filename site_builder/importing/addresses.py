"""The addresses a Hugo page was published at, so that they keep working once imported: its own
page's (from `url`, a `[permalinks]` pattern, or its place in the content folder) and its
`aliases`, each as a root path for our `aliases:` (`urls.alias`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from posixpath import normpath
from typing import Any

from site_builder import urls
from site_builder.importing.hugo_config import HugoConfig
from site_builder.importing.hugo_pages import HugoPage

TOKEN = re.compile(r":(\w+)")


def urlize(text: str) -> str:
    """A path segment as Hugo makes it by default: lower case, spaces as hyphens."""
    return "-".join(text.lower().split())


def page_address(page: HugoPage, config: HugoConfig, moment: datetime | date, slug: str | None) -> str:
    """Where Hugo published `page`: a root path, relative to its base URL."""
    prefix = config.prefix(page.lang)
    url = page.fields.get("url")
    if isinstance(url, str) and url.strip():
        url = url.strip()
        return url if url.startswith("/") else f"{prefix}/{url}"
    pattern = config.permalinks.get(page.section) if page.section else None
    if pattern:
        return prefix + "/" + TOKEN.sub(lambda m: _token(m.group(1), page, moment, slug), pattern).lstrip("/")
    folder = page.path.rpartition("/")[0]
    last = urlize(slug) if slug else urlize(page.name)
    return f"{prefix}/{urlize(folder) + '/' if folder else ''}{last}/"


def _token(name: str, page: HugoPage, moment: datetime | date, slug: str | None) -> str:
    title = str(page.fields.get("title") or "")
    values = {
        "year": f"{moment.year:04d}", "month": f"{moment.month:02d}", "day": f"{moment.day:02d}",
        "monthname": moment.strftime("%B").lower(), "section": page.section, "sections": page.path.rpartition("/")[0],
        "title": urlize(title), "slug": urlize(slug or title), "filename": page.name, "contentbasename": page.name,
        "slugorfilename": urlize(slug) if slug else page.name,
        "slugorcontentbasename": urlize(slug) if slug else page.name,
    }
    return values.get(name.lower(), f":{name}")


def hugo_aliases(page: HugoPage, config: HugoConfig) -> tuple[list[str], list[tuple[int | None, str]]]:
    """The page's `aliases`, as root paths (a relative one is under its language and section, as
    Hugo resolves it); and a note for each that cannot be an address here."""
    raw: Any = page.fields.get("aliases")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
    line = page.lines.get("aliases")
    found, notes = [], []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            continue
        alias = item.strip()
        if "://" in alias:
            notes.append((line, f"the alias `{alias}` is on another site: left out"))
            continue
        if not alias.startswith("/"):
            folder = page.path.rpartition("/")[0]
            alias = normpath(f"{config.prefix(page.lang)}/{folder}/{alias}") + ("/" if alias.endswith("/") else "")
        found.append(alias)
    return found, notes


def usable(addresses: list[str], article_path: str) -> tuple[list[str], list[str]]:
    """The addresses that can be aliases of the article now at `article_path` (not its own, each
    once), and those refused, with why."""
    kept: dict[str, str] = {}
    refused = []
    for address in addresses:
        why = urls.alias_problem(address)
        if why:
            refused.append(f"the old address `{address}` {why}: left out")
        elif urls.alias(address) != article_path:
            kept.setdefault(urls.alias(address), address)
    return list(kept.values()), refused
