"""The site model: typed, read-only records that every later stage reads and none edits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any

from site_builder.config import SiteConfig, value_hash


@dataclass(frozen=True)
class Translation:
    """A link from an article to another language version of it."""

    lang: str
    path: str
    """Site-relative URL path of the other version (`en/2024/11/x/`)."""
    title: str
    original: bool = False
    """True when that version is the original and the others translate it (the first published;
    on the same day, the one in the language listed first in site.toml)."""


@dataclass(frozen=True)
class TagLink:
    """A tag as one article shows it: label and page in the article's language."""

    key: str
    label: str
    path: str


CORRECTION_KINDS = ("correction", "clarification")


@dataclass(frozen=True)
class Correction:
    """A dated notice published on an article after a reported error was confirmed."""

    date: datetime
    """When the correction was published, time-zone aware."""
    text: str
    """What was wrong and what is right, as plain text."""
    kind: str = "correction"
    """`correction` (something was wrong) or `clarification` (something was unclear)."""
    number: int = 1
    """Position among the article's corrections, oldest first: its anchor (`#correction-1`)."""


@dataclass(frozen=True)
class Article:
    """One article, parsed and validated."""

    source: str
    """Path of the Markdown file relative to the project: how the article is named in messages."""
    lang: str
    slug: str
    translation_key: str
    title: str
    date: datetime
    """Publication time, always time-zone aware."""
    updated: datetime | None
    tag_labels: tuple[str, ...]
    """Tags as written (NFC), before the tag registry resolves them."""
    authors: tuple[str, ...]
    summary: str
    summary_given: bool
    """False when the summary was taken from the first paragraph."""
    draft: bool
    image: str | None
    image_alt: str
    body_html: str = field(hash=False)
    """Left out of the hash (still compared): long to hash, and the source path tells articles apart."""
    path: str
    """Site-relative URL path of the article page (`fr/2024/11/slug/`)."""
    # Left out of the hash (mappings have none), still compared: an article is hashable by value,
    # so the views can memoize the pages and cards of articles that did not change.
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """Line of each front-matter key in the source, for later messages."""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    site_links: tuple[str, ...] = ()
    """Root-relative links and images written in the body (`/fr/2024/11/x/`), Markdown's and raw
    HTML's, for link checking."""
    link_offsets: tuple[int, ...] = field(default=(), hash=False)
    """Where in `body_html` each of them starts (its `/`): `urls.under_base` puts them under the
    site's base path when a page is rendered."""
    tags: tuple[TagLink, ...] = ()
    """Resolved tags (filled in by `assemble`)."""
    translations: tuple[Translation, ...] = ()
    """Other language versions (filled in by `assemble`), in site language order."""
    corrections: tuple[Correction, ...] = ()
    """Published corrections, oldest first."""
    fingerprint: str = field(default="", hash=False)
    """Digest of what the article was parsed from: its path and bytes, the config, the code (its
    cache key; '' when not known). Articles with the same fingerprint were parsed alike: they can
    differ only in what `assemble` fills in (tags, translations)."""

    def __hash__(self) -> int:
        return self._hash

    def __getstate__(self) -> dict[str, object]:
        """The fields only: not what `cached_property` remembered. A string's hash differs from one
        process to the next, so a hash that crossed processes (the cache, the workers) would make
        equal articles hash differently; and whether `modified` was asked for must not change the
        bytes that page keys are digested from."""
        return {name: value for name, value in self.__dict__.items() if name not in ("_hash", "modified")}

    @cached_property
    def _hash(self) -> int:
        """Hashed once per object: the memoized views look every article up by (config, article)."""
        return value_hash(self)

    def with_links(self, translations: tuple[Translation, ...], tags: tuple[TagLink, ...]) -> Article:
        """This article with its translations and resolved tags (see `assemble`): `dataclasses.replace`,
        without the checks and keyword arguments that made it a tenth of a cold build's assembling."""
        state = self.__getstate__()
        state.update(translations=translations, tags=tags)
        linked = object.__new__(Article)
        linked.__dict__.update(state)
        return linked

    @cached_property  # asked for by every list page the article is on
    def modified(self) -> datetime:
        """When the article last changed: the latest of `date`, `updated` and its corrections."""
        return max((self.date, *([self.updated] if self.updated else []), *(c.date for c in self.corrections)))

    @property
    def is_original(self) -> bool:
        """True unless one of the other language versions is the original this one translates."""
        return not any(t.original for t in self.translations)


@dataclass(frozen=True)
class Tag:
    """A topic, possibly present in several languages."""

    key: str
    """Identity: the tag registry's key, or the slug of the label for unregistered tags."""
    labels: Mapping[str, str]
    """Label per language where the tag is used (or registered)."""
    slugs: Mapping[str, str]
    """URL slug per language (`defense` in French, `defence` in English)."""
    registered: bool
    descriptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """What the topic covers, per language (`description` in `content/tags.toml`), shown on its page."""


@dataclass(frozen=True)
class TagPage:
    """A tag in one language with its articles, newest first."""

    tag: Tag
    lang: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class YearArchive:
    lang: str
    year: int
    articles: tuple[Article, ...]
    """Newest first."""


@dataclass(frozen=True)
class Site:
    """Everything the renderer needs, assembled and cross-linked."""

    config: SiteConfig
    articles: tuple[Article, ...]
    """Every published article, newest first (ties broken by source path)."""
    by_lang: Mapping[str, tuple[Article, ...]]
    tags: Mapping[str, tuple[TagPage, ...]]
    """Tag pages per language, sorted by label."""
    years: Mapping[str, tuple[YearArchive, ...]]
    """Year archives per language, newest year first."""


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site."""

    path: str
    """Path inside the output folder, POSIX style (`fr/index.html`)."""
    data: bytes
    source: str
    """What produced it, for collision messages: an article's path, a template, a static file."""

    @property
    def written(self) -> bool:
        """True when the file is already where the write stage would put it (see `output.state.StagedFile`)."""
        return False

    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()
