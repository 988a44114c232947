"""Hugo's front matter in ours (README "Content format"): each field Hugo has and what it becomes.

`title`, `slug`, `draft` as they are; `date` from Hugo's `date` (else `publishDate`, `pubdate`,
`published`), written in any of the forms Hugo reads; `lastmod` (or `modified`) → `updated`;
`tags` and `categories` merged into `tags` (site-builder has one kind of topic); `description`
(or `summary`) → `summary`; `translationKey` → `translation_key`; `author`/`authors` → `author`;
the first of `images` (or `image`) → `image`; `aliases` kept; `params` → `extra`. Anything else is
named in the report as not carried over."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder.importing.hugo_pages import HugoPage

DATE_KEYS = ("date", "publishdate", "pubdate", "published")
UPDATED_KEYS = ("lastmod", "modified")
CARRIED = frozenset({
    *DATE_KEYS, *UPDATED_KEYS, "title", "slug", "draft", "tags", "categories", "description", "summary",
    "translationkey", "author", "authors", "images", "image", "aliases", "params", "url", "lang",
})
IGNORED = frozenset({"weight", "layout", "type", "toc", "menu", "menus", "keywords", "linktitle", "comments",
                     "showtoc", "markup", "isCJKLanguage".lower(), "outputs", "sitemap"})
"""Hugo fields about its own templates and lists, that mean nothing here: dropped without a word."""

# Forms Hugo (Go's `cast.ToTime`) reads besides ISO 8601, which `datetime.fromisoformat` reads.
FORMATS = ("%a, %d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M:%S %Z", "%d %b %y %H:%M %z", "%d %b %y %H:%M %Z",
           "%A, %d-%b-%y %H:%M:%S %Z", "%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S %Z %Y", "%d %b %Y", "%d %B %Y",
           "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S %z %Z", "%Y-%m-%d %H:%M:%S.%f %z %Z")
SPACE_BEFORE_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) ([+-]\d{2}:?\d{2}|Z)$")


@dataclass
class Mapped:
    """A page's front matter in our terms, and what did not come across (for the report)."""

    fields: dict[str, Any] = field(default_factory=dict)
    notes: list[tuple[int | None, str]] = field(default_factory=list)
    """(line in the Hugo file, what was not converted, or how)."""
    dropped: list[str] = field(default_factory=list)
    """Hugo fields not carried over."""
    categories: int = 0
    """How many categories were merged into the tags."""
    moment: datetime | date | None = None


def hugo_timezone(name: str) -> tzinfo:
    """Hugo's `timeZone` (dates written without an offset are in it; UTC by default)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def map_front_matter(page: HugoPage, tz: tzinfo) -> Mapped:
    """Our front matter for `page` (without aliases: `hugo.old_addresses` decides them)."""
    raw, mapped = page.fields, Mapped()
    out = mapped.fields

    def note(key: str | None, message: str) -> None:
        mapped.notes.append((page.lines.get(key) if key else None, message))

    title = raw.get("title")
    if isinstance(title, (str, int, float)) and not isinstance(title, bool) and str(title).strip():
        out["title"] = str(title).strip()
    else:
        out["title"] = page.name.replace("-", " ").replace("_", " ").strip().capitalize() or "Sans titre"
        note("title" if "title" in raw else None, f"no `title`: the file name gave it one (`{out['title']}`)")
    moment = _first_date(raw, DATE_KEYS, tz, note)
    if moment is None:
        note(None, "no `date` (nor `publishDate`): the article needs one; it was given 1970-01-01, correct it")
        moment = date(1970, 1, 1)
    mapped.moment = moment
    out["date"] = _written(moment)
    updated = _first_date(raw, UPDATED_KEYS, tz, note)
    if updated is not None and _comparable(updated) > _comparable(moment):
        out["updated"] = _written(updated)
    if isinstance(raw.get("slug"), (str, int)) and str(raw["slug"]).strip():
        out["slug"] = str(raw["slug"]).strip()
    draft = raw.get("draft")
    if draft is not None:
        out["draft"] = draft if isinstance(draft, bool) else str(draft).strip().lower() == "true"
    tags, mapped.categories = _topics(raw)
    if tags:
        out["tags"] = tags
    summary = raw.get("description") or raw.get("summary")
    if isinstance(summary, str) and summary.strip():
        out["summary"] = " ".join(summary.split())
    out["translation_key"] = page.translation_key
    authors = _names(raw.get("authors") if raw.get("authors") is not None else raw.get("author"))
    if authors:
        out["author"] = authors[0] if len(authors) == 1 else authors
    image = _image(raw)
    if image:
        out["image"] = image
    if isinstance(raw.get("params"), dict) and raw["params"]:
        out["extra"] = _plain(raw["params"])
    mapped.dropped = sorted(key for key in raw if key not in CARRIED and key not in IGNORED
                            and not key.startswith("_"))
    for key in ("expirydate", "unpublishdate"):
        if key in raw:
            note(key, f"`{key}` is not carried over: site-builder never unpublishes an article by itself")
    return mapped


def parse_hugo_date(value: Any, tz: tzinfo) -> datetime | date | None:
    """A date as Hugo reads it: TOML's and YAML's own dates, ISO 8601 text (with or without a time,
    an offset, `Z`, a space before the offset), RFC 1123 and 822 (`Mon, 02 Jan 2006 15:04:05 -0700`),
    `January 2, 2006`, `02 Jan 2006`, or seconds since 1970. A time without an offset is in `tz`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC) if value > 0 else None
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    spaced = SPACE_BEFORE_OFFSET.match(text)
    candidate = f"{spaced.group(1)}{spaced.group(2)}" if spaced else text
    try:
        moment: datetime | date | None = datetime.fromisoformat(candidate)
    except ValueError:
        moment = _strptime(text)
    if not isinstance(moment, datetime):
        return moment
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _strptime(text: str) -> datetime | date | None:
    for form in FORMATS:
        try:
            moment = datetime.strptime(text.replace("UTC", "GMT"), form)
        except ValueError:
            continue
        if "%Z" in form and moment.tzinfo is None and ("GMT" in text or "UTC" in text):
            moment = moment.replace(tzinfo=UTC)
        return moment if "%H" in form else moment.date()  # type: ignore[return-value]
    return None


def _first_date(raw: dict[str, Any], keys: tuple[str, ...], tz: tzinfo, note: Any) -> datetime | date | None:
    for key in keys:
        if key in raw and raw[key] not in (None, ""):
            moment = parse_hugo_date(raw[key], tz)
            if moment is not None:
                return moment
            note(key, f"`{key}` is `{raw[key]}`, which is not a date Hugo or site-builder reads: left out")
    return None


def _written(moment: datetime | date) -> str:
    """A date as our front matter writes it: `2024-11-27`, or with its time and offset."""
    if isinstance(moment, datetime):
        return moment.replace(microsecond=0).isoformat()
    return moment.isoformat()


def _comparable(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=timezone(timedelta(0)))


def _topics(raw: dict[str, Any]) -> tuple[list[str], int]:
    """Tags, then the categories not already among them; and how many categories were added."""
    seen: dict[str, str] = {}
    added = 0
    for key in ("tags", "categories"):
        for item in _names(raw.get(key)):
            if item.casefold() not in seen:
                seen[item.casefold()] = item
                added += key == "categories"
    return list(seen.values()), added


def _names(value: Any) -> list[str]:
    """A name or a list of names (numbers and dates as text), blanks dropped."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [" ".join(str(item).split()) for item in items
            if isinstance(item, (str, int, float, date)) and not isinstance(item, bool) and str(item).strip()]


def _image(raw: dict[str, Any]) -> str:
    images = raw.get("images")
    first = images[0] if isinstance(images, list) and images else images if isinstance(images, str) else None
    image = first if isinstance(first, str) else raw.get("image")
    return image.strip() if isinstance(image, str) else ""


def _plain(value: Any) -> Any:
    """`params` as YAML can write it back: dates as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
