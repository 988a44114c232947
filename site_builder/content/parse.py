"""Turn one source file into a validated `Article`, or a list of problems naming the file and line."""

from __future__ import annotations

import dataclasses
import json
import re
import reprlib
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from site_builder import typography, urls
from site_builder.config import SiteConfig
from site_builder.content.files import Source, oversize_problem
from site_builder.content.front_matter import FrontMatterError, decode, split_front_matter
from site_builder.content.markdown import MarkdownError, find_site_links, render_markdown
from site_builder.content.shortcodes import shortcodes_left
from site_builder.errors import WARNING, ContentError, Kind, Problem, did_you_mean
from site_builder.i18n import language_of
from site_builder.model import CORRECTION_KINDS, Article, Correction
from site_builder.slugs import make_slug

KNOWN_KEYS = frozenset({
    "title", "date", "updated", "tags", "summary", "author", "draft", "slug", "translation_key",
    "extra", "lang", "image", "image_alt", "corrections", "aliases",
})
REQUIRED_KEYS = frozenset({"title", "date"})
"""The keys an article cannot do without: empty, they are reported; any other empty key is absent."""
FOREIGN_KEYS = {
    "description": "use `summary` (one or two sentences for lists, feeds and search)",
    "excerpt": "use `summary` (one or two sentences for lists, feeds and search)",
    "categories": "merge it into `tags`",
    "keywords": "merge it into `tags`",
    "lastmod": "use `updated` (`updated: 2024-11-28`)",
    "last_modified_at": "use `updated` (`updated: 2024-11-28`)",
    "publishdate": "use `date` (the publication date: `date: 2024-11-27`)",
    "authors": "use `author` (a name or a list: `author: [Claire Martin, Yanis Benali]`)",
    "images": "use `image` (one lead image, `image: /images/photo.jpg`, with `image_alt`)",
    "translationkey": "use `translation_key`",
    "language": "use `lang`, or name the file `x.fr.md`",
}
"""Keys other tools (Hugo, Jekyll) use, by lower-case name, and what to write here instead."""
INTO_TAGS = frozenset({"categories", "keywords"})
"""Of those, the ones whose values are topics: the hint shows the `tags` line they make."""
CORRECTION_KEYS = frozenset({"date", "text", "type"})
MAX_TAGS_PER_ARTICLE = 50
"""Most tags one article may have. Each tag page lists the article with all its tags (its card, its
feed entry), so one article's tags cost the square of their number: 2,000 tags wrote 1.1 GB. Fifty is
what content systems allow (Contentstack: 50 per entry), well above what newsrooms use."""
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names Windows refuses as files or folders: a slug must never be one.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)})
IMAGE_SCHEMES = frozenset({"", "http", "https"})
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_article(source: Source, config: SiteConfig, fingerprint: str = "") -> Article:
    """Validate one article; raise ContentError listing every problem found in it."""
    if len(source.data) > config.max_article_bytes:
        raise ContentError([oversize_problem(source.rel, len(source.data), config.max_article_bytes)])
    try:
        front = split_front_matter(decode(source))
    except FrontMatterError as exc:
        raise ContentError([Problem(source.rel, exc.line, str(exc))]) from None
    problems: list[Problem] = []
    fields, lines = given(front.fields), front.lines

    def problem(key: str | None, message: str) -> None:
        problems.append(Problem(source.rel, lines.get(key) if key else 1, message))

    for key in sorted(set(fields) - KNOWN_KEYS, key=str):
        problem(str(key), unknown_key_message(str(key), fields))
    name = source.rel.rsplit("/", 1)[-1]  # (POSIX style: = PurePosixPath(source.rel).name, 10× faster)
    lang, stem, lang_error = language_of(name, fields.get("lang"))
    if lang is None and "lang" not in fields:
        raise ContentError([no_language(source.rel, stem, config)])
    if lang_error:
        problem("lang", lang_error)
    elif lang not in config.language_codes:
        problem("lang" if "lang" in fields else None,
                f"unknown language `{lang}`: this site's languages are {', '.join(config.language_codes)}")
    title = _text(fields, "title", problem, required=True)
    tz = config.tzinfo
    published = _datetime(fields, "date", tz, problem, required=True)
    updated = _datetime(fields, "updated", tz, problem, required=False)
    if published and updated and updated < published:
        problem("updated", f"`updated` ({fields['updated']}) is before `date` ({fields['date']}): "
                "an article cannot be updated before it is published")
    corrections = _corrections(fields, front.item_lines.get("corrections", ()), tz, published, problem,
                               lambda line, message: problems.append(Problem(source.rel, line, message)))
    tags = _tags(fields, problem)
    authors = _authors(fields, problem)
    summary = _text(fields, "summary", problem, required=False)
    draft = _bool(fields, "draft", problem)
    slug = _slug(fields, stem, problem)
    key = _text(fields, "translation_key", problem, required=False) or stem
    image = _image(fields, problem)
    image_alt = _text(fields, "image_alt", problem, required=False)
    aliases = _aliases(fields, front.item_lines.get("aliases", ()), problem,
                       lambda line, message: problems.append(Problem(source.rel, line, message)))
    extra = fields.get("extra", {})
    if not isinstance(extra, dict):
        problem("extra", "`extra` must be a mapping of `key: value` lines")
        extra = {}
    if problems:
        raise ContentError(problems)
    assert lang and title and published  # guaranteed when no problem was found
    try:
        body = render_markdown(front.body, config.raw_html)
    except MarkdownError as exc:
        raise ContentError([Problem(source.rel, front.body_line + (exc.line or 0), str(exc))]) from None
    # Set in the language's typography here, once: pages, feeds and the search index share the text.
    body_html = typography.html(body.html, lang)
    link_offsets, site_links = find_site_links(body_html, body.raw)  # rebased under the base path when rendered
    return Article(
        source=source.rel, lang=lang, slug=slug, translation_key=key, title=typography.text(title, lang),
        date=published, updated=updated, tag_labels=tags, authors=authors,
        summary=typography.text(summary or body.first_paragraph, lang), summary_given=bool(summary), draft=draft,
        image=image or None, image_alt=image_alt or "", body_html=body_html,
        path=urls.article(lang, config.local(published), slug),
        lines=MappingProxyType(dict(lines)), extra=MappingProxyType(extra), site_links=site_links,
        link_offsets=link_offsets, aliases=aliases, shortcodes=shortcodes_left(front.body, front.body_line),
        corrections=tuple(dataclasses.replace(c, text=typography.text(c.text, lang)) for c in corrections),
        fingerprint=fingerprint,
    )


def is_empty(value: Any) -> bool:
    """True for what means "not given": null, blank text, an empty mapping, a list of nothing but those."""
    if value is None or isinstance(value, str):
        return value is None or not value.strip()
    if isinstance(value, list):
        return all(map(is_empty, value))
    return isinstance(value, dict) and not value


def given(fields: dict[str, Any]) -> dict[str, Any]:
    """The front matter without its empty keys (`author: ''`, `tags: []`, `image:`): empty means
    absent, everywhere but the required keys (which say that they are empty)."""
    if not any(map(is_empty, fields.values())):
        return fields
    return {key: value for key, value in fields.items() if key in REQUIRED_KEYS or not is_empty(value)}


def unknown_key_message(key: str, fields: dict[str, Any] | None = None) -> str:
    """`unknown front-matter key `x``, with our name for it when another tool's, else the nearest key.
    For Hugo's `categories` (or `keywords`), the `tags` line the article's own values make."""
    hint = FOREIGN_KEYS.get(key.lower())
    if hint and key.lower() in INTO_TAGS and fields is not None:
        merged = [*_listed(fields.get("tags")), *_listed(fields.get(key))]
        if merged:
            hint += f" (`tags: [{', '.join(_yaml_word(v) for v in dict.fromkeys(merged))}]`)"
    if hint:
        return f"unknown front-matter key `{key}`: {hint}"
    return f"unknown front-matter key `{key}`{did_you_mean(key, KNOWN_KEYS)}"


def _listed(value: Any) -> list[str]:
    """A front-matter value as the texts it lists (a text alone, a list of texts or numbers)."""
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(v).strip() for v in values if isinstance(v, str | int | float) and str(v).strip()]


def _yaml_word(value: str) -> str:
    """`value` as an item of a YAML flow list: bare when YAML reads it back as that text."""
    plain = re.fullmatch(r"[^\W\d][\w' -]*\w|[^\W\d]", value) and value.lower() not in YAML_WORDS
    return value if plain else json.dumps(value, ensure_ascii=False)


YAML_WORDS = frozenset(("yes", "no", "true", "false", "null", "on", "off", "y", "n"))
"""Words YAML reads as something other than text."""


def no_language(rel: str, stem: str, config: SiteConfig) -> Problem:
    """The warning for a file whose name and front matter give no language: it is not an article."""
    codes = config.language_codes
    names = " or ".join(f"`{stem}.{code}.md`" for code in codes[:2])
    return Problem(rel, None, "is not read as an article (its name has no language suffix, its front matter no "
                   f"`lang:`): rename it {names}, or add `lang: {codes[0]}` to its front matter",
                   WARNING, Kind.NOT_AN_ARTICLE)


Report = Callable[[str | None, str], None]
SHOWN_LENGTH = 60
"""Longest value a message shows, in characters: a message stays one readable line."""
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = SHOWN_LENGTH
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = 6


def _shown(value: Any) -> str:
    """A value as a message shows it: its repr, shortened (`[1, 1, 1, 1, 1, 1, ...]`)."""
    return _REPR.repr(value)


def _cut(text: str) -> str:
    """Text as a message shows it: at most SHOWN_LENGTH characters."""
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 1] + "…"


def _text(fields: dict[str, Any], key: str, problem: Report, required: bool) -> str:
    value = fields.get(key)
    if value is None:
        if required:
            problem(key if key in fields else None, f"`{key}` is missing: add `{key}: …` to the front matter")
        return ""
    if not isinstance(value, str):
        problem(key, f"`{key}` must be text, not `{_shown(value)}`: put it in quotes (`{key}: \"{_cut(str(value))}\"`)")
        return ""
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        problem(key, f"`{key}` is empty: give the article a {key}")
    return text


def _datetime(fields: dict[str, Any], key: str, tz: ZoneInfo, problem: Report, required: bool) -> datetime | None:
    value = fields.get(key)
    if value is None:
        if required:
            problem(key if key in fields else None, f"`{key}` is missing: add `{key}: YYYY-MM-DD`")
        return None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not DATE_SHAPE.match(text):
        problem(key, f"`{key}` is `{_cut(str(value))}`, not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+01:00")
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=tz)
        else:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
        moment.astimezone(UTC).astimezone(tz)  # years 1 and 9999 may not survive the move
    except (ValueError, OverflowError) as exc:
        problem(key, f"`{key}` is `{_cut(str(value))}`, which is not a real date ({exc})")
        return None
    return moment


def _corrections(fields: dict[str, Any], item_lines: tuple[int, ...], tz: ZoneInfo,
                 published: datetime | None, problem: Report,
                 report_at: Callable[[int | None, str], None]) -> tuple[Correction, ...]:
    """`corrections:` as a list of `{date, text, type}` mappings, each checked where it is written."""
    value = fields.get("corrections")
    if value is None:
        return ()
    if not isinstance(value, list):
        problem("corrections", "`corrections` must be a list of `- date: YYYY-MM-DD` / `text: …` items")
        return ()
    found: list[Correction] = []
    for index, item in enumerate(value):
        line = item_lines[index] if index < len(item_lines) else None
        correction = _correction(item, index + 1, tz, published, partial(report_at, line))
        if correction:
            found.append(correction)
    ordered = sorted(found, key=lambda c: c.date)
    return tuple(dataclasses.replace(c, number=n) for n, c in enumerate(ordered, start=1))


def _correction(item: Any, position: int, tz: ZoneInfo, published: datetime | None,
                report: Callable[[str], None]) -> Correction | None:
    """One correction item, or None after reporting what is wrong with it."""
    where = f"correction {position}"
    if not isinstance(item, dict):
        report(f"{where} must be a mapping with `date:` and `text:` (and optionally `type:`), not `{_shown(item)}`")
        return None
    ok = True
    for key in sorted(set(map(str, item)) - CORRECTION_KEYS):
        report(f"{where}: unknown key `{key}`{did_you_mean(key, CORRECTION_KEYS)}")
        ok = False
    errors: list[str] = []
    moment = _datetime(item, "date", tz, lambda _key, message: errors.append(message), required=True)
    text = _text(item, "text", lambda _key, message: errors.append(message), required=True)
    kind = item.get("type")
    kind = "correction" if is_empty(kind) else kind  # (empty means absent: the default)
    if kind not in CORRECTION_KINDS:
        errors.append(f"`type` is `{_cut(str(kind))}`: use `correction` or `clarification`")
    if moment and published and moment < published:
        errors.append(f"`date` ({item['date']}) is before the article's `date`: a correction follows publication")
    for message in errors:
        report(f"{where}: {message}")
    if errors or not ok or moment is None:
        return None
    return Correction(date=moment, text=text, kind=str(kind))


def _tags(fields: dict[str, Any], problem: Report) -> tuple[str, ...]:
    value = fields.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        problem("tags", f"`tags` must be a list, e.g. `tags: [{_cut(str(value))}]`, not `{_shown(value)}`")
        return ()
    if len(value) > MAX_TAGS_PER_ARTICLE:
        problem("tags", f"{len(value):,} tags: at most {MAX_TAGS_PER_ARTICLE} per article; "
                "keep the ones readers look for")
        return ()
    result: dict[str, str] = {}
    for item in value:
        if is_empty(item):
            continue  # (`tags: [Europe, '']`: an empty tag is no tag)
        if type(item) is int:  # `tags: [bilan, 2024]`: a year is a tag as it is written
            item = str(item)
        if not isinstance(item, str):
            read_as = {bool: "true/false", float: "a number"}.get(type(item), "a list or a mapping")
            problem("tags", f"every tag must be text; `{_shown(item)}` is read as {read_as}: put the tag in "
                    "quotes as you mean it (`tags: [\"…\"]`)")
            continue
        label = unicodedata.normalize("NFC", " ".join(item.split()))
        if not make_slug(label):
            problem("tags", f"tag `{label}` has no letters or digits to make its URL from")
            continue
        result.setdefault(make_slug(label), label)  # `Apple` and `apple` are one tag
    return tuple(result.values())


def _authors(fields: dict[str, Any], problem: Report) -> tuple[str, ...]:
    value = fields.get("author")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list):
        items = [a for a in items if not is_empty(a)]  # (`author: [Claire Martin, '']`)
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        problem("author", f"`author` must be a name or a list of names, not `{_shown(value)}`: "
                "`author: Claire Martin` or `author: [Claire Martin, Yanis Benali]`")
        return ()
    return tuple(unicodedata.normalize("NFC", a.strip()) for a in items)


def _aliases(fields: dict[str, Any], item_lines: tuple[int, ...], problem: Report,
             report_at: Callable[[int | None, str], None]) -> tuple[str, ...]:
    """`aliases:`, the article's old addresses (root paths), as site-relative paths (`urls.alias`)."""
    value = fields.get("aliases")
    if value is None:
        return ()
    if not isinstance(value, list):
        problem("aliases", f"`aliases` must be a list of old addresses, e.g. `aliases: [{_cut(str(value))}]`, "
                f"not `{_shown(value)}`")
        return ()
    found: dict[str, None] = {}
    for index, item in enumerate(value):
        line = item_lines[index] if index < len(item_lines) else None
        if not isinstance(item, str) or not item.strip():
            report_at(line, f"every alias must be a path such as `/2019/05/old-slug/`; `{_shown(item)}` is not")
            continue
        why = urls.alias_problem(item.strip())
        if why:
            report_at(line, f"the alias `{_cut(item.strip())}` {why}")
            continue
        found.setdefault(urls.alias(unicodedata.normalize("NFC", item.strip())), None)
    return tuple(found)


def _bool(fields: dict[str, Any], key: str, problem: Report) -> bool:
    value = fields.get(key, False)
    if not isinstance(value, bool):
        problem(key, f"`{key}` must be true or false (without quotes), not `{_shown(value)}`")
        return False
    return value


def _image(fields: dict[str, Any], problem: Report) -> str:
    """The lead image: a path on the site or an http(s) URL, never `javascript:` or `data:`."""
    image = _text(fields, "image", problem, required=False)
    scheme = urlsplit(image).scheme.lower()
    if image and scheme not in IMAGE_SCHEMES:
        problem("image", f"`image` is `{image}`: give a path such as `/images/photo.jpg` or an "
                "https:// address")
        return ""
    return image


def _slug(fields: dict[str, Any], stem: str, problem: Report) -> str:
    given = fields.get("slug")
    if given is not None and not isinstance(given, str):
        problem("slug", f"`slug` must be text, not `{_shown(given)}`")
        return "invalid"
    slug = make_slug(given if given is not None else stem)
    where = "slug" if given is not None else None
    if not slug:
        problem(where, f"the slug made from `{_cut(given if given is not None else stem)}` is empty: "
                "set `slug:` to a few words in letters or digits")
    elif slug in WINDOWS_RESERVED:
        problem(where, f"the slug `{slug}` is a reserved file name on Windows: choose another `slug:`")
    return slug or "invalid"
