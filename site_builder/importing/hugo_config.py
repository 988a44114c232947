"""A Hugo site's configuration, as far as an import needs it: its languages (and each one's content
folder), the default language, the base URL, the time zone and the permalinks.

Hugo reads `hugo.toml|yaml|json` (or the older `config.*`) at the site's root, and the files of
`config/_default/` (`hugo.*`, `config.*`, and one file per root key: `languages.toml`,
`params.toml`, `permalinks.toml`); keys are case-insensitive."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from site_builder.errors import ConfigError, Problem

FORMATS = ("toml", "yaml", "yml", "json")
ROOT_FILES = tuple(f"{name}.{ext}" for name in ("hugo", "config") for ext in FORMATS)
SPLIT_KEYS = ("languages", "params", "permalinks", "taxonomies")
"""Root keys that `config/_default/` may hold in a file of their own (`languages.toml`)."""


@dataclass(frozen=True)
class HugoLanguage:
    code: str
    content_dir: str
    """The language's content folder, relative to the site (`content`, or its own `content/fr`)."""
    title: str = ""
    description: str = ""
    locale: str = ""
    """CLDR form of Hugo's `languageCode` (`fr-FR` → `fr_FR`), when given."""
    weight: int = 0


@dataclass(frozen=True)
class HugoConfig:
    root: Path
    files: tuple[str, ...]
    """The configuration files read, relative to the site."""
    base_url: str
    title: str
    default_language: str
    in_subdir: bool
    """`defaultContentLanguageInSubdir`: the default language's pages are under /<lang>/ too."""
    languages: tuple[HugoLanguage, ...]
    timezone: str = ""
    permalinks: dict[str, str] = field(default_factory=dict)
    """Section → pattern (`posts` → `/:year/:month/:slug/`)."""

    def language(self, code: str) -> HugoLanguage | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    def prefix(self, code: str) -> str:
        """The path Hugo puts a language's pages under: `/en` or `` for the default language."""
        return "" if code == self.default_language and not self.in_subdir else f"/{code}"


def read_hugo_config(root: Path) -> HugoConfig:
    """Read the Hugo site at `root`; ConfigError when it has no configuration Hugo would read."""
    data: dict[str, Any] = {}
    files: list[str] = []
    for name in ROOT_FILES:
        if (root / name).is_file():
            data = merge(data, _load(root, name))
            files.append(name)
            break  # Hugo reads the first one it finds
    folder = root / "config" / "_default"
    for path in sorted(folder.glob("*")) if folder.is_dir() else ():
        stem, _, ext = path.name.partition(".")
        if ext not in FORMATS:
            continue
        loaded = _load(root, path.relative_to(root).as_posix())
        files.append(path.relative_to(root).as_posix())
        data = merge(data, loaded if stem in ("hugo", "config") else {stem: loaded} if stem in SPLIT_KEYS else {})
    if not files and not (root / "content").is_dir():
        raise ConfigError([Problem(str(root), None, "is not a Hugo site: it has no hugo.toml, config.toml (or "
                                   ".yaml, .json), no config/_default/ and no content/ folder")])
    return _config(root, tuple(files), data)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _config(root: Path, files: tuple[str, ...], data: dict[str, Any]) -> HugoConfig:
    content_dir = str(data.get("contentdir") or "content")
    languages_data = _mapping(data.get("languages"))
    params = _mapping(data.get("params"))
    fallback = str(data.get("languagecode") or "en")[:2].lower()
    default = str(data.get("defaultcontentlanguage") or (fallback if not languages_data else "en")).lower()
    languages = []
    for code, raw in (languages_data or {default: {}}).items():
        raw = _mapping(raw)
        own = _mapping(raw.get("params"))
        weight = raw.get("weight")
        language_code = str(raw.get("languagecode") or (data.get("languagecode") if code == default else "") or "")
        languages.append(HugoLanguage(
            code=str(code).lower(), content_dir=str(raw.get("contentdir") or content_dir).strip("/"),
            title=str(raw.get("title") or data.get("title") or ""),
            description=str(own.get("description") or (params.get("description") if code == default else "") or ""),
            locale=f"{language_code[:2].lower()}_{language_code[3:].upper()}" if len(language_code) == 5 else "",
            weight=weight if isinstance(weight, int) else 0))
    languages.sort(key=lambda lang: (lang.weight, lang.code))
    permalinks = _mapping(data.get("permalinks"))
    page_links = _mapping(permalinks.get("page")) or permalinks
    return HugoConfig(
        root=root, files=files, base_url=str(data.get("baseurl") or ""), title=str(data.get("title") or ""),
        default_language=default, in_subdir=bool(data.get("defaultcontentlanguageinsubdir")),
        languages=tuple(languages), timezone=str(data.get("timezone") or ""),
        permalinks={str(k).lower(): str(v) for k, v in page_links.items() if isinstance(v, str)})


def _load(root: Path, rel: str) -> dict[str, Any]:
    """One configuration file, its keys lower-cased (Hugo's are case-insensitive)."""
    text = (root / rel).read_text(encoding="utf-8-sig")
    try:
        if rel.endswith(".toml"):
            loaded: Any = tomllib.loads(text)
        elif rel.endswith(".json"):
            loaded = json.loads(text)
        else:
            loaded = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError([Problem(rel, getattr(getattr(exc, "problem_mark", None), "line", None),
                                   f"cannot be read as Hugo configuration: {exc}")]) from exc
    return lower_keys(loaded) if isinstance(loaded, dict) else {}


def lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    return value


def merge(base: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`more` over `base`, mappings merged key by key."""
    merged = dict(base)
    for key, value in more.items():
        merged[key] = merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged
