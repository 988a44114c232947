"""The site configuration (`site.toml`): schema, defaults and validation."""

from __future__ import annotations

import logging
import operator
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder import memo, typography
from site_builder.errors import ConfigError, Problem, did_you_mean
from site_builder.i18n import SUPPORTED_LANGUAGES
from site_builder.sources import WALKED_FOLDERS, folder_problem, read_file

log = logging.getLogger(__name__)

RAW_HTML_POLICIES = ("sanitize", "escape", "trust")
FEEDBACK_PLACEHOLDERS = ("url", "title", "lang")


@dataclass(frozen=True)
class LanguageConfig:
    """One language of the site."""

    code: str
    """ISO 639-1 code, also the first URL segment (`fr` → `/fr/`)."""
    title: str
    description: str
    locale: str
    """CLDR locale used to format dates (`fr_FR`, `en_GB`)."""
    feedback_url: str = ""
    """This language's feedback link (its subject in its words), or "" for the site's `feedback_url`."""


@dataclass(frozen=True)
class PublisherConfig:
    """The news organisation, for metadata (JSON-LD publisher)."""

    name: str = "Le Veilleur"
    url: str = ""
    logo: str = ""


@dataclass(frozen=True)
class SiteConfig:
    """Everything `site.toml` can say, validated and with defaults filled in."""

    root: Path
    """The project folder (holds content/, templates/, static/)."""
    base_url: str = "http://localhost:8000/"
    """Absolute URL of the site, always ending in `/`; its path is the base path."""
    default_language: str = "fr"
    languages: tuple[LanguageConfig, ...] = ()
    timezone: str = "Europe/Paris"
    feedback_url: str = "mailto:corrections@example.org?subject={title}&body={url}"
    """URL template of the feedback link; placeholders are filled URL-encoded per article."""
    page_size: int = 10
    raw_html: str = "sanitize"
    """What happens to raw HTML in Markdown: `sanitize` (allow-list), `escape` or `trust`."""
    max_article_bytes: int = 2_000_000
    """Articles larger than this are refused (protects the build from runaway files)."""
    publisher: PublisherConfig = field(default_factory=PublisherConfig)
    source_file: Path | None = None
    """The site.toml that was read, or None when the built-in defaults apply."""

    # Cached: the views ask for these hundreds of thousands of times on a large site.
    @cached_property
    def base_path(self) -> str:
        """Path part of the base URL: `/` or `/archive/`."""
        return urlsplit(self.base_url).path or "/"

    @cached_property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the site's time zone: the one place a date becomes the site's local time
        (its day, month and year decide URLs, archives and how dates are shown)."""
        return moment.astimezone(self.tzinfo)

    @cached_property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> LanguageConfig:
        return self._by_code[code]

    def feedback_for(self, code: str) -> str:
        """The feedback URL template of language `code`: its own, else the site's."""
        return self.language(code).feedback_url or self.feedback_url

    @cached_property
    def _by_code(self) -> dict[str, LanguageConfig]:
        return {lang.code: lang for lang in self.languages}

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Hashed once per object: the memoized views look every article up by (config, article)."""
        return value_hash(self)

    def with_base_url(self, base_url: str) -> SiteConfig:
        """Copy with another base URL (the CLI's --base-url), validated like site.toml's."""
        problems: list[Problem] = []
        url = _check_base_url(base_url, "--base-url", None, problems)
        if problems:
            raise ConfigError(problems)
        return replace(self, base_url=url)


def hashed_fields(cls: type) -> tuple[str, ...]:
    """Names of the fields a frozen record's hash covers: those compared and not marked `hash=False`."""
    names = _HASHED_FIELDS.get(cls)
    if names is None:
        names = _HASHED_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.compare and f.hash is not False)
    return names


def value_hash(record: object) -> int:
    """The hash of a frozen record by value: of the fields `hashed_fields` names."""
    getter = _HASH_GETTERS.get(type(record))
    if getter is None:
        getter = _HASH_GETTERS[type(record)] = operator.attrgetter(*hashed_fields(type(record)), "__class__")
    return hash(getter(record))  # (the class too: attrgetter of a single name gives no tuple)


_HASHED_FIELDS: dict[type, tuple[str, ...]] = memo.remembered("site_builder.config._HASHED_FIELDS", {})
_HASH_GETTERS: dict[type, operator.attrgetter[Any]] = memo.remembered("site_builder.config._HASH_GETTERS", {})


DEFAULT_LANGUAGES: dict[str, dict[str, str]] = {
    "fr": {"title": "Le Veilleur", "description": "Archives d'actualité", "locale": "fr_FR"},
    "en": {"title": "The Watchman", "description": "News archive", "locale": "en_GB"},
}
TOP_KEYS = {
    "base_url", "default_language", "timezone", "feedback_url", "page_size", "raw_html",
    "max_article_bytes", "languages", "publisher",
}
LANGUAGE_KEYS = {"title", "description", "locale", "feedback_url"}
PUBLISHER_KEYS = {"name", "url", "logo"}


def check_project_folder(root: Path) -> None:
    """Refuse a project folder that does not exist (a typo would otherwise build an empty site), and
    one whose source folders lead out of it, or to a folder that holds them (see `sources`)."""
    if not root.is_dir():
        raise ConfigError([Problem(str(root), None, "no such project folder: give the folder that holds "
                                   "site.toml and content/ (default: the current folder)")])
    problems = [problem for folder in WALKED_FOLDERS if (problem := folder_problem(root, folder))]
    if problems:
        raise ConfigError(problems)


def load_config(root: Path) -> SiteConfig:
    """Read `root/site.toml` (or use the defaults) and validate it."""
    path = root / "site.toml"
    check_project_folder(root)
    raw = read_file(root, "site.toml")
    if raw is None:
        log.debug("no site.toml in %s: using the built-in defaults", root)
        return parse_config({}, root, None, "")
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem("site.toml", None, f"not valid UTF-8 at byte {exc.start}")]) from exc
    except ValueError as exc:  # TOMLDecodeError, or an integer too long for Python to convert
        line = _toml_error_line(str(exc))
        raise ConfigError([Problem("site.toml", line, f"invalid TOML: {toml_reason(exc)}")]) from exc
    return parse_config(data, root, path, text)


def toml_reason(exc: ValueError) -> str:
    """What is wrong in a TOML file tomllib refused: its message, but for the integer it could not
    convert (Python reads at most 4,300 digits), what to do about that."""
    if type(exc) is ValueError:
        return "a number has more than 4,300 digits: shorten it, or put it in quotes to make it text"
    return str(exc)


def parse_config(data: dict[str, Any], root: Path, path: Path | None, text: str) -> SiteConfig:
    """Validate a parsed site.toml mapping into a SiteConfig, reporting every problem."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem("site.toml", _key_line(text, key), message))

    for key in sorted(set(data) - TOP_KEYS):
        problem(key, f"unknown key `{key}`{did_you_mean(key, TOP_KEYS)}")
    base_url = _check_base_url(data.get("base_url", SiteConfig.base_url), "base_url", text, problems)
    languages = _parse_languages(data.get("languages"), problem)
    codes = [lang.code for lang in languages]
    default_language = data.get("default_language", codes[0] if codes else "fr")
    if default_language not in codes:
        problem("default_language", f"`default_language` is `{default_language}`, which is not one of "
                f"the site's languages ({', '.join(codes)})")
    timezone = data.get("timezone", SiteConfig.timezone)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problem("timezone", f"unknown time zone `{timezone}`: use an IANA name such as `Europe/Paris`")
    feedback_url = _check_feedback_url(data.get("feedback_url", SiteConfig.feedback_url), problem)
    page_size = _check_positive_int(data, "page_size", SiteConfig.page_size, problem)
    max_bytes = _check_positive_int(data, "max_article_bytes", SiteConfig.max_article_bytes, problem)
    raw_html = data.get("raw_html", SiteConfig.raw_html)
    if raw_html not in RAW_HTML_POLICIES:
        problem("raw_html", f"`raw_html` must be one of {', '.join(RAW_HTML_POLICIES)}, not `{raw_html}`")
    publisher = _parse_publisher(data.get("publisher", {}), problem)
    if problems:
        raise ConfigError(problems)
    return SiteConfig(
        root=root, base_url=base_url, default_language=default_language,
        languages=tuple(languages), timezone=str(timezone), feedback_url=feedback_url,
        page_size=page_size, raw_html=raw_html, max_article_bytes=max_bytes,
        publisher=publisher, source_file=path,
    )


def _parse_languages(raw: Any, problem: Any) -> list[LanguageConfig]:
    if raw is None:
        raw = DEFAULT_LANGUAGES
    if not isinstance(raw, dict) or not raw:
        problem("languages", "`languages` must be a table of languages, e.g. [languages.fr]")
        return [LanguageConfig(code, **v) for code, v in DEFAULT_LANGUAGES.items()]
    result = []
    for code, values in raw.items():
        if code not in SUPPORTED_LANGUAGES:
            problem(f"languages.{code}", f"language `{code}` has no interface strings; "
                    f"supported languages are {', '.join(SUPPORTED_LANGUAGES)}")
            continue
        values = values if isinstance(values, dict) else {}
        for key in sorted(set(values) - LANGUAGE_KEYS):
            problem(key, f"unknown key `{key}` in [languages.{code}]{did_you_mean(key, LANGUAGE_KEYS)}")
        defaults = DEFAULT_LANGUAGES[code]
        feedback = values.get("feedback_url")
        result.append(LanguageConfig(
            code=code,
            title=typography.text(str(values.get("title", defaults["title"])), code),
            description=typography.text(str(values.get("description", defaults["description"])), code),
            locale=str(values.get("locale", defaults["locale"])),
            feedback_url=_check_feedback_url(feedback, problem, f"languages.{code}.feedback_url")
            if feedback is not None else "",
        ))
    return result


def _parse_publisher(raw: Any, problem: Any) -> PublisherConfig:
    if not isinstance(raw, dict):
        problem("publisher", "`publisher` must be a table: [publisher] name = \"…\"")
        return PublisherConfig()
    for key in sorted(set(raw) - PUBLISHER_KEYS):
        problem(key, f"unknown key `{key}` in [publisher]{did_you_mean(key, PUBLISHER_KEYS)}")
    return PublisherConfig(**{k: str(v) for k, v in raw.items() if k in PUBLISHER_KEYS})


def _check_base_url(value: Any, key: str, text: str | None, problems: list[Problem]) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        line = _key_line(text, key) if text is not None else None
        where = "site.toml" if text is not None else "command line"
        problems.append(Problem(where, line, f"`{key}` must be an absolute http(s) URL such as "
                                f"`https://example.org/archive/`, not `{value}`"))
        return SiteConfig.base_url
    url = str(value)
    return url if url.endswith("/") else url + "/"


def _check_feedback_url(value: Any, problem: Any, key: str = "feedback_url") -> str:
    value = str(value)
    if not (value.startswith("mailto:") or value.startswith("https://")):
        problem("feedback_url", f"`{key}` must start with `mailto:` or `https://`, not `{value}`")
    for name in re.findall(r"\{([^{}]*)\}", value):
        if name not in FEEDBACK_PLACEHOLDERS:
            problem("feedback_url", f"`{key}` has an unknown placeholder `{{{name}}}`; "
                    f"use {', '.join('{' + p + '}' for p in FEEDBACK_PLACEHOLDERS)}")
    return value


def _check_positive_int(data: dict[str, Any], key: str, default: int, problem: Any) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problem(key, f"`{key}` must be a whole number above 0, not `{value}`")
        return default
    return value


def _key_line(text: str | None, key: str) -> int | None:
    """Best-effort line of `key = …` (or `[key]`) in the TOML text, for messages."""
    if not text:
        return None
    last = re.escape(key.split(".")[-1])
    pattern = re.compile(rf"^\s*(\[\s*)?(\w+\.)*{last}\s*(=|\])", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
